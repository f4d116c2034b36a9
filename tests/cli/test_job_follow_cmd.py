"""`pfctl job wait` and `pfctl job logs` end to end: the real CLI entry point against the real
local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.cli import in_process_pfctl
from tests.helpers.jobs import unique_id

from .job_helpers import create, job_document


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    """Run ``pfctl ARGS`` in-process against the session server; returns a Result."""
    return in_process_pfctl(pf_server, capsys, monkeypatch)


def test_wait_timeout(pfctl: Any, tmp_path: Path) -> None:
    job_id = create(pfctl, tmp_path, job_document())
    result = pfctl("job", "wait", job_id, "--timeout", "0.3", "--interval", "0.1")
    assert result.code == 1
    *_, summary, still = result.err.splitlines()
    assert summary.startswith("Wait timed out: ") and summary.endswith(", 0 succeeded, 0 failed.")
    assert still == f"still running at the timeout: {job_id}"
    pfctl("job", "stop", job_id)


def test_wait_and_logs_of_jobs_that_run(pfctl: Any, tmp_path: Path) -> None:
    ok_job = create(pfctl, tmp_path, job_document(command="echo hello-from-job; echo line-two"))
    bad_job = create(pfctl, tmp_path, job_document(command="echo about-to-fail; exit 3"))
    waited = pfctl("job", "wait", ok_job, "--timeout", "120", "--interval", "0.2", "-o", "json")
    assert waited.code == 0, waited.err
    assert json.loads(waited.out)[0]["status"] == "succeeded"
    assert f"{ok_job}: succeeded" in waited.err.splitlines()

    logs = pfctl("job", "logs", ok_job)
    assert logs.code == 0, logs.err
    assert logs.out == "hello-from-job\nline-two\n"
    followed = pfctl("job", "logs", ok_job, "-f", "--interval", "0.2")
    assert followed.out == logs.out  # a finished job: printed once, then done
    for extra in ((), ("-f",)):
        last = pfctl("job", "logs", ok_job, "--tail", "1", *extra)
        assert (last.code, last.out) == (0, "line-two\n"), last.err
    as_json = json.loads(pfctl("job", "logs", ok_job, "--tail", "1", "-o", "json").out)
    assert as_json["taskList"][0]["logInfo"]["logContent"] == "line-two\n"
    assert pfctl("job", "logs", ok_job, "--tail", "-1").code == 2

    failed = pfctl("job", "wait", ok_job, bad_job, "--timeout", "120", "--interval", "0.2")
    assert failed.code == 1
    assert f"failed {bad_job}: job is failed, replica worker-0 exited with code 3" in failed.err
    assert "about-to-fail" in pfctl("job", "logs", bad_job).out


def test_wait_ends_with_a_summary_and_the_failures_messages(pfctl: Any, tmp_path: Path) -> None:
    good = [create(pfctl, tmp_path, job_document(command="true")) for _ in range(2)]
    bad = create(pfctl, tmp_path, job_document(command="echo boom; exit 3"))
    waited = pfctl("job", "wait", *good, bad, "--timeout", "120", "--interval", "0.2")
    assert waited.code == 1
    lines = waited.err.splitlines()
    assert lines[-2:] == [
        "Wait failed: 2 succeeded, 1 failed.",
        f"failed {bad}: job is failed, replica worker-0 exited with code 3",
    ]
    # Not on a terminal: a line per status change, each job's last one its final status.
    assert {f"{good[0]}: succeeded", f"{good[1]}: succeeded", f"{bad}: failed"} <= set(lines)
    assert not any(line.startswith(f"{bad}: succeeded") for line in lines)

    succeeded = pfctl("job", "wait", *good, "--interval", "0.2", "-o", "json")
    assert succeeded.code == 0, succeeded.err
    assert succeeded.err.splitlines()[-1] == "Wait complete: 2 succeeded, 0 failed."
    assert [job["id"] for job in json.loads(succeeded.out)] == good


def test_waiting_for_a_job_that_does_not_exist_fails(pfctl: Any) -> None:
    missing = unique_id("missing")
    result = pfctl("job", "wait", missing, "--timeout", "30", "--interval", "0.2")
    assert result.code == 1
    assert result.err.splitlines()[-2:] == [
        "Wait failed: 0 succeeded, 0 failed, 1 gone.",
        f"gone {missing}: the job no longer exists",
    ]


def test_follow_a_running_job(pfctl: Any, tmp_path: Path) -> None:
    command = "for i in 1 2 3; do echo tick-$i; sleep 0.3; done"
    job_id = create(pfctl, tmp_path, job_document(command=command))
    result = pfctl("job", "logs", job_id, "-f", "--interval", "0.2")
    assert result.code == 0, result.err
    assert result.out == "tick-1\ntick-2\ntick-3\n"


def replica_job(command_of: dict[str, str], replicas: int) -> dict[str, Any]:
    """A paddle PS job: each role's replicas run ``command_of[role]`` (``$PADDLE_TRAINER_ID`` is
    the replica's index)."""
    members = [
        {
            "role": role,
            "replicas": replicas,
            "flavour": {"name": "flavour1"},
            "image": "paddle:2.0",
            "command": command,
        }
        for role, command in command_of.items()
    ]
    return {
        "id": unique_id("roles"),
        "framework": "paddle",
        "schedulingPolicy": {"queue": "default-queue"},
        "members": members,
    }


