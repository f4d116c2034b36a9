"""Desired manifests + live jobs -> a plan. Pure functions, no I/O.

The rules are DESIGN.md §4:

* A live job is pfctl's when it carries the ``pfctl/last-applied`` annotation; any other job with
  the same id is refused unless ``adopt``.
* Immutable fields (everything but priority, labels and annotations) are compared with the
  last-applied record (``pfctl.manifests.record``), not with the live job, because a PaddleFlow
  server does not echo every field back (PADDLEFLOW_API.md §13 items 7 and 14). A difference is
  a ``replace``.
* Labels and annotations follow kubectl's three-way rule; an empty live value counts as absent;
  pfctl's own keys never show as drift.
* Priority changes only while a job is ``init`` or ``pending``; otherwise a warning (or a
  replace with ``force_replace``).
* A job is never re-created because it finished; ``stopped`` manifests are stopped, never
  created or replaced; prune stops managed jobs of the apply-set that left the manifests.

Most jobs of an apply are unchanged: :func:`unchanged_noop` recognises them with a cheap exact
check, and only the others go through every rule (:func:`plan_job_in_full`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from pfctl.apply.compare import (
    adoption_differences,
    diff_fields,
    flatten,
    immutable_part,
    three_way,
    unchanged_map,
)
from pfctl.apply.model import (
    APPLY_SET_LABEL,
    LAST_APPLIED_ANNOTATION,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    OWN_ANNOTATIONS,
    OWN_LABELS,
    STOPPING_STATUS,
    Action,
    DesiredJob,
    FieldChange,
    JobAction,
    LiveJob,
    Plan,
    PlanOptions,
    PlanWarning,
    UpdateRequest,
    as_mapping,
    noop_action,
    string_map,
)
from pfctl.manifests import applied_record, plain_record_text, record_text
from pfctl.manifests.createbody import build_create_body
from pfctl.spec.rules import DEFAULT_PRIORITY
from pfctl.spec.statuses import FINAL_STATUSES, PRIORITY_MUTABLE_STATUSES

PRIORITY_PATH: tuple[str | int, ...] = ("schedulingPolicy", "priority")


def plan_changes(
    desired: Sequence[DesiredJob],
    live_jobs: Iterable[LiveJob],
    options: PlanOptions | None = None,
) -> Plan:
    """Plan every desired job against the live jobs, then prune (when asked).

    Live jobs that are neither desired nor prunable are ignored.
    """
    options = options or PlanOptions()
    selection = options.selection
    everything = selection.selects_everything
    live_by_id = {job.id: job for job in live_jobs}
    actions: list[JobAction] = []
    warnings: list[PlanWarning] = []
    seen: set[str] = set()
    left_out = 0
    for job in desired:
        if job.id in seen:
            raise ValueError(f"job id {job.id!r} is desired twice")
        seen.add(job.id)
        if not everything and not selection.selects(job.id, string_map(job.body.get("labels"))):
            left_out += 1
            continue
        action, job_warnings = plan_job(job, live_by_id.get(job.id), options)
        actions.append(action)
        warnings.extend(job_warnings)
    if options.prune and options.apply_set:
        # Every manifest read counts as present, selected or not: a job whose manifest was
        # left out is not pruned.
        for job_id in sorted(set(live_by_id) - seen):
            live = live_by_id[job_id]
            if not everything and not selection.selects(job_id, live.labels):
                continue
            pruned = plan_prune(live, options.apply_set)
            if pruned is not None:
                actions.append(pruned)
    for job_id in sorted(selection.excludes - seen):
        warnings.append(PlanWarning(job_id, "--exclude names no manifest"))
    return Plan(actions=tuple(actions), warnings=tuple(warnings), left_out=left_out)


def own_labels(apply_set: str | None) -> dict[str, str]:
    """The labels pfctl writes on every job it creates or updates."""
    labels = {MANAGED_BY_LABEL: MANAGED_BY_VALUE}
    if apply_set:
        labels[APPLY_SET_LABEL] = apply_set
    return labels


def create_body(job: DesiredJob, apply_set: str | None) -> dict[str, Any]:
    """The create request: the body ``pfctl job create`` and the SDK send for the manifest
    (``pfctl.manifests.createbody``), with pfctl's labels and last-applied record."""
    body = build_create_body(job.body).body
    user_labels = {
        k: v for k, v in string_map(body.get("labels")).items() if v and k not in OWN_LABELS
    }
    body["labels"] = {**user_labels, **own_labels(apply_set)}
    user_annotations = {
        k: v
        for k, v in string_map(body.get("annotations")).items()
        if v and k not in OWN_ANNOTATIONS
    }
    body["annotations"] = {
        **user_annotations,
        LAST_APPLIED_ANNOTATION: record_text(applied_record(job.type, job.body)),
    }
    return body


