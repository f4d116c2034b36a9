"""`pfctl queue ...` end to end: the real CLI entry point against the real local server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from pfctl.cli.queue_status import pending_order
from pfctl.client import PaddleFlowClient
from tests.helpers.cli import in_process_pfctl
from tests.helpers.jobs import unique_id

from .apply_helpers import wait_for_status


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    return in_process_pfctl(pf_server, capsys, monkeypatch)


@pytest.fixture
def queue(client: PaddleFlowClient) -> Iterator[str]:
    """A fresh queue with room for one flavour1 job, ordered by priority; deleted after."""
    name = unique_id("q")
    limit = {"cpu": "1", "mem": "1Gi"}
    client.create_queue(
        name, namespace="default", max_resources=limit, scheduling_policy=["priority"]
    )
    yield name
    for job in client.iter_jobs(queue=name):
        if job["status"] in {"init", "pending", "running"}:
            client.stop_job(job["id"])
    for job in client.iter_jobs(queue=name):
        wait_for_status(client, job["id"], ("terminated", "succeeded", "failed"))
    client.delete_queue(name)


def _submit(client: PaddleFlowClient, queue: str, priority: str) -> str:
    body = {
        "id": unique_id("qjob"),
        "schedulingPolicy": {"queue": queue, "priority": priority},
        "flavour": {"name": "flavour1"},
        "image": "busybox",
        "command": "sleep 600",
    }
    return client.create_job("single", body)


def _table_rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]


def test_show_reports_capacity_counts_and_the_order_of_pending_jobs(
    pfctl: Any, client: PaddleFlowClient, queue: str
) -> None:
    running = _submit(client, queue, "NORMAL")
    wait_for_status(client, running, ("running",))
    low = _submit(client, queue, "LOW")
    high = _submit(client, queue, "HIGH")
    normal = _submit(client, queue, "NORMAL")
    for job_id in (low, high, normal):
        wait_for_status(client, job_id, ("pending",))

    shown = pfctl("queue", "show", queue, "-o", "json")
    assert shown.code == 0, shown.err
    report = json.loads(shown.out)
    assert report["name"] == queue and report["schedulingPolicy"] == ["priority"]
    assert (report["pendingJobs"], report["runningJobs"]) == (3, 1)
    order = report["pendingOrder"]
    assert [entry["id"] for entry in order] == [high, normal, low]
    assert [entry["priority"] for entry in order] == ["HIGH", "NORMAL", "LOW"]
    assert [entry["position"] for entry in order] == [1, 2, 3]
    assert all(entry["user"] == "root" and entry["message"] for entry in order)
    assert report["usedResources"]["cpu"] == "1"

    table = pfctl("queue", "show", queue, "-o", "wide")
    assert table.code == 0
    assert "jobs: 3 pending, 1 running" in table.out
    assert "scheduling policy: priority" in table.out
    rows = _table_rows(table.out)
    resources = {row[0]: row[1:] for row in rows if row[0] in {"max", "used", "free"}}
    assert resources == {"max": ["1", "1Gi"], "used": ["1", "1Gi"], "free": ["0", "0"]}
    pending = [row for row in rows if row[0] in {"1", "2", "3"}]
    assert [(row[1], row[4]) for row in pending] == [
        (high, "HIGH"),
        (normal, "NORMAL"),
        (low, "LOW"),
    ]

    assert pfctl("queue", "show", queue, "-o", "name").out.split() == [queue]
    ids = pfctl("queue", "show", queue, "-o", "jsonpath={.pendingOrder[*].id}")
    assert ids.out.split() == [high, normal, low]
    path = pfctl("queue", "show", queue, "-o", "jsonpath={.pendingOrder[0].id} {.runningJobs}")
    assert path.out.strip() == f"{high} 1"

    listed = json.loads(pfctl("queue", "list", "--all", "-o", "json").out)
    mine = [item for item in listed["queueList"] if item["name"] == queue]
    assert len(mine) == 1 and (mine[0]["pendingJobs"], mine[0]["runningJobs"]) == (3, 1)
    assert listed["nextMarker"] is None and listed["isTruncated"] is False

    # A queue with live jobs is not deleted: the server's refusal, exit 1.
    refused = pfctl("queue", "delete", queue)
    assert refused.code == 1
    assert "QueueIsInUse" in refused.err and "Traceback" not in refused.err


def test_pending_order_without_a_priority_policy_is_by_creation_time() -> None:
    jobs = [
        {"id": "b", "acceptTime": "2026-01-01 00:00:02", "schedulingPolicy": {"priority": "HIGH"}},
        {"id": "a", "acceptTime": "2026-01-01 00:00:01", "schedulingPolicy": {"priority": "LOW"}},
        {"id": "c", "acceptTime": "2026-01-01 00:00:02", "schedulingPolicy": {}},
    ]
    assert [job["id"] for job in pending_order(jobs, [])] == ["a", "b", "c"]
    assert [job["id"] for job in pending_order(jobs, ["priority"])] == ["b", "c", "a"]
    very = [*jobs, {"id": "d", "acceptTime": "9", "schedulingPolicy": {"priority": "very_high"}}]
    assert pending_order(very, ["priority"])[0]["id"] == "d"


def test_list_pages_and_formats(pfctl: Any, client: PaddleFlowClient, queue: str) -> None:
    table = pfctl("queue", "list", "--all", "-o", "table")
    assert table.code == 0
    rows = _table_rows(table.out)
    assert rows[0] == ["name", "status", "max", "used", "free", "pending", "running"]
    assert [queue, "open", "cpu=1 mem=1Gi", "cpu=0 mem=0", "cpu=1 mem=1Gi", "0", "0"] in rows
    assert "marker:" not in table.out  # every page was listed

    first = json.loads(pfctl("queue", "list", "-m", "1", "-o", "json").out)
    assert len(first["queueList"]) == 1 and first["isTruncated"] is True
    marker = first["nextMarker"]
    second = json.loads(pfctl("queue", "list", "-m", "1", "-mk", marker, "-o", "json").out)
    assert second["queueList"][0]["name"] != first["queueList"][0]["name"]
    one_page = pfctl("queue", "list", "-m", "1", "-o", "table")
    assert one_page.out.rstrip().endswith(f"marker: {marker}")

    names = pfctl("queue", "list", "--all", "-o", "name").out.split()
    assert "default-queue" in names and queue in names
    as_yaml = yaml.safe_load(pfctl("queue", "list", "--all", "-o", "yaml").out)
    assert {item["name"] for item in as_yaml["queueList"]} == set(names)
    wide = _table_rows(pfctl("queue", "list", "--all", "-o", "wide").out)
    assert wide[0][:6] == ["name", "namespace", "cluster name", "quota type", "status", "policy"]


def test_create_update_delete(pfctl: Any, client: PaddleFlowClient) -> None:
    name = unique_id("q")
    created = pfctl(
        "queue", "create", name, "default", "4", "8Gi",
        "--maxscalar", "nvidia.com/gpu=2", "--mincpu", "2", "--minmem", "4Gi",
        "--policy", "priority", "--location", "zone=a", "--quota", "elasticQuota",
        "--clustername", "default-cluster",
    )  # fmt: skip
    assert created.code == 0, created.err
    assert created.out.strip() == f"queue[{name}] create success"
    stored = client.get_queue(name)
    assert stored["maxResources"] == {
        "cpu": "4",
        "memory": "8Gi",
        "scalarResources": {"nvidia.com/gpu": "2"},
    }
    assert stored["minResources"]["cpu"] == "2" and stored["location"] == {"zone": "a"}
    assert stored["schedulingPolicy"] == ["priority"]

    again = pfctl("queue", "create", name, "default", "4", "8Gi")
    assert again.code == 1 and "Traceback" not in again.err

    # Only --maxcpu: the memory and the scalar resources are kept.
    updated = pfctl("queue", "update", name, "--maxcpu", "6", "-o", "json")
    assert updated.code == 0, updated.err
    assert json.loads(updated.out) == [
        {"name": name, "ok": True, "message": f"queue[{name}] update success"}
    ]
    assert client.get_queue(name)["maxResources"] == {
        "cpu": "6",
        "memory": "8Gi",
        "scalarResources": {"nvidia.com/gpu": "2"},
    }
    assert pfctl("queue", "update", name, "--policy", "priority,fifo").code == 0
    assert client.get_queue(name)["schedulingPolicy"] == ["priority", "fifo"]

    deleted = pfctl("queue", "delete", name, "-o", "name")
    assert (deleted.code, deleted.out.strip()) == (0, name)
    missing = pfctl("queue", "show", name)
    assert missing.code == 1 and name in missing.err


@pytest.mark.parametrize(
    "args",
    [
        ["queue", "update", "default-queue"],
        ["queue", "create", "q-x", "default", "1", "1Gi", "--mincpu", "1"],
        ["queue", "create", "q-x", "default", "1", "1Gi", "--minscalar", "a=1"],
        ["queue", "create", "q-x", "default", "1", "1Gi", "--maxscalar", "nvidia.com/gpu"],
        ["queue", "create", "q-x", "default", "1", "1Gi", "--location", "zone="],
        ["queue", "create", "q-x", "default", "1"],
        ["queue", "list", "-m", "0"],
    ],
)
def test_usage_errors_send_nothing(pfctl: Any, client: PaddleFlowClient, args: list[str]) -> None:
    result = pfctl(*args)
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err
    assert "q-x" not in {item["name"] for item in client.list_queues()}


@pytest.mark.parametrize(
    "args",
    [
        ["queue", "show", "no-such-queue"],
        ["queue", "update", "no-such-queue", "--maxcpu", "1"],
        ["queue", "delete", "no-such-queue"],
    ],
)
def test_a_missing_queue_is_exit_1(pfctl: Any, args: list[str]) -> None:
    result = pfctl(*args)
    assert result.code == 1
    assert "no-such-queue" in result.err and "Traceback" not in result.err


def test_a_user_who_is_not_root_is_refused(pfctl: Any, client: PaddleFlowClient) -> None:
    name = unique_id("u").replace("-", "")
    client.create_user(name, "secret123")
    as_user = ("--user", name, "--password", "secret123")
    try:
        for args in (
            ["queue", "create", unique_id("q"), "default", "1", "1Gi"],
            ["queue", "update", "default-queue", "--maxcpu", "1"],
            ["queue", "delete", "default-queue"],
        ):
            result = pfctl(*args, *as_user)
            assert result.code == 1, (args, result.err)
            assert result.err.startswith("error: ") and "Traceback" not in result.err
        assert client.get_queue("default-queue")["maxResources"]["cpu"] != "1"
    finally:
        client.delete_user(name)
