"""Reading and following job logs over the two answer shapes: with per-task offsets (pfctl's
server) and without (PaddleFlow's), through a scripted source that grows its logs per poll; and
picking replicas by role and index whether the server filters, ignores the filter, or lists tasks
without their role and index."""

from __future__ import annotations

from typing import Any

import pytest

from pfctl.client.logs import (
    UNFILTERED_WARNING,
    NoMatchingTaskError,
    TaskFilter,
    fetch_job_logs,
    read_job_logs,
)
from pfctl.errors import UsageError


class GrowingLogs:
    """Task logs that grow by one script step per poll; the job ends after the last step."""

    def __init__(
        self,
        steps: list[dict[str, str]],
        *,
        offsets: bool,
        replica_fields: bool = False,
        server_filters: bool = False,
    ) -> None:
        """``replica_fields``: tasks carry ``role``/``index`` (from names like ``worker-1``);
        ``server_filters``: the ``role``/``index`` query parameters are applied (else ignored,
        as PaddleFlow does)."""
        self.steps = steps
        self.step = 0
        self.offsets = offsets
        self.replica_fields = replica_fields
        self.server_filters = server_filters
        self.queries: list[dict[str, Any]] = []

    def _logs(self) -> dict[str, str]:
        return self.steps[min(self.step, len(self.steps) - 1)]

    def get_job(self, job_id: str) -> dict[str, Any]:
        done = self.step >= len(self.steps) - 1
        return {"id": job_id, "status": "succeeded" if done else "running"}

    def job_logs(self, job_id: str, **query: Any) -> dict[str, Any]:
        self.queries.append(query)
        tasks = []
        for name, text in self._logs().items():
            if "node" in query and query["node"] != name:
                continue
            role, index = name.rsplit("-", 1)
            if self.server_filters and query.get("role", role) != role:
                continue
            if self.server_filters and query.get("index", int(index)) != int(index):
                continue
            data = text.encode()
            start = min(query.get("offset", 0), len(data)) if self.offsets else 0
            task: dict[str, Any] = {"name": name, "logInfo": {"logContent": data[start:].decode()}}
            if self.replica_fields:
                task.update(role=role, index=int(index))
            if self.offsets:
                task["nextOffset"] = len(data)
            tasks.append(task)
        return {"taskList": tasks}

    def advance(self, _seconds: float) -> None:
        self.step += 1


STEPS = [
    {"worker-0": "a\n"},
    {"worker-0": "a\nb\n", "worker-1": "x\n"},
    {"worker-0": "a\nb\nc\n", "worker-1": "x\n"},
]


def collect(
    source: GrowingLogs,
    *,
    follow: bool,
    task_filter: TaskFilter | None = None,
    warnings: list[str] | None = None,
) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    read_job_logs(
        source,
        "job-1",
        lambda task, text: seen.append((task, text)),
        follow=follow,
        poll_interval=0,
        sleep=source.advance,
        task_filter=task_filter,
        on_warning=None if warnings is None else warnings.append,
    )
    return seen


def test_read_once() -> None:
    assert collect(GrowingLogs(STEPS, offsets=True), follow=False) == [("worker-0", "a\n")]


def test_follow_with_offsets_prints_each_line_once() -> None:
    source = GrowingLogs(STEPS, offsets=True)
    assert collect(source, follow=True) == [
        ("worker-0", "a\n"),
        ("worker-0", "b\n"),
        ("worker-1", "x\n"),
        ("worker-0", "c\n"),
    ]
    assert any(query.get("node") == "worker-1" for query in source.queries)


def test_follow_without_offsets_diffs_the_whole_log() -> None:
    source = GrowingLogs(STEPS, offsets=False)
    assert collect(source, follow=True) == [
        ("worker-0", "a\n"),
        ("worker-0", "b\n"),
        ("worker-1", "x\n"),
        ("worker-0", "c\n"),
    ]
    assert all("offset" not in query for query in source.queries)


# --- picking replicas by role and index ----------------------------------------------------

REPLICA_STEPS = [
    {"pserver-0": "p0\n", "worker-0": "w0\n", "worker-1": "w1\n"},
    {"pserver-0": "p0\nq0\n", "worker-0": "w0\nx0\n", "worker-1": "w1\nx1\n"},
]


