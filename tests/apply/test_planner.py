"""The planner, on plain data (no server); the renderers are in test_render.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pfctl.apply.model import (
    APPLY_SET_LABEL,
    LAST_APPLIED_ANNOTATION,
    MANAGED_BY_LABEL,
    Action,
    DesiredJob,
    JobAction,
    Plan,
    PlanOptions,
)
from pfctl.apply.planner import plan_changes
from pfctl.manifests import applied_record, record_text
from pfctl.spec.statuses import FINAL_STATUSES
from tests.apply.helpers import applied, created_job, desired, listed

ALL_STATUSES = (
    "init",
    "pending",
    "running",
    "failed",
    "succeeded",
    "terminating",
    "terminated",
    "cancelled",
    "skipped",
    "preempting",
    "preempted",
)


# --- a tiny model of the server's job semantics (PADDLEFLOW_API.md §8-9) ---------------------


class FakeServer:
    """Applies plan actions with the server's rules, failing loudly where the server would."""

    def __init__(self, jobs: list[dict[str, Any]], *, empty_deletes: bool) -> None:
        self.jobs = {job["id"]: job for job in jobs}
        self.empty_deletes = empty_deletes

    def apply(self, plan: Plan) -> None:
        for action in plan.actions:
            if action.refusal is not None:
                continue
            self.execute(action)

    def execute(self, action: JobAction) -> None:
        if action.action is Action.CREATE:
            assert action.id not in self.jobs
            assert action.create_body is not None
            self.jobs[action.id] = created_job(action.job_type or "single", action.create_body)
        elif action.action is Action.REPLACE:
            assert action.create_body is not None
            self.jobs.pop(action.id)  # stop + wait + delete
            self.jobs[action.id] = created_job(action.job_type or "single", action.create_body)
        elif action.action is Action.UPDATE:
            self.update(action)
        elif action.action is Action.STOP:
            self.update(action)
            job = self.jobs[action.id]
            assert job["status"] not in FINAL_STATUSES, "stop of a final job is a server error"
            job["status"] = "terminated"

    def update(self, action: JobAction) -> None:
        if action.update is None:
            return
        job = self.jobs[action.id]
        if action.update.priority is not None:
            assert job["status"] in ("init", "pending"), "the server refuses this priority change"
            job["schedulingPolicy"]["priority"] = action.update.priority.upper()
        for key, updates in (
            ("labels", action.update.labels),
            ("annotations", action.update.annotations),
        ):
            current = job[key] = dict(job.get(key) or {})
            for name, value in updates.items():
                if value == "" and self.empty_deletes:
                    current.pop(name, None)
                else:
                    current[name] = value


def only(plan: Plan) -> JobAction:
    assert len(plan.actions) == 1
    return plan.actions[0]


# --- create, no-op, record ---------------------------------------------------------------------


def test_a_missing_job_is_created_with_pfctl_labels_and_record() -> None:
    job = desired("a", labels={"team": "x"})
    action = only(plan_changes([job], [], PlanOptions(apply_set="s1")))
    assert action.action is Action.CREATE
    assert action.create_body is not None
    assert action.create_body["labels"] == {
        "team": "x",
        MANAGED_BY_LABEL: "pfctl",
        APPLY_SET_LABEL: "s1",
    }
    record = json.loads(action.create_body["annotations"][LAST_APPLIED_ANNOTATION])
    assert record == {**job.body, "type": "single"}
    assert ("image",) in [change.path for change in action.changes]


def test_an_applied_job_is_unchanged_in_any_status() -> None:
    job = desired("a", labels={"team": "x"}, priority="high")
    for status in ALL_STATUSES:
        plan = plan_changes([job], listed(applied(job, status)))
        assert only(plan).action is Action.NOOP, status
        assert not plan.has_changes
        assert plan.warnings == ()


def test_record_is_canonical_json() -> None:
    job = desired("a", labels={"b": "1", "a": "2"})
    assert record_text(applied_record(job.type, job.body)) == json.dumps(
        applied_record(job.type, job.body), sort_keys=True, separators=(",", ":")
    )


def test_stopped_job_that_does_not_exist_is_not_created() -> None:
    action = only(plan_changes([desired("a", stopped=True)], []))
    assert action.action is Action.NOOP


# --- labels and annotations: three-way ----------------------------------------------------------


def test_labels_added_changed_and_removed_three_way() -> None:
    before = desired("a", labels={"keep": "1", "change": "old", "drop": "x"})
    live = applied(before, "running")
    live["labels"]["someone-else"] = "theirs"
    after = desired("a", labels={"keep": "1", "change": "new", "add": "y"})
    action = only(plan_changes([after], listed(live)))
    assert action.action is Action.UPDATE
    assert action.update is not None
    assert dict(action.update.labels) == {"change": "new", "add": "y", "drop": ""}
    assert LAST_APPLIED_ANNOTATION in action.update.annotations
    shown = {change.path: (change.before, change.after) for change in action.changes}
    assert shown == {
        ("labels", "change"): ("old", "new"),
        ("labels", "add"): (None, "y"),
        ("labels", "drop"): ("x", None),
    }