def plan_job(
    job: DesiredJob, live: LiveJob | None, options: PlanOptions
) -> tuple[JobAction, list[PlanWarning]]:
    """Plan one desired job against its live job (``None`` when the server has none)."""
    unchanged = unchanged_noop(job, live, options)
    if unchanged is not None:
        return unchanged, []
    return plan_job_in_full(job, live, options)


def unchanged_noop(job: DesiredJob, live: LiveJob | None, options: PlanOptions) -> JobAction | None:
    """The ``noop`` for a job whose live copy is exactly as this manifest would leave it, or
    ``None`` when that is not certain (then :func:`plan_job_in_full` decides).

    Most jobs of an apply are unchanged, and this proves it cheaply: the live
    ``pfctl/last-applied`` text is byte-for-byte the record the manifest would write (so, for a
    body of plain JSON values, it decodes to that record), labels, annotations and priority need
    no update, and a stopped manifest's job is already stopping or finished. Then the full
    planner would find no difference either and return the same bare ``noop``.
    """
    if live is None:
        return None
    status = live.status
    if job.stopped and status not in FINAL_STATUSES and status != STOPPING_STATUS:
        return None
    text = live.record
    if text is None:
        return None
    if text != (job.record if job.record is not None else plain_record_text(job.type, job.body)):
        return None
    # The live record decodes to this manifest's: its labels, annotations and priority are the
    # body's, and no immutable field differs.
    if not job.stopped:
        desired_priority = _desired_priority(job.body, job.body)
        if desired_priority is not None and desired_priority != live.priority:
            return None
    live_labels = live.labels
    for key, value in own_labels(options.apply_set).items():
        if live_labels.get(key) != value:
            return None
    if not (
        unchanged_map(string_map(job.body.get("labels")), live_labels, OWN_LABELS)
        and unchanged_map(
            string_map(job.body.get("annotations")), live.annotations, OWN_ANNOTATIONS
        )
    ):
        return None
    return noop_action(job.id, job.type, job.location, live)


def plan_job_in_full(
    job: DesiredJob, live: LiveJob | None, options: PlanOptions
) -> tuple[JobAction, list[PlanWarning]]:
    """Plan one desired job against its live job with every rule (and deepdiff for records);
    :func:`plan_job` gives the same result, faster for unchanged jobs."""
    base = JobAction(id=job.id, action=Action.NOOP, job_type=job.type, location=job.location)
    if live is None:
        if job.stopped:
            return replace(base, reasons=("stopped: true, so it is not created",)), []
        changes = tuple(
            FieldChange(path, None, value) for path, value in flatten(job.body) if path != ("id",)
        )
        return replace(
            base,
            action=Action.CREATE,
            changes=changes,
            reasons=("not on the server",),
            create_body=create_body(job, options.apply_set),
        ), []

    status = live.status
    base = replace(base, live_status=status, live=live)
    final = status in FINAL_STATUSES
    record = live.last_applied()
    warnings: list[PlanWarning] = []
    reasons: list[str] = []
    refusal: str | None = None
    if record is None:
        warnings.append(PlanWarning(job.id, "the job exists but is not managed by pfctl"))
        reasons.append("adopt: the job was not created by pfctl")
        if not options.adopt:
            refusal = "the job exists but is not managed by pfctl; use --adopt to take it over"

    if job.stopped:
        immutable_changes: list[FieldChange] = []
    elif record is not None:
        immutable_changes = diff_fields(
            immutable_part(record), immutable_part(applied_record(job.type, job.body))
        )
    else:
        immutable_changes = adoption_differences(job, live)

    label_updates, annotation_updates, mutable_changes = metadata_updates(
        job, live, record, options.apply_set
    )

    # A stopped job's priority no longer matters.
    desired_priority = None if job.stopped else _desired_priority(job.body, record)
    live_priority = live.priority
    priority_change: FieldChange | None = None
    if desired_priority is not None and desired_priority != live_priority:
        priority_change = FieldChange(PRIORITY_PATH, live_priority, desired_priority)

    unchangeable = not final and status not in PRIORITY_MUTABLE_STATUSES
    if priority_change is not None and unchangeable and options.force_replace:
        immutable_changes.append(_forcing(priority_change))
        priority_change = None

    if immutable_changes:
        forced = tuple(_forcing(change) for change in immutable_changes)
        if refusal is None and not options.force_replace:
            refusal = "immutable fields changed; use --force-replace to re-create the job"
        return replace(
            base,
            action=Action.REPLACE,
            changes=forced + mutable_changes,
            reasons=(*reasons, "immutable fields differ from the last-applied manifest"),
            refusal=refusal,
            create_body=create_body(job, options.apply_set),
        ), warnings

    request_priority: str | None = None
    if priority_change is not None:
        if status in PRIORITY_MUTABLE_STATUSES:
            request_priority = desired_priority
        else:
            warnings.append(
                PlanWarning(
                    job.id,
                    f"priority cannot change while the job is {status} "
                    f"({live_priority} -> {desired_priority})",
                )
            )
    update = UpdateRequest(request_priority, label_updates, annotation_updates)
    shown = mutable_changes
    if request_priority is not None and priority_change is not None:
        shown = (priority_change, *mutable_changes)

    if job.stopped and not final and status != STOPPING_STATUS:
        return replace(
            base,
            action=Action.STOP,
            changes=shown,
            reasons=(*reasons, "stopped: true"),
            refusal=refusal,
            update=update,
        ), warnings
    if update.is_empty():
        return replace(base, reasons=tuple(reasons)), warnings
    if not shown:
        reasons.append(_bookkeeping_reason(label_updates, annotation_updates))
    return replace(
        base,
        action=Action.UPDATE,
        changes=shown,
        reasons=tuple(reasons),
        refusal=refusal,
        update=update,
    ), warnings