def test_logs_of_some_replicas(pfctl: Any, tmp_path: Path) -> None:
    ticks = "echo {0}-$PADDLE_TRAINER_ID; sleep 0.5; echo {0}-$PADDLE_TRAINER_ID-done"
    document = replica_job({"pserver": ticks.format("ps"), "worker": ticks.format("wk")}, 3)
    job_id = create(pfctl, tmp_path, document, "distributed")

    followed = pfctl(
        "job", "logs", job_id, "--role", "worker", "--index", "1", "-f", "--interval", "0.2"
    )
    assert followed.code == 0, followed.err
    assert (followed.out, followed.err) == ("wk-1\nwk-1-done\n", "")
    waited = pfctl("job", "wait", job_id, "--timeout", "120", "--interval", "0.2")
    assert waited.code == 0, waited.err

    workers = pfctl("job", "logs", job_id, "--role", "worker")
    assert (workers.code, workers.err) == (0, "")
    assert workers.out == "".join(
        f"==> worker-{index} <==\nwk-{index}\nwk-{index}-done\n" for index in range(3)
    )
    second = pfctl("job", "logs", job_id, "--index", "1")
    assert second.out == ("==> pserver-1 <==\nps-1\nps-1-done\n==> worker-1 <==\nwk-1\nwk-1-done\n")
    one = pfctl("job", "logs", job_id, "--role", "pserver", "--index", "2")
    assert (one.code, one.out) == (0, "ps-2\nps-2-done\n")
    as_json = json.loads(pfctl("job", "logs", job_id, "--role", "pserver", "-o", "json").out)
    assert [task["name"] for task in as_json["taskList"]] == ["pserver-0", "pserver-1", "pserver-2"]
    assert {task["role"] for task in as_json["taskList"]} == {"pserver"}
    as_yaml = yaml.safe_load(pfctl("job", "logs", job_id, "--index", "0", "-o", "yaml").out)
    assert [task["name"] for task in as_yaml["taskList"]] == ["pserver-0", "worker-0"]

    every = [f"{role}-{index}" for role in ("pserver", "worker") for index in range(3)]
    for args in (("--role", "chief"), ("--role", "worker", "--index", "3"), ("--index", "7")):
        for extra in ((), ("-f",), ("-o", "json")):
            nothing = pfctl("job", "logs", job_id, *args, *extra)
            assert (nothing.code, nothing.out) == (1, ""), (args, extra)
            assert nothing.err == (
                f"error: no task of job {job_id} matches {' '.join(args)}; "
                f"its tasks: {', '.join(every)}\n"
            )
    negative = pfctl("job", "logs", job_id, "--index", "-1")
    assert negative.code == 2 and "--index" in negative.err