def test_empty_live_label_counts_as_absent() -> None:
    job = desired("a", labels={"keep": "1"})
    live = applied(job)
    live["labels"]["gone"] = ""  # a server that stores "" instead of deleting
    record = json.loads(live["annotations"][LAST_APPLIED_ANNOTATION])
    record["labels"]["gone"] = "old"
    live["annotations"][LAST_APPLIED_ANNOTATION] = record_text(record)
    action = only(plan_changes([job], listed(live)))
    # only the record is refreshed: "gone" is already absent
    assert action.action is Action.UPDATE
    assert action.changes == ()
    assert action.update is not None
    assert dict(action.update.labels) == {}


def test_pfctl_own_labels_never_show_as_drift() -> None:
    job = desired("a")
    live = applied(job, apply_set="old-set")
    action = only(plan_changes([job], listed(live), PlanOptions(apply_set="new-set")))
    assert action.action is Action.UPDATE
    assert action.changes == ()
    assert action.update is not None
    assert action.update.labels == {APPLY_SET_LABEL: "new-set"}
    # without an apply-set the existing one is kept
    assert only(plan_changes([job], listed(live))).action is Action.NOOP


def test_annotations_three_way_ignores_the_record_key() -> None:
    before = desired("a", annotations={"note": "1"})
    after = desired("a", annotations={"other": "2"})
    action = only(plan_changes([after], listed(applied(before))))
    assert action.update is not None
    assert action.update.annotations["note"] == ""
    assert action.update.annotations["other"] == "2"
    assert all(change.path[1] != LAST_APPLIED_ANNOTATION for change in action.changes)


# --- priority ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["init", "pending"])
def test_priority_change_while_not_scheduled_is_an_update(status: str) -> None:
    live = applied(desired("a", priority="LOW"), status)
    action = only(plan_changes([desired("a", priority="high")], listed(live)))
    assert action.action is Action.UPDATE
    assert action.update is not None
    assert action.update.priority == "HIGH"


def test_priority_change_while_running_is_a_warning_or_a_forced_replace() -> None:
    live = applied(desired("a", priority="LOW"), "running")
    plan = plan_changes([desired("a", priority="HIGH")], listed(live))
    action = only(plan)
    assert action.action is Action.UPDATE  # the record is refreshed, priority is not sent
    assert action.update is not None
    assert action.update.priority is None
    assert [w.message for w in plan.warnings] == [
        "priority cannot change while the job is running (LOW -> HIGH)"
    ]
    forced = only(
        plan_changes([desired("a", priority="HIGH")], listed(live), PlanOptions(force_replace=True))
    )
    assert forced.action is Action.REPLACE
    assert forced.refusal is None
    assert forced.changes[0].forces_replacement


def test_priority_removed_from_manifest_goes_back_to_default() -> None:
    live = applied(desired("a", priority="HIGH"))
    action = only(plan_changes([desired("a")], listed(live)))
    assert action.update is not None
    assert action.update.priority == "NORMAL"


# --- immutable fields -------------------------------------------------------------------------


def test_image_change_is_a_replace_refused_without_force() -> None:
    live = applied(desired("a", image="old"), "running")
    action = only(plan_changes([desired("a", image="new")], listed(live)))
    assert action.action is Action.REPLACE
    assert action.refusal is not None
    assert "--force-replace" in action.refusal
    assert [(c.path, c.before, c.after, c.forces_replacement) for c in action.changes] == [
        (("image",), "old", "new", True)
    ]
    forced = only(
        plan_changes([desired("a", image="new")], listed(live), PlanOptions(force_replace=True))
    )
    assert forced.refusal is None
    assert forced.create_body is not None
    assert forced.create_body["image"] == "new"


def test_immutable_fields_compare_with_record_not_live() -> None:
    job = desired("a", image="img")
    live = applied(job)
    live["image"] = ""  # a server that does not echo the spec (PADDLEFLOW_API.md §13.7)
    live["command"] = ""
    assert only(plan_changes([job], listed(live))).action is Action.NOOP


def test_finished_job_is_not_rerun() -> None:
    job = desired("a")
    assert only(plan_changes([job], listed(applied(job, "succeeded")))).action is Action.NOOP


# --- stop, prune --------------------------------------------------------------------------------


def test_stopped_true_stops_a_running_job_and_ignores_final_ones() -> None:
    job = desired("a")
    stopped = desired("a", stopped=True)
    action = only(plan_changes([stopped], listed(applied(job, "running"))))
    assert action.action is Action.STOP
    assert only(plan_changes([stopped], listed(applied(job, "failed")))).action is not Action.STOP
    assert (
        only(plan_changes([stopped], listed(applied(job, "terminating")))).action is not Action.STOP
    )


