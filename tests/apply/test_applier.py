"""The applier against the real local server: plans executed, failures contained, re-planned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pfctl.apply.applier import ApplySettings, Outcome, apply_plan, read_live_jobs
from pfctl.apply.model import (
    APPLY_SET_LABEL,
    LAST_APPLIED_ANNOTATION,
    MANAGED_BY_LABEL,
    Action,
    DesiredJob,
    PlanOptions,
)
from pfctl.apply.planner import plan_changes
from pfctl.apply.steps import plan_against_server
from pfctl.client.api import PaddleFlowClient
from pfctl.client.config import ClientSettings
from pfctl.client.waiting import wait_for_jobs


@pytest.fixture
def client(pf_server: Any) -> Iterator[PaddleFlowClient]:
    settings = ClientSettings.for_server(pf_server.url, pf_server.user, pf_server.password)
    with PaddleFlowClient(settings) as opened:
        yield opened


#: A command that keeps a job live until it is stopped (every test stops such jobs).
LONG_RUNNING = "sleep 300"


def single(job_id: str, **fields: Any) -> DesiredJob:
    """A single job whose command ends at once, so that it holds no queue room for long."""
    body = {"id": job_id, "image": "python:3.11", "command": "true", **fields}
    return DesiredJob(job_id, "single", body)


def converge(
    client: PaddleFlowClient, desired: list[DesiredJob], options: PlanOptions, **settings: Any
) -> Any:
    plan = plan_against_server(client, desired, options)
    return apply_plan(client, plan, desired, options, settings=ApplySettings(**settings))


def test_create_then_nothing_to_do(client: PaddleFlowClient, prefix: str) -> None:
    options = PlanOptions(apply_set=prefix)
    desired = [single(f"{prefix}-a", labels={"team": "x"}), single(f"{prefix}-b")]
    report = converge(client, desired, options)
    assert report.ok
    assert report.counts()["created"] == 2
    live = client.get_job(f"{prefix}-a")
    assert live["labels"] == {"team": "x", MANAGED_BY_LABEL: "pfctl", APPLY_SET_LABEL: prefix}
    assert LAST_APPLIED_ANNOTATION in live["annotations"]
    again = plan_against_server(client, desired, options)
    assert [action.action for action in again.actions] == [Action.NOOP, Action.NOOP]
    assert sorted(job.id for job in read_live_jobs(client, prefix)) == [
        f"{prefix}-a",
        f"{prefix}-b",
    ]


def test_create_of_an_existing_job_is_re_planned(client: PaddleFlowClient, prefix: str) -> None:
    """A plan made before someone else created the job still succeeds (idempotent create)."""
    options = PlanOptions()
    desired = [single(f"{prefix}-a")]
    stale_plan = plan_changes(desired, [], options)
    assert apply_plan(client, stale_plan, desired, options).ok  # the other apply
    report = apply_plan(client, stale_plan, desired, options)
    assert report.ok
    assert [r.outcome for r in report.results] == [Outcome.UNCHANGED]


def test_labels_three_way_keeps_someone_elses_label(client: PaddleFlowClient, prefix: str) -> None:
    job_id = f"{prefix}-a"
    options = PlanOptions()
    first = [
        single(job_id, labels={"keep": "1", "drop": "x"}, schedulingPolicy={"priority": "LOW"})
    ]
    assert converge(client, first, options).ok
    client.update_job(job_id, labels={"theirs": "t"})
    second = [single(job_id, labels={"keep": "2"})]
    report = converge(client, second, options)
    assert [r.outcome for r in report.results] == [Outcome.UPDATED]
    live = client.get_job(job_id)
    labels = {k: v for k, v in live["labels"].items() if v}
    assert labels == {"keep": "2", "theirs": "t", MANAGED_BY_LABEL: "pfctl"}
    assert not plan_against_server(client, second, options).has_changes


def test_replace_stop_and_refusal(client: PaddleFlowClient, prefix: str) -> None:
    job_id = f"{prefix}-a"
    assert converge(client, [single(job_id, image="python:3.10")], PlanOptions()).ok
    changed = [single(job_id, image="python:3.12", command=LONG_RUNNING)]
    refused = converge(client, changed, PlanOptions())
    assert [r.outcome for r in refused.results] == [Outcome.FAILED]
    assert "--force-replace" in refused.results[0].message
    assert client.get_job(job_id)["image"] == "python:3.10"

    forced = converge(client, changed, PlanOptions(force_replace=True), poll_interval=0.05)
    assert [r.outcome for r in forced.results] == [Outcome.REPLACED], forced.results
    live = client.get_job(job_id)
    assert live["image"] == "python:3.12"
    assert live["status"] not in ("terminated",)

    stopped = [DesiredJob(job_id, "single", changed[0].body, stopped=True)]
    report = converge(client, stopped, PlanOptions())
    assert [r.outcome for r in report.results] == [Outcome.STOPPED]
    assert client.get_job(job_id)["status"] in ("terminating", "terminated")


def test_one_failure_does_not_stop_the_others(client: PaddleFlowClient, prefix: str) -> None:
    bad = single(f"{prefix}-bad", schedulingPolicy={"queue": "no-such-queue"})
    good = [single(f"{prefix}-{n}") for n in range(5)]
    report = converge(client, [bad, *good], PlanOptions(), parallelism=3)
    assert not report.ok
    counts = report.counts()
    assert counts["failed"] == 1
    assert counts["created"] == 5
    failed = report.results[0]
    assert failed.id == bad.id
    assert failed.message


def test_prune_stops_only_its_own_set(client: PaddleFlowClient, prefix: str) -> None:
    ours, other = f"{prefix}-s1", f"{prefix}-s2"
    jobs = [single(f"{prefix}-keep"), single(f"{prefix}-gone", command=LONG_RUNNING)]
    assert converge(client, jobs, PlanOptions(apply_set=ours)).ok
    assert converge(client, [single(f"{prefix}-other")], PlanOptions(apply_set=other)).ok
    report = converge(client, jobs[:1], PlanOptions(apply_set=ours, prune=True))
    assert report.counts()["stopped"] == 1
    assert client.get_job(f"{prefix}-gone")["status"] in ("terminating", "terminated")
    assert client.get_job(f"{prefix}-other")["status"] not in ("terminating", "terminated")
    assert client.get_job(f"{prefix}-keep")["status"] not in ("terminating", "terminated")


def test_update_of_a_job_deleted_meanwhile_re_creates_it(
    client: PaddleFlowClient, prefix: str
) -> None:
    job_id = f"{prefix}-a"
    options = PlanOptions()
    assert converge(client, [single(job_id, labels={"v": "1"})], options).ok
    desired = [single(job_id, labels={"v": "2"})]
    stale_plan = plan_against_server(client, desired, options)
    assert stale_plan.actions[0].action is Action.UPDATE
    assert not wait_for_jobs(client, [job_id], timeout=120, poll_interval=0.1).pending
    client.delete_job(job_id)
    report = apply_plan(client, stale_plan, desired, options)
    assert [r.outcome for r in report.results] == [Outcome.CREATED]
    assert client.get_job(job_id)["labels"]["v"] == "2"


def test_stop_of_a_job_stopped_meanwhile_is_unchanged(
    client: PaddleFlowClient, prefix: str
) -> None:
    job_id = f"{prefix}-a"
    options = PlanOptions()
    running = single(job_id, command=LONG_RUNNING)
    assert converge(client, [running], options).ok
    desired = [DesiredJob(job_id, "single", running.body, stopped=True)]
    stale_plan = plan_against_server(client, desired, options)
    assert stale_plan.actions[0].action is Action.STOP
    client.stop_job(job_id)
    assert not wait_for_jobs(client, [job_id], timeout=120, poll_interval=0.1).pending
    report = apply_plan(client, stale_plan, desired, options)
    assert report.ok
    assert [r.outcome for r in report.results] == [Outcome.UNCHANGED]
