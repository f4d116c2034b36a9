"""A job's events and its pending reason, through the real server with the local runtime:
every event kind of a job's life, the reason a pending job waits (capacity, priority,
reservation) in its ``message`` and in ``waiting`` events, the per-job bound, and events deleted
with their job."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.api import FINAL
from tests.helpers.jobs import single_body
from tests.helpers.server import RuntimeServer

StartServer = Callable[..., RuntimeServer]
EVENT_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def events_of(server: RuntimeServer, job_id: str, after: int = 0) -> dict[str, Any]:
    url = f"{server.url}/api/pfctl/v1/job/{job_id}/events"
    response = server.call("GET", url, params={"after": str(after)})
    assert response.status_code == 200, response.text
    return dict(response.json())


def kinds(server: RuntimeServer, job_id: str) -> list[str]:
    return [event["kind"] for event in events_of(server, job_id)["events"]]


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def sized(command: str, cpu: str, queue: str, priority: str = "NORMAL") -> dict[str, Any]:
    return single_body(
        command,
        flavour={"name": "", "cpu": cpu, "mem": "1Gi"},
        schedulingPolicy={"queue": queue, "priority": priority},
    )


def make_queue(server: RuntimeServer, name: str, cpu: str, *policy: str) -> None:
    body: dict[str, Any] = {"name": name, "namespace": "default"}
    body["maxResources"] = {"cpu": cpu, "mem": "8Gi"}
    if policy:
        body["schedulingPolicy"] = list(policy)
    response = server.call("POST", "/queue", json=body)
    assert response.status_code == 200, response.text


def test_a_job_that_runs_and_ends_tells_each_step(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single_body("echo first; echo 'the last line'; exit 3"))
    assert server.wait_status(job_id, FINAL)["status"] == "failed"
    page = events_of(server, job_id)
    events = page["events"]
    assert [event["kind"] for event in events] == [
        "accepted",
        "queued",
        "scheduled",
        "replica-started",
        "replica-exited",
        "finished",
    ]
    assert [event["seq"] for event in events] == list(range(1, 7))
    assert page["jobID"] == job_id and page["dropped"] == 0 and page["lastSeq"] == 6
    assert all(EVENT_TIME.match(event["time"]) for event in events)
    accepted, queued, scheduled, started, exited, finished = events
    assert accepted["by"] == "root"
    assert queued["detail"]["queue"] == "default-queue"
    assert queued["detail"]["requested"]["cpu"] == "1"
    assert queued["detail"]["free"]["cpu"] == "20"  # the default queue, nothing running
    assert scheduled["detail"]["requested"] == {"cpu": "1", "mem": "1Gi"}
    assert started["member"] == "worker" and started["replica"] == 0
    assert isinstance(started["pid"], int) and Path(started["workDir"]).is_dir()
    assert exited["exitCode"] == 3 and exited["lastLogLine"] == "the last line"
    assert "signal" not in exited and exited["pid"] == started["pid"]
    assert finished["detail"] == {"status": "failed"}
    # `after` gives only the newer events.
    assert [event["seq"] for event in events_of(server, job_id, after=4)["events"]] == [5, 6]


def test_a_stopped_job_tells_who_stopped_it_and_the_signals(runtime_server: StartServer) -> None:
    server = runtime_server(grace_seconds=1.0)
    job_id = server.create("single", single_body("trap '' TERM; sleep 300"))
    server.wait_status(job_id, {"running"})
    wait_for(lambda: "replica-started" in kinds(server, job_id), "the replica started")
    assert server.call("PUT", f"/job/{job_id}", params={"action": "stop"}).status_code == 200
    assert server.wait_status(job_id, FINAL)["status"] == "terminated"
    events = events_of(server, job_id)["events"]
    assert [event["kind"] for event in events][-5:] == [
        "stop-requested",
        "term-sent",
        "kill-sent",
        "replica-exited",
        "finished",
    ]
    stop, term, kill, exited, finished = events[-5:]
    assert stop["by"] == "root" and "root" in stop["message"]
    assert term["detail"] == {"replicas": ["worker-0"]} and "TERM" in term["message"]
    assert "after the 1s grace period" in kill["message"]
    assert exited["signal"] == "SIGKILL" and exited["exitCode"] == -9
    assert finished["detail"] == {"status": "terminated"}


def test_pending_reasons_capacity_priority_and_reservation(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server(reserve_after_seconds=0.0)
    make_queue(server, "four", "4", "priority")  # ordered by priority
    gate = tmp_path / "gate"
    running = server.create(
        "single", sized(f"while [ ! -e {gate} ]; do sleep 0.05; done", "2", "four")
    )
    server.wait_status(running, {"running"})

    def message(job_id: str, prefix: str) -> str:
        return str(
            wait_for(
                lambda: (text := server.job(job_id)["message"]).startswith(prefix) and text,
                f"{job_id} says {prefix}",
            )
        )

    big = server.create("single", sized("sleep 0.2", "4", "four", "HIGH"))
    assert message(big, "Capacity:") == (
        "Capacity:waiting for room in queue four: needs cpu 4 of 2 free"
    )
    small = server.create("single", sized("true", "1", "four", "NORMAL"))
    assert message(small, "Reservation:") == (
        f"Reservation:waiting in queue four: its room is held for job {big}"
    )
    low = server.create("single", sized("true", "4", "four", "LOW"))
    assert message(low, "Priority:") == (
        "Priority:waiting in queue four behind 2 jobs of higher priority"
    )
    waits = {
        job_id: [e for e in events_of(server, job_id)["events"] if e["kind"] == "waiting"]
        for job_id in (big, small, low)
    }
    assert [e["reason"] for e in waits[big]] == ["capacity"]
    assert waits[big][0]["detail"]["requested"]["cpu"] == "4"
    assert waits[big][0]["detail"]["free"]["cpu"] == "2"
    assert waits[small][-1]["reason"] == "reservation"
    assert waits[small][-1]["detail"]["heldFor"] == big
    assert waits[low][-1]["reason"] == "priority" and waits[low][-1]["detail"]["ahead"] == 2
    assert waits[low][-1]["detail"]["order"] == "priority"
    # The reason did not change over the passes since: no more waiting events for the big job.
    seen = events_of(server, big)["lastSeq"]
    time.sleep(1.0)  # five scheduling passes (tick 0.2 s) with the same reason
    assert events_of(server, big)["lastSeq"] == seen

    gate.touch()
    for job_id in (running, big, small, low):
        assert server.wait_status(job_id, FINAL)["status"] == "succeeded"
    # Never stale once the job ran: its message is the final one, not a waiting reason.
    assert server.job(big)["message"] == "job is succeeded"
    assert kinds(server, big)[-4:] == ["scheduled", "replica-started", "replica-exited", "finished"]


def test_events_are_bounded_per_job(
    runtime_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PFCTL_EVENTS_PER_JOB", "8")
    server = runtime_server()
    body: dict[str, Any] = {
        "framework": "paddle",
        "schedulingPolicy": {"queue": "default-queue"},
        "members": [
            {
                "role": "pworker",
                "replicas": 6,
                "flavour": {"name": "flavour1"},
                "image": "paddle:2.0",
                "command": "echo done",
            }
        ],
    }
    job_id = server.create("distributed", body)
    assert server.wait_status(job_id, FINAL)["status"] == "succeeded"
    page = events_of(server, job_id)
    # accepted, queued, scheduled, 6 started, 6 exited, finished: 16, of which 8 are kept.
    assert page["lastSeq"] == 16 and page["dropped"] == 8
    seqs = [event["seq"] for event in page["events"]]
    assert seqs == [1, *range(10, 17)]
    assert page["events"][0]["kind"] == "accepted"
    assert page["events"][-1]["kind"] == "finished"


def test_events_are_deleted_with_their_job(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single_body("true", id="evt-deleted"))
    assert server.wait_status(job_id, FINAL)["status"] == "succeeded"
    database = server.data_dir / "pfctl-server.sqlite3"

    def stored_events() -> int:
        with sqlite3.connect(database) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM job_events").fetchone()[0])

    assert stored_events() == len(kinds(server, job_id)) > 0
    assert server.call("DELETE", f"/job/{job_id}").status_code == 200
    assert stored_events() == 0
    response = server.call("GET", f"{server.url}/api/pfctl/v1/job/{job_id}/events")
    assert response.status_code == 404 and response.json()["code"] == "JobNotFound"
    # The id is free again: the new job's events start afresh.
    server.create("single", single_body("true", id="evt-deleted"))
    first = events_of(server, job_id)["events"][0]
    assert first["seq"] == 1 and first["kind"] == "accepted"


def test_a_replica_that_cannot_start_says_so(runtime_server: StartServer) -> None:
    server = runtime_server()
    body = single_body("", args=["pfctl-test-no-such-program"])
    del body["command"]
    job_id = server.create("single", body)
    assert server.wait_status(job_id, FINAL)["status"] == "failed"
    events = events_of(server, job_id)["events"]
    assert [event["kind"] for event in events] == [
        "accepted",
        "queued",
        "scheduled",
        "failed-to-start",
        "finished",
    ]
    failed = events[3]
    assert failed["member"] == "worker" and failed["replica"] == 0
    assert "pfctl-test-no-such-program" in failed["message"]