def test_prune_stops_only_managed_jobs_of_its_apply_set() -> None:
    ours = applied(desired("ours"), "running", apply_set="s1")
    other_set = applied(desired("other-set"), "running", apply_set="s2")
    no_set = applied(desired("no-set"), "running")
    finished = applied(desired("finished"), "succeeded", apply_set="s1")
    foreign = created_job("single", {"id": "foreign", "labels": {APPLY_SET_LABEL: "s1"}}, "running")
    live = [ours, other_set, no_set, finished, foreign]
    plan = plan_changes([desired("kept")], listed(*live), PlanOptions(apply_set="s1", prune=True))
    assert [(a.id, a.action) for a in plan.actions] == [
        ("kept", Action.CREATE),
        ("ours", Action.STOP),
    ]
    unpruned = plan_changes([desired("kept")], listed(*live), PlanOptions(apply_set="s1"))
    assert [a.id for a in unpruned.actions] == ["kept"]


# --- ownership ----------------------------------------------------------------------------------


def test_unmanaged_job_is_refused_then_adopted() -> None:
    foreign = created_job("single", {"id": "a", "image": "python:3.11", "labels": {"x": "1"}})
    job = desired("a", labels={"team": "t"})
    plan = plan_changes([job], listed(foreign))
    action = only(plan)
    assert action.refusal is not None
    assert "--adopt" in action.refusal
    assert plan.warnings[0].message == "the job exists but is not managed by pfctl"
    adopted = only(plan_changes([job], listed(foreign), PlanOptions(adopt=True)))
    assert adopted.action is Action.UPDATE
    assert adopted.refusal is None
    assert adopted.update is not None
    assert adopted.update.labels == {"team": "t", MANAGED_BY_LABEL: "pfctl"}
    assert LAST_APPLIED_ANNOTATION in adopted.update.annotations


def test_adopting_a_job_with_a_different_image_is_a_replace() -> None:
    foreign = created_job("single", {"id": "a", "image": "other"})
    action = only(plan_changes([desired("a")], listed(foreign), PlanOptions(adopt=True)))
    assert action.action is Action.REPLACE


def test_duplicate_desired_ids_are_a_bug() -> None:
    with pytest.raises(ValueError, match="twice"):
        plan_changes([desired("a"), desired("a")], [])


# --- the property: apply the plan, plan again, nothing left to do ------------------------------

IDS = ("a", "b", "c", "d")
KEYS = ("k1", "k2", "k3", MANAGED_BY_LABEL)
VALUES = ("v1", "v2", "")
small_maps = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)
priorities = st.sampled_from([None, "LOW", "normal", "HIGH"])


@st.composite
def desired_jobs(draw: st.DrawFn, job_id: str) -> DesiredJob:
    body: dict[str, Any] = {"id": job_id, "image": draw(st.sampled_from(["i1", "i2"]))}
    labels = {k: v for k, v in draw(small_maps).items() if v}
    annotations = {k: v for k, v in draw(small_maps).items() if v}
    if labels:
        body["labels"] = labels
    if annotations:
        body["annotations"] = annotations
    priority = draw(priorities)
    if priority:
        body["schedulingPolicy"] = {"priority": priority}
    job_type = draw(st.sampled_from(["single", "distributed"]))
    return DesiredJob(job_id, job_type, body, draw(st.booleans()))


@st.composite
def live_jobs(draw: st.DrawFn, job_id: str) -> dict[str, Any]:
    previous = draw(desired_jobs(job_id))
    managed = draw(st.booleans())
    apply_set = draw(st.sampled_from([None, "s1", "s2"]))
    if managed:
        live = applied(previous, draw(st.sampled_from(ALL_STATUSES)), apply_set)
    else:
        live = created_job(previous.type, previous.body, draw(st.sampled_from(ALL_STATUSES)))
    live["labels"].update(draw(small_maps))
    live["annotations"].update({k: v for k, v in draw(small_maps).items() if k != MANAGED_BY_LABEL})
    if draw(st.booleans()):
        live["schedulingPolicy"]["priority"] = draw(st.sampled_from(["LOW", "NORMAL", "HIGH"]))
    return live


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[DesiredJob], list[dict[str, Any]], PlanOptions, bool]:
    wanted = draw(st.lists(st.sampled_from(IDS), unique=True))
    existing = draw(st.lists(st.sampled_from(IDS), unique=True))
    jobs = [draw(desired_jobs(job_id)) for job_id in wanted]
    live = [draw(live_jobs(job_id)) for job_id in existing]
    apply_set = draw(st.sampled_from([None, "s1"]))
    options = PlanOptions(
        apply_set=apply_set,
        prune=apply_set is not None and draw(st.booleans()),
        adopt=draw(st.booleans()),
        force_replace=draw(st.booleans()),
    )
    return jobs, live, options, draw(st.booleans())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_applying_the_plan_converges(
    world: tuple[list[DesiredJob], list[dict[str, Any]], PlanOptions, bool],
) -> None:
    jobs, live, options, empty_deletes = world
    server = FakeServer(live, empty_deletes=empty_deletes)
    first = plan_changes(jobs, listed(*server.jobs.values()), options)
    server.apply(first)
    second = plan_changes(jobs, listed(*server.jobs.values()), options)
    refused_before = {a.id: a.refusal for a in first.refused}
    for action in second.actions:
        if action.refusal is not None:
            # only what was refused before may still be pending, for the same reason
            assert refused_before.get(action.id) == action.refusal
        else:
            assert action.action is Action.NOOP, action
    if options.adopt and options.force_replace:
        assert not second.has_changes
