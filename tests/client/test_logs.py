"""Reading and following job logs over the two answer shapes: with per-task offsets (pfctl's
server) and without (PaddleFlow's), through a scripted source that grows its logs per poll."""

from __future__ import annotations

from typing import Any

from pfctl.client.logs import read_job_logs


class GrowingLogs:
    """Task logs that grow by one script step per poll; the job ends after the last step."""

    def __init__(self, steps: list[dict[str, str]], *, offsets: bool) -> None:
        self.steps = steps
        self.step = 0
        self.offsets = offsets
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
            data = text.encode()
            start = min(query.get("offset", 0), len(data)) if self.offsets else 0
            task: dict[str, Any] = {"name": name, "logInfo": {"logContent": data[start:].decode()}}
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


def collect(source: GrowingLogs, *, follow: bool) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    read_job_logs(
        source,
        "job-1",
        lambda task, text: seen.append((task, text)),
        follow=follow,
        poll_interval=0,
        sleep=source.advance,
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
