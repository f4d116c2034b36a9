"""Scheduling, queue bookkeeping and restart recovery through the real server."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .helpers import FINAL, RuntimeServer, process_running, single

StartServer = Callable[..., RuntimeServer]


def make_queue(server: RuntimeServer, name: str, cpu: str, mem: str, *policy: str) -> None:
    body = {"name": name, "namespace": "default", "maxResources": {"cpu": cpu, "mem": mem}}
    if policy:
        body["schedulingPolicy"] = list(policy)
    response = server.call("POST", "/queue", json=body)
    assert response.status_code == 200, response.text


def on_queue(queue: str, command: str, **extra: Any) -> dict[str, Any]:
    body = single(command, **extra)
    body["schedulingPolicy"] = {"queue": queue, **extra.get("schedulingPolicy", {})}
    return body


def test_priority_order_on_a_queue_that_fits_one_job(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    make_queue(server, "one-at-a-time", "1", "1Gi", "priority")  # ordered by priority
    order = tmp_path / "order.txt"
    gate = tmp_path / "gate"
    blocker = server.create(
        "single", on_queue("one-at-a-time", f"while [ ! -e {gate} ]; do sleep 0.05; done")
    )
    server.wait_status(blocker, {"running"})
    queued = {}
    for name, priority in (("low", "LOW"), ("normal", "NORMAL"), ("high", "HIGH")):
        body = on_queue("one-at-a-time", f"echo {name} >> {order}")
        body["schedulingPolicy"]["priority"] = priority
        queued[name] = server.create("single", body)
    for job_id in queued.values():
        assert server.wait_status(job_id, {"pending"})["status"] == "pending"
    # A priority update of a pending job changes its place: low goes first.
    response = server.call(
        "PUT", f"/job/{queued['low']}", params={"action": "modify"}, json={"priority": "VERY_HIGH"}
    )
    assert response.status_code == 200, response.text
    queue = server.call("GET", "/queue/one-at-a-time").json()
    assert queue["usedResources"]["cpu"] == "1"
    assert queue["idleResources"]["cpu"] == "0"
    gate.touch()
    for job_id in queued.values():
        assert server.wait_status(job_id, FINAL)["status"] == "succeeded"
    assert order.read_text().split() == ["low", "high", "normal"]
    deadline = time.monotonic() + 10
    while server.call("GET", "/queue/one-at-a-time").json()["usedResources"]["cpu"] != "0":
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_stop_of_a_pending_job_terminates_it_withoutprocess_running(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    make_queue(server, "tiny", "1", "1Gi")
    blocker = server.create("single", on_queue("tiny", "sleep 300"))
    server.wait_status(blocker, {"running"})
    marker = tmp_path / "ran"
    waiting = server.create("single", on_queue("tiny", f"touch {marker}"))
    server.wait_status(waiting, {"pending"})
    assert server.call("PUT", f"/job/{waiting}", params={"action": "stop"}).status_code == 200
    assert server.wait_status(waiting, FINAL)["status"] == "terminated"
    assert server.call("PUT", f"/job/{blocker}", params={"action": "stop"}).status_code == 200
    assert server.wait_status(blocker, FINAL)["status"] == "terminated"
    assert not marker.exists()


def test_restart_after_kill_fails_running_jobs_kills_leftovers_and_runs_pending(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    make_queue(server, "tiny", "1", "1Gi")
    pid_file = tmp_path / "pid"
    running = server.create("single", on_queue("tiny", f"echo $$ > {pid_file}; sleep 300"))
    server.wait_status(running, {"running"})
    waiting = server.create("single", on_queue("tiny", "echo later"))
    server.wait_status(waiting, {"pending"})
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    orphan = int(pid_file.read_text())
    server.kill()
    assert process_running(orphan)  # the kill -9 left the job's process behind
    restarted = runtime_server(data_dir=server.data_dir)
    job = restarted.wait_status(running, FINAL)
    assert job["status"] == "failed"
    assert "restarted" in job["message"]
    assert not process_running(orphan)
    assert restarted.wait_status(waiting, FINAL)["status"] == "succeeded"


def test_restart_after_kill_frees_the_queue_room_its_jobs_held(runtime_server: StartServer) -> None:
    server = runtime_server()
    make_queue(server, "held", "2", "2Gi")
    running = server.create("single", on_queue("held", "sleep 300"))
    server.wait_status(running, {"running"})
    deadline = time.monotonic() + 10
    while server.call("GET", "/queue/held").json()["usedResources"]["cpu"] != "1":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    server.kill()
    restarted = runtime_server(data_dir=server.data_dir)
    assert restarted.wait_status(running, FINAL)["status"] == "failed"
    queue = restarted.call("GET", "/queue/held").json()
    assert queue["usedResources"]["cpu"] == "0", queue
    assert queue["idleResources"]["cpu"] == "2", queue


def test_server_shutdown_leaves_no_process(runtime_server: StartServer, tmp_path: Path) -> None:
    server = runtime_server()
    pid_file = tmp_path / "pid"
    job_id = server.create("single", single(f"trap '' TERM; echo $$ > {pid_file}; sleep 300"))
    server.wait_status(job_id, {"running"})
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    server.stop()
    assert not process_running(pid)
    restarted = runtime_server(data_dir=server.data_dir)
    job = restarted.job(job_id)
    assert job["status"] == "failed"
    assert "stopped" in job["message"]


def test_each_job_is_started_exactly_once(runtime_server: StartServer, tmp_path: Path) -> None:
    # Regression: a scheduling pass right after another saw a just-started job still `pending`
    # (its thread had not yet written `running`) and started it a second time.
    server = runtime_server()
    launches = tmp_path / "launches.txt"
    ids = [
        server.create("single", single(f'echo "$PF_JOB_ID" >> {launches}; sleep 0.3'))
        for _ in range(12)
    ]
    for job_id in ids:
        assert server.wait_status(job_id, FINAL)["status"] == "succeeded"
    assert sorted(launches.read_text().split()) == sorted(ids)


def test_a_member_without_replicas_is_not_counted_against_its_queue(
    runtime_server: StartServer,
) -> None:
    """Create and the scheduler measure a job alike (``resources.job_request``): a template job's
    member without ``replicas`` counts zero times, as PaddleFlow counts it, so a job accepted on a
    queue sized for its other members also starts there (counted once, it never would)."""
    server = runtime_server()
    make_queue(server, "driver-sized", "1", "1Gi")
    flavour = {"name": "", "cpu": "500m", "mem": "512Mi"}
    member = {"image": "paddle", "command": "true", "flavour": flavour}
    pod = {"spec": {"containers": [{"command": ["true"]}]}}
    template = {
        "apiVersion": "batch.paddlepaddle.org/v1",
        "kind": "PaddleJob",
        "spec": {"ps": {"replicas": 1, "template": pod}, "worker": {"template": pod}},
    }
    body = {
        "framework": "paddle",
        "schedulingPolicy": {"queue": "driver-sized"},
        "extensionTemplate": template,
        "members": [{"role": "worker", "replicas": 2, **member}, {"role": "pserver", **member}],
    }
    job_id = server.create("distributed", body)
    assert server.wait_status(job_id, FINAL, timeout=30)["status"] == "succeeded"