def metadata_updates(
    job: DesiredJob,
    live: LiveJob,
    record: Mapping[str, Any] | None,
    apply_set: str | None,
) -> tuple[dict[str, str], dict[str, str], tuple[FieldChange, ...]]:
    """Labels and annotations to send (three-way, plus pfctl's own keys and the refreshed
    record), and the changes a reviewer sees (without pfctl's own keys)."""
    live_labels = live.labels
    live_annotations = live.annotations
    label_updates, label_changes = three_way(
        "labels",
        string_map(job.body.get("labels")),
        string_map((record or {}).get("labels")),
        live_labels,
        OWN_LABELS,
    )
    annotation_updates, annotation_changes = three_way(
        "annotations",
        string_map(job.body.get("annotations")),
        string_map((record or {}).get("annotations")),
        live_annotations,
        OWN_ANNOTATIONS,
    )
    for key, value in own_labels(apply_set).items():
        if live_labels.get(key) != value:
            label_updates[key] = value
    new_record = record_text(applied_record(job.type, job.body))
    if live_annotations.get(LAST_APPLIED_ANNOTATION) != new_record:
        annotation_updates[LAST_APPLIED_ANNOTATION] = new_record
    return label_updates, annotation_updates, tuple(label_changes + annotation_changes)


def plan_prune(live: LiveJob, apply_set: str) -> JobAction | None:
    """A stop for a managed job of ``apply_set`` that is no longer desired, if it still runs."""
    if live.labels.get(APPLY_SET_LABEL) != apply_set or live.last_applied() is None:
        return None
    status = live.status
    if status in FINAL_STATUSES or status == STOPPING_STATUS:
        return None
    return JobAction(
        id=live.id,
        action=Action.STOP,
        reasons=(f"pruned: no longer in the manifests of apply-set {apply_set}",),
        live_status=status,
        live=live,
    )


def _desired_priority(body: Mapping[str, Any], record: Mapping[str, Any] | None) -> str | None:
    """The priority the manifest asks for; ``None`` when it has no opinion (three-way)."""
    wanted = as_mapping(body.get("schedulingPolicy")).get("priority")
    if wanted:
        return str(wanted).upper()
    if record is not None and as_mapping(record.get("schedulingPolicy")).get("priority"):
        return DEFAULT_PRIORITY  # removed from the manifest: back to the server's default
    return None


def _bookkeeping_reason(labels: Mapping[str, str], annotations: Mapping[str, str]) -> str:
    if set(labels) & OWN_LABELS:
        return "write pfctl's ownership labels"
    if LAST_APPLIED_ANNOTATION in annotations:
        return "record the manifest in pfctl/last-applied"
    return "bring labels and annotations in line"


def _forcing(change: FieldChange) -> FieldChange:
    if change.forces_replacement:
        return change
    return FieldChange(change.path, change.before, change.after, True)
