"""wait_for_jobs over a scripted sequence of job states (no server needed for the logic)."""

from __future__ import annotations

from typing import Any

from pfctl.client import FINAL_STATUSES, is_final, wait_for_jobs


class ScriptedJobs:
    """Answers get_job with the next status of each job's script (the last one repeats)."""

    def __init__(self, scripts: dict[str, list[str]]) -> None:
        self.scripts = scripts
        self.calls: list[str] = []

    def get_job(self, job_id: str) -> dict[str, Any]:
        self.calls.append(job_id)
        script = self.scripts[job_id]
        status = script.pop(0) if len(script) > 1 else script[0]
        return {"id": job_id, "status": status}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_waits_until_every_job_is_final() -> None:
    jobs = ScriptedJobs({"a": ["init", "running", "succeeded"], "b": ["pending", "failed"]})
    clock = FakeClock()
    changes: list[tuple[str, str]] = []
    result = wait_for_jobs(
        jobs,
        ["a", "b", "a"],
        poll_interval=1.0,
        on_change=lambda job_id, job: changes.append((job_id, job["status"])),
        clock=clock,
        sleep=clock.sleep,
    )
    assert {job_id: job["status"] for job_id, job in result.jobs.items()} == {
        "a": "succeeded",
        "b": "failed",
    }
    assert result.unsuccessful == ["b"] and not result.pending and not result.ok
    assert changes == [
        ("a", "init"),
        ("b", "pending"),
        ("a", "running"),
        ("b", "failed"),
        ("a", "succeeded"),
    ]
    assert jobs.calls == ["a", "b", "a", "b", "a"]  # a final job is not polled again
    assert clock.now == 2.0


def test_timeout_reports_pending_jobs() -> None:
    jobs = ScriptedJobs({"a": ["running"]})
    clock = FakeClock()
    result = wait_for_jobs(
        jobs, ["a"], timeout=2.5, poll_interval=1.0, clock=clock, sleep=clock.sleep
    )
    assert result.pending == ["a"] and not result.ok
    assert clock.now == 2.5


def test_success_is_ok() -> None:
    result = wait_for_jobs(ScriptedJobs({"a": ["succeeded"]}), ["a"], sleep=lambda _: None)
    assert result.ok
    assert is_final("skipped") and not is_final("terminating")
    assert {
        "succeeded",
        "failed",
        "terminated",
        "skipped",
        "cancelled",
        "preempted",
    } == FINAL_STATUSES
