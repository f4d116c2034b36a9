"""The steps of apply without a server: settings from options, and what ``--wait`` waits for."""

from __future__ import annotations

from typing import Any

import pytest

from pfctl.apply.applier import ApplyReport, JobResult, Outcome
from pfctl.apply.model import Action, DesiredJob, JobAction, Plan
from pfctl.apply.render import apply_document, wait_lines
from pfctl.apply.steps import DEFAULT_STOP_TIMEOUT, apply_settings
from pfctl.apply.wait import WaitReport, apply_succeeded, jobs_to_wait_for, wait_for_applied
from pfctl.errors import UsageError


class FinishedJobs:
    """A job reader (it can only GET) whose jobs already have their final status; a failed
    job's message says which replica failed."""

    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = statuses
        self.read: list[str] = []

    def get_job(self, job_id: str) -> dict[str, Any]:
        self.read.append(job_id)
        status = self.statuses[job_id]
        message = "replica worker-0 exited with code 3" if status == "failed" else ""
        return {"id": job_id, "status": status, "message": message}


def result(job_id: str, outcome: Outcome) -> JobResult:
    return JobResult(job_id, outcome, JobAction(job_id, Action.CREATE))


def test_settings_from_options() -> None:
    assert apply_settings(3, None).parallelism == 3
    assert apply_settings(3, None).stop_timeout == DEFAULT_STOP_TIMEOUT
    assert apply_settings(1, 7.5).stop_timeout == 7.5
    with pytest.raises(UsageError, match="--parallelism"):
        apply_settings(0, None)
    with pytest.raises(UsageError, match="--timeout"):
        apply_settings(1, 0)


def test_only_desired_running_jobs_applied_without_failure_are_waited_for() -> None:
    desired = [
        DesiredJob("a", "single", {"id": "a"}),
        DesiredJob("b", "single", {"id": "b"}, stopped=True),
        DesiredJob("c", "single", {"id": "c"}),
        DesiredJob("d", "single", {"id": "d"}),
    ]
    report = ApplyReport(
        (
            result("d", Outcome.UNCHANGED),
            result("a", Outcome.CREATED),
            result("b", Outcome.STOPPED),
            result("c", Outcome.FAILED),
            result("pruned", Outcome.STOPPED),
        )
    )
    assert jobs_to_wait_for(report, desired) == ["d", "a"]


def test_waiting_reports_statuses_and_unsuccessful_jobs() -> None:
    desired = [DesiredJob("a", "single", {"id": "a"}), DesiredJob("b", "single", {"id": "b"})]
    report = ApplyReport((result("a", Outcome.CREATED), result("b", Outcome.CREATED)))
    reader = FinishedJobs({"a": "succeeded", "b": "failed"})
    seen: list[tuple[str, Any]] = []
    waited = wait_for_applied(
        reader, report, desired, timeout=None, on_status=lambda *job: seen.append(job)
    )
    assert reader.read == ["a", "b"]
    assert seen == [("a", "succeeded"), ("b", "failed")]
    failure = {"b": "replica worker-0 exited with code 3"}
    assert waited == WaitReport({"a": "succeeded", "b": "failed"}, ("b",), (), failure)
    assert waited.counts() == {"succeeded": 1, "failed": 1}
    assert not waited.ok
    assert not apply_succeeded(report, waited)
    assert apply_succeeded(report, None)
    assert wait_lines(waited) == ["failed b: replica worker-0 exited with code 3"]
    assert apply_document(report, Plan(()), waited)["wait"] == {
        "ok": False,
        "statuses": {"a": "succeeded", "b": "failed"},
        "counts": {"succeeded": 1, "failed": 1},
        "unsuccessful": ["b"],
        "messages": failure,
        "gone": [],
        "pending": [],
    }


def test_jobs_still_running_at_the_timeout_are_listed() -> None:
    waited = WaitReport({"a": "running", "b": "pending"}, (), ("a", "b"))
    assert not waited.ok
    assert waited.counts() == {"running": 1, "pending": 1}
    assert wait_lines(waited) == ["still running at the timeout: a, b"]
    many = WaitReport({}, (), tuple(f"j{n}" for n in range(25)))
    assert wait_lines(many) == [
        f"still running at the timeout: {', '.join(f'j{n}' for n in range(20))} and 5 more"
    ]


def test_a_job_that_disappeared_fails_the_wait() -> None:
    waited = WaitReport({"a": "succeeded", "b": "gone"}, gone=("b",))
    assert not waited.ok
    assert waited.counts() == {"succeeded": 1, "gone": 1}
    assert wait_lines(waited) == ["gone b: the job no longer exists"]
    assert apply_document(ApplyReport(()), Plan(()), waited)["wait"]["gone"] == ["b"]
