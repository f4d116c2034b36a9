"""`pfctl job describe` and `pfctl job events` end to end, against the real local server (and a
scripted PaddleFlow-like server for the fallback to the log route's ``eventList``)."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.api import login
from tests.helpers.cli import in_process_pfctl, run_pfctl, start_pfctl
from tests.helpers.server import ServerHandle, isolated_environ, launch_pf_server

from .job_helpers import create, job_document


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    """Run ``pfctl ARGS`` in-process against the session server; returns a Result."""
    return in_process_pfctl(pf_server, capsys, monkeypatch)


def wait_until(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)
    return value


def status_of(pfctl: Any, job_id: str) -> str:
    result = pfctl("job", "show", job_id, "-o", "jsonpath={.status}")
    assert result.code == 0, result.err
    return str(result.out.strip())


def section(text: str, title: str) -> list[str]:
    """The indented lines under ``title`` (``Events:``, ``Replicas:``...)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    found = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        found.append(line.strip())
    return found


def test_describe_a_running_job_then_stopped(pfctl: Any, tmp_path: Path) -> None:
    job_id = create(pfctl, tmp_path, job_document(labels={"team": "a"}))
    wait_until(lambda: status_of(pfctl, job_id) == "running", "running")
    shown = pfctl("job", "describe", job_id)
    assert shown.code == 0, shown.err
    assert re.search(rf"^ID: +{job_id}$", shown.out, re.MULTILINE)
    assert re.search(r"^Status: +running$", shown.out, re.MULTILINE)
    assert re.search(r"^Labels: +team=a$", shown.out, re.MULTILINE)
    assert "Pending because" not in shown.out
    header, replica = section(shown.out, "Replicas:")
    assert header.split() == ["REPLICA", "PHASE", "PID", "EXIT", "STARTED", "FINISHED",
                              "WORKDIR", "LOG"]  # fmt: skip
    name, phase, pid, *rest = replica.split()
    assert (name, phase) == ("worker-0", "Running") and int(pid) > 0
    assert rest[-1].startswith(f"/api/paddleflow/v1/log/job?jobID={job_id}&role=worker&index=0")
    assert Path(rest[-2]).is_absolute()  # the working directory of its replica-started event
    kinds = [line.split()[2] for line in section(shown.out, "Events:")[1:]]
    assert kinds[:2] == ["accepted", "queued"] and "replica-started" in kinds

    assert pfctl("job", "stop", job_id).code == 0
    wait_until(lambda: status_of(pfctl, job_id) == "terminated", "terminated")
    stopped = pfctl("job", "describe", job_id)
    events = [line.split()[2] for line in section(stopped.out, "Events:")[1:]]
    assert "stop-requested" in events and events[-1] == "finished"
    assert "stop requested by user root" in stopped.out


def test_describe_finished_and_failed_jobs(pfctl: Any, tmp_path: Path) -> None:
    good = create(pfctl, tmp_path, job_document(command="echo fine"))
    bad = create(pfctl, tmp_path, job_document(command="echo about-to-fail; exit 3"))
    assert pfctl("job", "wait", good, bad, "--timeout", "120", "--interval", "0.2").code == 1
    for job_id, phase, code in ((good, "Succeeded", "0"), (bad, "Failed", "3")):
        shown = pfctl("job", "describe", job_id)
        assert shown.code == 0, shown.err
        _, replica = section(shown.out, "Replicas:")
        assert replica.split()[1] == phase and replica.split()[3] == code
        assert section(shown.out, "Events:")[-1].split()[2] == "finished"
    failed = pfctl("job", "describe", bad)
    assert re.search(r"^Message: +job is failed, replica worker-0 exited with code 3$",
                     failed.out, re.MULTILINE)  # fmt: skip
    assert "about-to-fail" in failed.out  # the exited event's last log line


@pytest.fixture(scope="module")
def reserving_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """A server that reserves a queue's room for a job that cannot fit at once."""
    home = tmp_path_factory.mktemp("reserving-home")
    env = {**os.environ, **isolated_environ(home), "PFCTL_RESERVE_AFTER_SECONDS": "0"}
    args = () if os.geteuid() == 0 else ("--allow-shared-jobs",)
    handle = launch_pf_server(tmp_path_factory.mktemp("reserving") / "data", env, args=args)
    yield handle
    handle.stop()


def test_describe_a_pending_job_says_why(reserving_server: ServerHandle, tmp_path: Path) -> None:
    root = login(reserving_server.url)
    body = {"name": "four", "namespace": "default", "maxResources": {"cpu": "4", "mem": "8Gi"}}
    body["schedulingPolicy"] = ["priority"]  # ordered by priority: "of higher priority" below
    assert root.post("/queue", json=body).status_code == 200

    def sized(cpu: str, priority: str, command: str = "true") -> str:
        flavour = {"name": "", "cpu": cpu, "mem": "1Gi"}
        policy = {"queue": "four", "priority": priority}
        return root.create(
            "single", job_document(command=command, flavour=flavour, schedulingPolicy=policy)
        )

    gate = tmp_path / "gate"
    running = sized("2", "NORMAL", f"while [ ! -e {gate} ]; do sleep 0.05; done")
    root.wait_status(running, {"running"})
    big = sized("4", "HIGH")
    small = sized("1", "NORMAL")
    low = sized("4", "LOW")

    def describe(job_id: str) -> str:
        result = run_pfctl("job", "describe", job_id, server=reserving_server)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def reason(job_id: str, words: str) -> str:
        def found() -> str | None:
            match = re.search(r"^Pending because: +(.*)$", describe(job_id), re.MULTILINE)
            return match[1] if match and words in match[1] else None

        return str(wait_until(found, f"{job_id}: {words}"))

    assert "needs cpu 4 of 2 free" in reason(big, "capacity")
    assert big in reason(small, "reservation")
    assert "behind 2 jobs of higher priority" in reason(low, "priority")
    waiting = [line for line in section(describe(low), "Events:") if " waiting " in line]
    assert waiting
    gate.touch()
    for job_id in (running, big, small, low):
        root.wait_status(job_id, {"succeeded", "failed", "terminated"})
    assert "Pending because" not in describe(big)