@pytest.mark.parametrize("offsets", [True, False], ids=["offsets", "rereads"])
@pytest.mark.parametrize("server_filters", [True, False], ids=["server-filters", "server-ignores"])
def test_follow_one_role_whatever_the_server_does(offsets: bool, server_filters: bool) -> None:
    source = GrowingLogs(
        REPLICA_STEPS, offsets=offsets, replica_fields=True, server_filters=server_filters
    )
    warnings: list[str] = []
    seen = collect(source, follow=True, task_filter=TaskFilter(role="worker"), warnings=warnings)
    assert seen == [
        ("worker-0", "w0\n"),
        ("worker-1", "w1\n"),
        ("worker-0", "x0\n"),
        ("worker-1", "x1\n"),
    ]
    assert warnings == []
    assert source.queries and all(query.get("role") == "worker" for query in source.queries)


@pytest.mark.parametrize("server_filters", [True, False], ids=["server-filters", "server-ignores"])
def test_role_and_index_together(server_filters: bool) -> None:
    source = GrowingLogs(
        REPLICA_STEPS, offsets=True, replica_fields=True, server_filters=server_filters
    )
    only = TaskFilter(role="worker", index=1)
    assert collect(source, follow=False, task_filter=only) == [("worker-1", "w1\n")]
    assert source.queries == [{"role": "worker", "index": 1}]
    by_index = collect(
        GrowingLogs(REPLICA_STEPS, offsets=True, replica_fields=True),
        follow=False,
        task_filter=TaskFilter(index=0),
    )
    assert by_index == [("pserver-0", "p0\n"), ("worker-0", "w0\n")]


@pytest.mark.parametrize("offsets", [True, False], ids=["offsets", "rereads"])
def test_tasks_without_role_or_index_are_all_shown_after_one_warning(offsets: bool) -> None:
    source = GrowingLogs(REPLICA_STEPS, offsets=offsets, replica_fields=False)
    warnings: list[str] = []
    seen = collect(
        source, follow=True, task_filter=TaskFilter(role="worker", index=0), warnings=warnings
    )
    assert {task for task, _ in seen} == {"pserver-0", "worker-0", "worker-1"}
    assert warnings == [UNFILTERED_WARNING]
    assert all(
        query.get("role") == "worker" and query.get("index") == 0 for query in source.queries
    )


@pytest.mark.parametrize("server_filters", [True, False], ids=["server-filters", "server-ignores"])
def test_a_filter_that_matches_nothing_names_the_tasks(server_filters: bool) -> None:
    source = GrowingLogs(
        REPLICA_STEPS, offsets=True, replica_fields=True, server_filters=server_filters
    )
    with pytest.raises(NoMatchingTaskError) as raised:
        collect(source, follow=True, task_filter=TaskFilter(role="worker", index=5))
    assert raised.value.exit_code == 1
    assert str(raised.value) == (
        "no task of job job-1 matches --role worker --index 5; "
        "its tasks: pserver-0, worker-0, worker-1"
    )


def test_a_job_without_tasks_yet_is_not_a_mismatch() -> None:
    source = GrowingLogs([{}], offsets=True, replica_fields=True, server_filters=True)
    assert collect(source, follow=False, task_filter=TaskFilter(role="worker")) == []


def test_fetch_narrows_the_answer_only_when_asked() -> None:
    source = GrowingLogs(REPLICA_STEPS, offsets=True, replica_fields=True)
    whole = fetch_job_logs(source, "job-1")
    assert [task["name"] for task in whole["taskList"]] == ["pserver-0", "worker-0", "worker-1"]
    assert source.queries == [{}]
    picked = fetch_job_logs(source, "job-1", task_filter=TaskFilter(role="pserver"))
    assert [task["name"] for task in picked["taskList"]] == ["pserver-0"]
    with pytest.raises(NoMatchingTaskError):
        fetch_job_logs(source, "job-1", task_filter=TaskFilter(role="chief"))


def test_a_negative_index_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        TaskFilter(index=-1)
    assert TaskFilter().selects_all and TaskFilter().query() == {}
    assert TaskFilter(role="worker", index=0).query() == {"role": "worker", "index": 0}