def test_logs_filter_against_tasks_without_role_or_index(
    pfctl: Any, scripted_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PaddleFlow on Kubernetes: tasks named by pod only, role/index parameters ignored."""
    pods = {
        "taskList": [
            {"taskID": f"job-k8s-worker-{index}", "logInfo": {"logContent": f"w{index}\n"}}
            for index in range(2)
        ]
    }
    job = {"id": "job-k8s", "status": "running", "schedulingPolicy": {"queue": "gpu-q"}}
    queue = {"name": "gpu-q", "clusterName": "k8s-east"}
    url, received = scripted_server([(200, job), (200, queue), (200, pods)] * 2)
    monkeypatch.setenv("PFCTL_SERVER", url)
    shown = pfctl("job", "logs", "job-k8s", "--role", "worker", "--index", "1")
    assert shown.code == 0
    assert shown.out == "==> job-k8s-worker-0 <==\nw0\n==> job-k8s-worker-1 <==\nw1\n"
    assert shown.err.count("warning: ") == 1 and "showing all tasks" in shown.err
    assert received[-3:-1] == [
        "GET /api/paddleflow/v1/job/job-k8s",
        "GET /api/paddleflow/v1/queue/gpu-q",
    ]
    # what PaddleFlow's getPFJobLogs requires: the queue's cluster and a line limit
    assert "clusterName=k8s-east" in received[-1] and "lineLimit=1000" in received[-1]
    assert "role=worker" in received[-1] and "index=1" in received[-1]
    as_json = pfctl("job", "logs", "job-k8s", "--role", "worker", "-o", "json")
    assert json.loads(as_json.out)["taskList"] == pods["taskList"]
    assert as_json.err.startswith("warning: ")


def test_logs_of_a_job_on_another_cluster(pfctl: Any, tmp_path: Path, client: Any) -> None:
    """The log requests carry the clusterName of the job's own queue, which the server checks."""
    import requests

    queue = unique_id("east")
    created = requests.post(
        f"{client.base_url}/queue",
        json={
            "name": queue,
            "namespace": "default",
            "clusterName": "cluster-east",
            "maxResources": {"cpu": "2", "mem": "2Gi"},
        },
        headers={"x-pf-authorization": client.login()},
        timeout=10,
    )
    assert created.status_code == 200, created.text
    document = job_document(command="echo east-1; echo east-2", schedulingPolicy={"queue": queue})
    job_id = create(pfctl, tmp_path, document)
    followed = pfctl("job", "logs", job_id, "-f", "--interval", "0.2")
    assert (followed.code, followed.out) == (0, "east-1\neast-2\n"), followed.err
    assert pfctl("job", "logs", job_id, "--tail", "1").out == "east-2\n"


def test_logs_of_a_job_in_a_queue_not_granted_to_its_user(
    pfctl: Any, pf_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server shows a non-root user only the queues granted to them, and a log request names
    the queue's cluster: without a grant, logs says so and how to go on (exit 1); --cluster
    names the cluster itself."""
    from tests.helpers.api import create as create_job
    from tests.helpers.api import login

    root = login(pf_server.url)
    name = unique_id("logs").replace("-", "")
    assert root.post("/user", json={"username": name, "password": "secret123"}).ok
    user = login(pf_server.url, name, "secret123")
    job_id = create_job(user, command="echo from-an-ungranted-queue")
    user.wait_status(job_id, {"succeeded"})
    monkeypatch.setenv("PFCTL_USER", name)
    monkeypatch.setenv("PFCTL_PASSWORD", "secret123")

    refused = pfctl("job", "logs", job_id)
    assert refused.code == 1
    assert refused.out == ""
    assert "does not show queue default-queue to you" in refused.err
    assert "pass --cluster NAME" in refused.err
    assert "pfctl queue grant USERNAME default-queue" in refused.err
    assert "Traceback" not in refused.err

    named = pfctl("job", "logs", job_id, "--cluster", "default-cluster")
    assert (named.code, named.out) == (0, "from-an-ungranted-queue\n"), named.err
    wrong = pfctl("job", "logs", job_id, "--cluster", "no-such-cluster")
    assert wrong.code == 1 and "no-such-cluster" in wrong.err
