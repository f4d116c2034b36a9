"""The planner's fast no-op check: it must give exactly the plan of the full planner.

``plan_job`` first asks ``unchanged_noop`` (a cheap exact check) and only plans in full when that
is not certain; these tests compare both paths on equal and differing jobs, including bodies that
JSON does not round-trip and records a loader precomputed (``DesiredJob.record``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pfctl.apply.model import (
    APPLY_SET_LABEL,
    LAST_APPLIED_ANNOTATION,
    MANAGED_BY_LABEL,
    Action,
    DesiredJob,
    JobAction,
    LiveJob,
    PlanOptions,
    SourceLocation,
    noop_action,
)
from pfctl.apply.planner import (
    create_body,
    plan_changes,
    plan_job,
    plan_job_in_full,
    unchanged_noop,
)
from pfctl.apply.render import render_json, render_text
from pfctl.manifests import applied_record, plain_record_text, record_text
from pfctl.spec.statuses import FINAL_STATUSES
from tests.apply.helpers import listed

STATUSES = ("init", "pending", "running", "terminating", "succeeded", "failed", "terminated")


def job(job_id: str = "a", stopped: bool = False, **fields: Any) -> DesiredJob:
    body = {"id": job_id, "image": "python:3.11", "command": "echo hi", **fields}
    return DesiredJob(job_id, "single", body, stopped, SourceLocation("jobs.yaml", 3, 1))


def live_after_create(
    desired: DesiredJob, status: str = "init", apply_set: str | None = None
) -> dict[str, Any]:
    """The job as a server lists it after pfctl created ``desired`` (a few echoed fields)."""
    body = create_body(desired, apply_set)
    policy = dict(body.get("schedulingPolicy") or {})
    return {
        "id": desired.id,
        "name": body.get("name", ""),
        "labels": dict(body["labels"]),
        "annotations": dict(body["annotations"]),
        "schedulingPolicy": {
            "queue": "default-queue",
            "priority": str(policy.get("priority") or "NORMAL").upper(),
        },
        "image": body.get("image", ""),
        "framework": "standalone",
        "status": status,
    }


def with_records(desired: Sequence[DesiredJob]) -> list[DesiredJob]:
    """``desired`` with every job's ``record`` (the last-applied text) filled in, as the loader
    fills it in for every manifest."""
    return [
        job
        if job.record is not None
        else replace(job, record=plain_record_text(job.type, job.body))
        for job in desired
    ]


def noop_of(desired: DesiredJob, live: dict[str, Any], options: PlanOptions) -> JobAction | None:
    """``unchanged_noop`` against the live job of this job object."""
    return unchanged_noop(desired, LiveJob.from_wire(live), options)


def both_paths(
    desired: DesiredJob, wire: dict[str, Any] | None, options: PlanOptions
) -> tuple[JobAction, list[Any]]:
    """``plan_job``'s result, after checking that the full planner gives exactly the same."""
    live = None if wire is None else LiveJob.from_wire(wire)
    fast = plan_job(desired, live, options)
    full = plan_job_in_full(desired, live, options)
    assert fast == full
    with_record = replace(desired, record=plain_record_text(desired.type, desired.body))
    assert plan_job(with_record, live, options) == full
    return fast


# --- the fast path is taken, and gives the full planner's no-op ---------------------------------


def test_unchanged_job_takes_the_fast_path_in_every_status() -> None:
    desired = job(labels={"team": "x"}, annotations={"note": "n"})
    for status in STATUSES:
        for apply_set in (None, "s1"):
            live = live_after_create(desired, status, apply_set)
            options = PlanOptions(apply_set=apply_set)
            noop = noop_of(desired, live, options)
            assert noop == JobAction(
                id="a",
                action=Action.NOOP,
                job_type="single",
                location=desired.location,
                live_status=status,
            )
            assert both_paths(desired, live, options) == (noop, [])


def test_stopped_manifest_of_a_finished_or_stopping_job_takes_the_fast_path() -> None:
    desired = job(stopped=True)
    for status in (*FINAL_STATUSES, "terminating"):
        live = live_after_create(job(), status)
        assert noop_of(desired, live, PlanOptions()) is not None
        both_paths(desired, live, PlanOptions())
    live = live_after_create(job(), "running")
    assert noop_of(desired, live, PlanOptions()) is None
    assert both_paths(desired, live, PlanOptions())[0].action is Action.STOP


def test_a_plan_of_unchanged_jobs_renders_as_before() -> None:
    jobs = [job(f"j{i}", labels={"i": str(i)}) for i in range(5)]
    live = [live_after_create(each, "running") for each in jobs]
    plan = plan_changes(jobs, listed(*live))
    assert render_text(plan) == "No changes: 5 unchanged.\n"
    document = json.loads(render_json(plan))
    assert document["summary"]["noop"] == 5
    assert [entry["action"] for entry in document["jobs"]] == ["noop"] * 5


# --- every difference falls back to the full planner -------------------------------------------


