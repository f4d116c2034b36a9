"""The order a queue serves its waiting jobs, through the real server with the local runtime:
by priority only when the queue's ``schedulingPolicy`` lists ``priority``, otherwise by creation
time (as PaddleFlow's ``JobOrderFn``); ``pfctl queue show`` prints the order the jobs then
start in; and the ``Priority:`` pending reason says which of the two orders keeps a job back."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers.api import FINAL
from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import single_body
from tests.helpers.server import RuntimeServer

StartServer = Callable[..., RuntimeServer]
#: Created in this order, one creation second apart.
JOBS = (("early-low", "LOW"), ("mid-normal", "NORMAL"), ("late-high", "HIGH"))


def make_queue(server: RuntimeServer, name: str, *policy: str) -> None:
    """A queue with room for one job of flavour1 (1 cpu) at a time."""
    body: dict[str, Any] = {"name": name, "namespace": "default"}
    body["maxResources"] = {"cpu": "1", "mem": "1Gi"}
    if policy:
        body["schedulingPolicy"] = list(policy)
    response = server.call("POST", "/queue", json=body)
    assert response.status_code == 200, response.text


def submit(server: RuntimeServer, queue: str, command: str, priority: str = "NORMAL") -> str:
    policy = {"queue": queue, "priority": priority}
    return server.create("single", single_body(command, schedulingPolicy=policy))


def next_second() -> None:
    """Wait for the clock's next whole second: the next job is created later, as PaddleFlow's
    create time (to the second) shows it."""
    time.sleep(1.02 - time.time() % 1)


def wait_message(server: RuntimeServer, job_id: str, prefix: str) -> str:
    deadline = time.monotonic() + 30
    while not (text := str(server.job(job_id)["message"])).startswith(prefix):
        assert time.monotonic() < deadline, f"{job_id} never says {prefix}: {text}"
        time.sleep(0.1)
    return text


def shown_order(server: RuntimeServer, queue: str) -> list[str]:
    """The ids ``pfctl queue show`` lists as the queue's pending order."""
    result = run_pfctl("queue", "show", queue, "-o", "json", server=server)
    assert result.returncode == 0, result.stderr
    return [entry["id"] for entry in json.loads(result.stdout)["pendingOrder"]]


def fill_then_queue(
    server: RuntimeServer, queue: str, tmp_path: Path, jobs: tuple[tuple[str, str], ...]
) -> tuple[Path, Path, dict[str, str]]:
    """A running blocker on ``queue`` and ``jobs`` (name, priority) waiting behind it, each one
    writing its name to the order file when it runs; returns the gate, that file and the ids."""
    gate, order = tmp_path / "gate", tmp_path / "order.txt"
    blocker = submit(server, queue, f"while [ ! -e {gate} ]; do sleep 0.05; done")
    server.wait_status(blocker, {"running"})
    ids = {}
    for name, priority in jobs:
        next_second()
        ids[name] = submit(server, queue, f"echo {name} >> {order}", priority)
    for job_id in ids.values():
        assert server.wait_status(job_id, {"pending"})["status"] == "pending"
    return gate, order, ids


def run_all(server: RuntimeServer, gate: Path, ids: dict[str, str]) -> None:
    gate.touch()
    for job_id in ids.values():
        assert server.wait_status(job_id, FINAL)["status"] == "succeeded"


