"""Before `pfctl apply PLANFILE` sends anything: is the saved plan still the plan?

Terraform's rule for saved plans, for jobs: the plan is carried out exactly as saved, or not at
all. It is refused when it was made for another server or user (:class:`PlanFileError`, exit 2),
and when it is stale (:class:`StalePlanError`, exit 1, every difference listed): a manifest was
changed, added or removed since, or a job the plan touches is no longer as the plan saw it
(status, labels, annotations, last-applied record), or a job it would create exists now.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pfctl.apply.applier import JobClient, read_live_job, read_live_jobs
from pfctl.apply.model import DesiredJob, LiveJob, Plan, PlanOptions
from pfctl.apply.saved import (
    PlanFileError,
    SavedPlan,
    manifest_digest,
    observed_state,
    server_identity,
)
from pfctl.errors import ExitCode, PfctlError
from pfctl.spec.paths import escape_text

#: Live jobs read at once when checking jobs the listing did not show.
_READ_PARALLELISM = 10


class StalePlanError(PfctlError):
    """The manifests or the jobs changed since the plan was made; nothing was sent."""

    exit_code = ExitCode.FAILURE

    def __init__(self, path: str, differences: list[str]) -> None:
        count = len(differences)
        lines = [
            f"the saved plan {path} is stale: {count} "
            f"difference{'s' if count != 1 else ''} since it was made; nothing was sent"
        ]
        lines += [f"  {escape_text(difference)}" for difference in differences]
        lines.append("  make a new plan with `pfctl diff --out` and review it")
        super().__init__("\n".join(lines))
        self.differences = differences


def prepare_saved_apply(
    client: Any, saved: SavedPlan
) -> tuple[Plan, list[DesiredJob], PlanOptions]:
    """The plan, desired jobs and options to carry out, once the plan is known to be for this
    server and user and not stale."""
    check_target(client, saved)
    differences = manifest_differences(saved)
    differences += live_differences(client, saved)
    if differences:
        raise StalePlanError(saved.path, differences)
    return saved.plan, list(saved.desired), saved.context.options


def check_target(client: Any, saved: SavedPlan) -> None:
    """:class:`PlanFileError` when the plan was made for another server or user."""
    server = server_identity(client.base_url)
    user = client.settings.user
    planned = saved.context
    if (server, user) != (planned.server, planned.user):
        raise PlanFileError(
            f"{saved.path} was made for user {planned.user} on {planned.server}, not for "
            f"user {user} on {server}; nothing was sent"
        )


def manifest_differences(saved: SavedPlan) -> list[str]:
    """How the manifests differ from those the plan was made from (read again from the same
    inputs, from the same working directory)."""
    from pfctl.apply.steps import desired_jobs, load_manifest_files

    context = saved.context
    paths = [os.path.join(context.working_directory, path) for path in context.inputs]
    try:
        result = load_manifest_files(paths, context.recursive)
    except PfctlError as error:
        return [f"the manifests cannot be read again: {error}"]
    differences = []
    errors = [problem for problem in result.problems if problem.severity == "error"]
    if errors:
        first = errors[0]
        differences.append(
            f"{first.location()}: the manifests are no longer valid ({first.message}); "
            "run `pfctl validate`"
        )
    now = {job.id: job for job in desired_jobs(result.manifests)}
    for job_id, (source, planned_digest) in saved.manifests.items():
        job = now.get(job_id)
        if job is None:
            differences.append(f"{source}: manifest {job_id} is gone")
        elif manifest_digest(job) != planned_digest:
            differences.append(f"{source}: manifest {job_id} changed")
    for job_id, job in now.items():
        if job_id not in saved.manifests:
            differences.append(f"{job.location}: manifest {job_id} is new")
    return differences


def live_differences(client: JobClient, saved: SavedPlan) -> list[str]:
    """How the jobs the plan changes differ from what the plan saw."""
    touched = [action for action in saved.plan.actions if action.is_change]
    if not touched:
        return []
    live = {job.id: job for job in read_live_jobs(client, saved.context.options.apply_set)}
    unlisted = [action.id for action in touched if action.id not in live]
    if unlisted:
        with ThreadPoolExecutor(max_workers=_READ_PARALLELISM) as pool:
            found = pool.map(lambda job_id: read_live_job(client, job_id), unlisted)
            for job_id, job in zip(unlisted, found, strict=True):
                if job is not None:
                    live[job_id] = job
    differences = []
    for action in touched:
        differences += job_differences(
            action.id, saved.observed.get(action.id), live.get(action.id)
        )
    return differences


def job_differences(job_id: str, seen: Mapping[str, Any] | None, now: LiveJob | None) -> list[str]:
    """What changed about one job since the plan saw it (``seen`` None: it did not exist)."""
    if seen is None:
        if now is not None:
            return [f"job {job_id} exists now ({now.status}); the plan would create it"]
        return []
    if now is None:
        return [f"job {job_id} is gone (the plan saw it {seen['status']})"]
    current = observed_state(now)
    differences = []
    if current["status"] != seen["status"]:
        differences.append(f"job {job_id}: status {seen['status']} -> {current['status']}")
    for kind in ("labels", "annotations"):
        before, after = seen[kind], current[kind]
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                differences.append(
                    f"job {job_id}: {kind}[{key!r}] {_shown(before.get(key))} -> "
                    f"{_shown(after.get(key))}"
                )
    if current["lastApplied"] != seen["lastApplied"]:
        differences.append(f"job {job_id}: its pfctl/last-applied record changed (applied since)")
    return differences


def _shown(value: str | None) -> str:
    return "(absent)" if value is None else repr(value)