def test_differences_are_not_taken_for_unchanged() -> None:
    before = job(labels={"team": "x"}, schedulingPolicy={"priority": "low"})
    cases: list[tuple[DesiredJob, dict[str, Any], PlanOptions]] = []
    cases.append((job(image="new"), live_after_create(before), PlanOptions()))
    cases.append((job(labels={"team": "y"}), live_after_create(before), PlanOptions()))
    cases.append((job(labels={"team": "x"}), live_after_create(before), PlanOptions()))
    cases.append((before, live_after_create(before), PlanOptions(apply_set="s1")))
    drifted = live_after_create(before)
    drifted["labels"]["team"] = ""
    cases.append((before, drifted, PlanOptions()))
    removed = live_after_create(before)
    del removed["labels"][MANAGED_BY_LABEL]
    cases.append((before, removed, PlanOptions()))
    reprioritised = live_after_create(before, "running")
    reprioritised["schedulingPolicy"]["priority"] = "HIGH"
    cases.append((before, reprioritised, PlanOptions()))
    spaced = live_after_create(before)
    spaced["annotations"][LAST_APPLIED_ANNOTATION] = json.dumps(
        applied_record(before.type, before.body)
    )
    cases.append((before, spaced, PlanOptions()))
    foreign = live_after_create(before)
    del foreign["annotations"][LAST_APPLIED_ANNOTATION]
    cases.append((before, foreign, PlanOptions(adopt=True)))
    for desired, live, options in cases:
        assert noop_of(desired, live, options) is None
        action, warnings = both_paths(desired, live, options)
        assert action.action is not Action.NOOP or warnings or action.reasons


def test_bodies_json_does_not_round_trip_are_planned_in_full() -> None:
    for odd in ({"command": ("echo", "hi")}, {"env": {1: "x"}}, {"port": math.nan}):
        desired = job(**odd)
        live = live_after_create(desired)
        assert live["annotations"][LAST_APPLIED_ANNOTATION] == record_text(
            applied_record(desired.type, desired.body)
        )
        assert plain_record_text(desired.type, desired.body) is None
        assert noop_of(desired, live, PlanOptions()) is None
        action, _ = plan_job(desired, LiveJob.from_wire(live), PlanOptions())
        assert action.action is Action.REPLACE  # the full planner's verdict, as before
        if "port" not in odd:  # NaN equals nothing, not even the full planner's own NaN
            both_paths(desired, live, PlanOptions())


def test_precomputed_records_give_the_same_plan() -> None:
    jobs = [job("same"), job("changed", image="new"), job("odd", command=("a",)), job("new")]
    live = [live_after_create(job("same")), live_after_create(job("changed"))]
    live.append(live_after_create(job("odd", command=("a",))))
    prepared = with_records(jobs)
    assert [each.record for each in prepared] == [
        record_text(applied_record(jobs[0].type, jobs[0].body)),
        record_text(applied_record(jobs[1].type, jobs[1].body)),
        None,  # not plain JSON: planned in full
        record_text(applied_record(jobs[3].type, jobs[3].body)),
    ]
    assert prepared == jobs  # the record is not part of a job's identity
    options = PlanOptions(force_replace=True)
    assert plan_changes(prepared, listed(*live), options) == plan_changes(
        jobs, listed(*live), options
    )
    assert with_records(prepared)[0] is prepared[0]


def test_noop_action_is_the_dataclass_with_every_field() -> None:
    location = SourceLocation("x.yaml", 1, 2)
    live = LiveJob.from_wire({"id": "a", "status": "running"})
    built = noop_action("a", "single", location, live)
    expected = JobAction(
        id="a",
        action=Action.NOOP,
        job_type="single",
        location=location,
        live_status="running",
        live=live,
    )
    assert built.live is live
    assert built == expected
    assert repr(built) == repr(expected)
    assert hash(built) == hash(expected)
    assert set(vars(built)) == {field.name for field in fields(JobAction)}


# --- the property: on any job and live job, both paths give the same plan ----------------------

KEYS = ("k1", "k2", MANAGED_BY_LABEL, APPLY_SET_LABEL)
VALUES = ("v1", "v2", "", "é")
small_maps = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)
odd_values = st.sampled_from([("x",), {2: "x"}, 1, 1.0, True, None, "y", [], {}])


@st.composite
def desired_jobs(draw: st.DrawFn) -> DesiredJob:
    body: dict[str, Any] = {"id": "a", "image": draw(st.sampled_from(["i1", "i2"]))}
    for key in ("labels", "annotations"):
        value = draw(small_maps)
        if value:
            body[key] = value
    priority = draw(st.sampled_from([None, "low", "NORMAL", "HIGH"]))
    if priority:
        body["schedulingPolicy"] = {"priority": priority}
    if draw(st.booleans()):
        body["extra"] = draw(odd_values)
    return DesiredJob(
        "a", draw(st.sampled_from(["single", "distributed"])), body, draw(st.booleans())
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[DesiredJob, dict[str, Any] | None, PlanOptions]:
    desired = draw(desired_jobs())
    options = PlanOptions(
        apply_set=draw(st.sampled_from([None, "s1"])),
        adopt=draw(st.booleans()),
        force_replace=draw(st.booleans()),
    )
    if draw(st.integers(0, 9)) == 0:
        return desired, None, options
    previous = desired if draw(st.booleans()) else draw(desired_jobs())
    live = live_after_create(
        replace(previous, stopped=False),
        draw(st.sampled_from(STATUSES)),
        draw(st.sampled_from([None, "s1", "s2"])),
    )
    if draw(st.booleans()):
        live["labels"].update(draw(small_maps))
    if draw(st.booleans()):
        live["annotations"].update(draw(small_maps))
    if draw(st.booleans()):
        live["schedulingPolicy"]["priority"] = draw(st.sampled_from(["LOW", "NORMAL", "HIGH"]))
    return desired, live, options


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_fast_path_gives_the_full_plan(
    case: tuple[DesiredJob, dict[str, Any] | None, PlanOptions],
) -> None:
    desired, live, options = case
    both_paths(desired, live, options)