def test_a_queue_without_the_priority_policy_serves_by_creation_time(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    make_queue(server, "fifo")
    # As in PaddleFlow, neither a queue created without a policy nor the default queue has one.
    assert "schedulingPolicy" not in server.call("GET", "/queue/fifo").json()
    assert "schedulingPolicy" not in server.call("GET", "/queue/default-queue").json()
    gate, order, ids = fill_then_queue(server, "fifo", tmp_path, JOBS)
    early, mid, late = ids["early-low"], ids["mid-normal"], ids["late-high"]
    assert wait_message(server, early, "Capacity:") == (
        "Capacity:waiting for room in queue fifo: needs cpu 1 of 0 free, mem 1Gi of 0 free"
    )
    assert wait_message(server, mid, "Priority:") == (
        "Priority:waiting in queue fifo behind 1 job created earlier"
    )
    assert wait_message(server, late, "Priority:") == (
        "Priority:waiting in queue fifo behind 2 jobs created earlier"
    )
    url = f"{server.url}/api/pfctl/v1/job/{late}/events"
    events = server.call("GET", url).json()["events"]
    waits = [event for event in events if event["kind"] == "waiting"]
    assert waits[-1]["reason"] == "priority"
    assert (waits[-1]["detail"]["ahead"], waits[-1]["detail"]["order"]) == (2, "createTime")
    assert shown_order(server, "fifo") == [early, mid, late]
    run_all(server, gate, ids)
    assert order.read_text().split() == ["early-low", "mid-normal", "late-high"]


def test_a_queue_with_the_priority_policy_serves_higher_priority_first(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    make_queue(server, "by-priority", "priority")
    assert server.call("GET", "/queue/by-priority").json()["schedulingPolicy"] == ["priority"]
    gate, order, ids = fill_then_queue(server, "by-priority", tmp_path, JOBS)
    early, mid, late = ids["early-low"], ids["mid-normal"], ids["late-high"]
    assert wait_message(server, late, "Capacity:") == (
        "Capacity:waiting for room in queue by-priority: needs cpu 1 of 0 free, mem 1Gi of 0 free"
    )
    assert wait_message(server, mid, "Priority:") == (
        "Priority:waiting in queue by-priority behind 1 job of higher priority"
    )
    assert wait_message(server, early, "Priority:") == (
        "Priority:waiting in queue by-priority behind 2 jobs of higher priority"
    )
    assert shown_order(server, "by-priority") == [late, mid, early]
    run_all(server, gate, ids)
    assert order.read_text().split() == ["late-high", "mid-normal", "early-low"]


def test_equal_priorities_go_by_creation_time_as_queue_show_says(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    make_queue(server, "ties", "priority")
    jobs = (("a", "HIGH"), ("b", "NORMAL"), ("c", "HIGH"), ("d", "NORMAL"))
    gate, order, ids = fill_then_queue(server, "ties", tmp_path, jobs)
    # Six more created one after the other, most of them within one second: they start first
    # come, first served, whatever their ids (queue show, which sees seconds, lists a second's
    # jobs by id).
    next_second()
    burst = [f"burst{n}" for n in range(6)]
    for name in burst:
        ids[name] = submit(server, "ties", f"echo {name} >> {order}")
    for name in burst:
        server.wait_status(ids[name], {"pending"})
    shown = shown_order(server, "ties")
    assert shown[:4] == [ids["a"], ids["c"], ids["b"], ids["d"]]
    accepted = {ids[name]: server.job(ids[name])["acceptTime"] for name in burst}
    assert shown[4:] == sorted(accepted, key=lambda job_id: (accepted[job_id], job_id))
    run_all(server, gate, ids)
    assert order.read_text().split() == ["a", "c", "b", "d", *burst]


def test_adding_the_policy_to_a_queue_reorders_its_waiting_jobs(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    make_queue(server, "later")
    gate, order, ids = fill_then_queue(server, "later", tmp_path, JOBS[:2])
    early, mid = ids["early-low"], ids["mid-normal"]
    wait_message(server, mid, "Priority:waiting in queue later behind 1 job created earlier")
    response = server.call("PUT", "/queue/later", json={"schedulingPolicy": ["priority"]})
    assert response.status_code == 200, response.text
    assert wait_message(server, early, "Priority:") == (
        "Priority:waiting in queue later behind 1 job of higher priority"
    )
    assert shown_order(server, "later") == [mid, early]
    run_all(server, gate, ids)
    assert order.read_text().split() == ["mid-normal", "early-low"]
