"""Reading and following job logs over the two answer shapes: with per-task offsets (pfctl's
server) and without (PaddleFlow's), through a scripted source that grows its logs per poll; and
picking replicas by role and index whether the server filters, ignores the filter, or lists tasks
without their role and index. The source answers only requests that carry PaddleFlow's required
``clusterName`` (its job's queue's cluster) and ``lineLimit``."""

from __future__ import annotations

from typing import Any

import pytest

from pfctl.client.logs import (
    DEFAULT_LINE_LIMIT,
    UNFILTERED_WARNING,
    NoMatchingTaskError,
    TaskFilter,
    added_text,
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
        self.line_limits: list[int] = []
        self.reads = {"job": 0, "queue": 0}

    def _logs(self) -> dict[str, str]:
        return self.steps[min(self.step, len(self.steps) - 1)]

    def get_job(self, job_id: str) -> dict[str, Any]:
        self.reads["job"] += 1
        done = self.step >= len(self.steps) - 1
        status = "succeeded" if done else "running"
        return {"id": job_id, "status": status, "schedulingPolicy": {"queue": "team-q"}}

    def get_queue(self, name: str) -> dict[str, Any]:
        self.reads["queue"] += 1
        assert name == "team-q"
        return {"name": name, "clusterName": "cluster-7"}

    def job_logs(
        self, job_id: str, *, cluster_name: str, line_limit: int, **query: Any
    ) -> dict[str, Any]:
        assert cluster_name == "cluster-7", "PaddleFlow: job not in cluster"
        assert isinstance(line_limit, int) and line_limit >= 0
        self.line_limits.append(line_limit)
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
            lines = data[start:].splitlines(keepends=True)
            if query.get("readFromTail") == "true" and "offset" not in query:
                kept, end = (lines[len(lines) - line_limit :] if line_limit else []), len(data)
            else:
                kept = lines[:line_limit]
                end = start + len(b"".join(kept))
            info = {"logContent": b"".join(kept).decode(), "hasNextPage": end < len(data)}
            task: dict[str, Any] = {"name": name, "logInfo": info}
            if self.replica_fields:
                task.update(role=role, index=int(index))
            if self.offsets:
                task["nextOffset"] = end
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
    tail: int | None = None,
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
        tail=tail,
    )
    return seen


def test_read_once() -> None:
    source = GrowingLogs(STEPS, offsets=True)
    assert collect(source, follow=False) == [("worker-0", "a\n")]
    assert source.line_limits == [DEFAULT_LINE_LIMIT]
    assert source.reads == {"job": 1, "queue": 1}


def test_the_cluster_is_looked_up_once_per_read() -> None:
    source = GrowingLogs(STEPS, offsets=True)
    collect(source, follow=True)
    assert source.reads["queue"] == 1 and len(source.queries) > 3
    fetch_job_logs(source, "job-1")
    assert source.reads["queue"] == 2


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


# --- the last lines first --------------------------------------------------------------------

TAIL_STEPS = [
    {"worker-0": "a\nb\nc\n"},
    {"worker-0": "a\nb\nc\nd\n"},
    {"worker-0": "a\nb\nc\nd\ne\nf\n"},
]


def test_tail_reads_the_last_lines() -> None:
    source = GrowingLogs(TAIL_STEPS, offsets=True)
    assert collect(source, follow=False, tail=2) == [("worker-0", "b\nc\n")]
    assert source.queries == [{"readFromTail": "true"}] and source.line_limits == [2]
    assert collect(GrowingLogs(TAIL_STEPS, offsets=True), follow=False, tail=0) == []
    fetched = fetch_job_logs(GrowingLogs(TAIL_STEPS, offsets=True), "job-1", tail=1)
    assert fetched["taskList"][0]["logInfo"]["logContent"] == "c\n"
    with pytest.raises(UsageError):
        collect(GrowingLogs(TAIL_STEPS, offsets=True), follow=False, tail=-1)


@pytest.mark.parametrize("offsets", [True, False], ids=["offsets", "rereads"])
def test_tail_then_follow_prints_each_new_line_once(offsets: bool) -> None:
    source = GrowingLogs(TAIL_STEPS, offsets=offsets)
    assert collect(source, follow=True, tail=1) == [
        ("worker-0", "c\n"),
        ("worker-0", "d\n"),
        ("worker-0", "e\nf\n"),
    ]
    assert source.line_limits[0] == 1
    assert all(limit == DEFAULT_LINE_LIMIT for limit in source.line_limits[1:])


def test_a_head_window_read_again_stops_at_its_line_limit() -> None:
    """PaddleFlow's re-reads without offsets show the first lineLimit lines: a log longer than
    that adds nothing (``--tail`` follows the end instead)."""
    long_steps = [{"worker-0": "x\n" * DEFAULT_LINE_LIMIT}, {"worker-0": "x\n" * 1500}]
    source = GrowingLogs(long_steps, offsets=False)
    seen = collect(source, follow=True)
    assert seen == [("worker-0", "x\n" * DEFAULT_LINE_LIMIT)]


@pytest.mark.parametrize(
    ("before", "after", "added"),
    [
        ("", "a\n", "a\n"),
        ("a\nb\n", "a\nb\nc\n", "c\n"),  # grew inside the window
        ("a\nb\nc\n", "b\nc\nd\n", "d\n"),  # a window of the last lines slid on
        ("c\n", "a\nb\nc\nd\n", "d\n"),  # a wider window holds all of it
        ("a\nb\n", "x\ny\n", "x\ny\n"),  # rotated: all of it is new
        ("a\nb\n", "a\nb\n", ""),
        ("a\npart", "a\npartial\n", "ial\n"),  # a line still being written
    ],
)
def test_added_text(before: str, after: str, added: str) -> None:
    assert added_text(before, after) == added


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