def test_events_as_json_yaml_and_table(pfctl: Any, tmp_path: Path) -> None:
    job_id = create(pfctl, tmp_path, job_document(command="echo done"))
    assert pfctl("job", "wait", job_id, "--timeout", "120", "--interval", "0.2").code == 0
    as_json = pfctl("job", "events", job_id, "-o", "json")
    assert as_json.code == 0, as_json.err
    data = json.loads(as_json.out)
    assert data["jobID"] == job_id and data["dropped"] == 0
    kinds = [event["kind"] for event in data["events"]]
    assert kinds[0] == "accepted" and kinds[-1] == "finished"
    assert data["lastSeq"] == data["events"][-1]["seq"]
    as_yaml = pfctl("job", "events", job_id, "-o", "yaml")
    assert as_yaml.code == 0 and f"jobID: {job_id}" in as_yaml.out
    table = pfctl("job", "events", job_id, "-o", "table")
    lines = table.out.splitlines()
    assert lines[0].split() == ["SEQ", "TIME", "KIND", "WHERE", "MESSAGE"]
    assert [line.split()[2] for line in lines[1:]] == kinds


def test_events_watch_follows_until_the_job_finishes(pf_server: Any, pfctl: Any,
                                                      tmp_path: Path) -> None:  # fmt: skip
    gate = tmp_path / "gate"
    job_id = create(
        pfctl,
        tmp_path,
        job_document(command=f"while [ ! -e {gate} ]; do sleep 0.05; done; echo bye"),
    )
    wait_until(lambda: status_of(pfctl, job_id) == "running", "running")
    process = start_pfctl("job", "events", job_id, "-w", "--interval", "0.2", server=pf_server)
    assert process.stdout is not None
    header = process.stdout.readline()  # the events so far are read: the watch begins
    assert header.split() == ["SEQ", "TIME", "KIND", "WHERE", "MESSAGE"]
    so_far = [process.stdout.readline() for _ in range(4)]  # accepted ... replica-started
    gate.touch()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    kinds = [line.split()[2] for line in [*so_far, *out.splitlines()]]
    assert kinds[0] == "accepted" and kinds[-2:] == ["replica-exited", "finished"]
    assert len(kinds) == len(set(kinds))  # each event once
    assert "polling" not in err  # the server has the stream


def test_events_watch_ends_at_ctrl_c_with_130(pf_server: Any, pfctl: Any, tmp_path: Path) -> None:
    job_id = create(pfctl, tmp_path, job_document())
    process = start_pfctl("job", "events", job_id, "-w", "-o", "json", server=pf_server)
    assert process.stdout is not None
    assert json.loads(process.stdout.readline())["kind"] == "accepted"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    pfctl("job", "stop", job_id)


def test_another_users_job_is_not_found(pf_server: Any, pfctl: Any, tmp_path: Path) -> None:
    job_id = create(pfctl, tmp_path, job_document(command="true"))
    root = login(pf_server.url)
    name = f"desc{uuid.uuid4().hex[:8]}"
    assert root.post("/user", json={"username": name, "password": "secret123"}).status_code == 200
    other = {"PFCTL_USER": name, "PFCTL_PASSWORD": "secret123"}
    for command in ("describe", "events"):
        result = run_pfctl("job", command, job_id, server=pf_server, env=other)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "JobNotFound" in result.stderr and result.stdout == ""
    missing = pfctl("job", "describe", "job-that-never-was")
    assert missing.code == 1 and "JobNotFound" in missing.err


def test_describe_falls_back_to_the_log_routes_event_list(scripted_server: Any) -> None:
    job = {"id": "job-1", "name": "pf", "status": "running", "message": "",
           "schedulingPolicy": {"queue": "q1"}}  # fmt: skip
    line = "type: Normal\treason: Scheduled\teventsTime: 2026-01-02 03:04:05 \tmessage: placed"
    url, received = scripted_server(
        [
            (404, None),  # a PaddleFlow server: no pfctl events route
            (200, job),
            (200, {"name": "q1", "clusterName": "c1"}),
            (200, {"jobID": "job-1", "eventList": [line], "submitLog": []}),
        ]
    )
    result = run_pfctl("job", "describe", "job-1", server=url)
    assert result.returncode == 0, result.stderr
    assert "Events (from the eventList of GET /log/job):" in result.stdout
    (_, event) = section(result.stdout, "Events")
    assert event.split(None, 4) == ["1", "2026-01-02", "03:04:05", "Scheduled", "placed"]
    assert "GET /api/pfctl/v1/job/job-1/events" in received
    assert received[-1].startswith("GET /api/paddleflow/v1/log/job?jobID=job-1")
    assert "clusterName=c1" in received[-1]
