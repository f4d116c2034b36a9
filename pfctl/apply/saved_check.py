"""Before `pfctl apply PLANFILE` sends anything: is the saved plan still the plan?

Terraform's rule for saved plans, for jobs: the plan is carried out exactly as saved, or not at
all. It is refused when it was made for another server or user (:class:`PlanFileError`, exit 2),
and when it is stale (:class:`StalePlanError`, exit 1, every difference listed): a manifest was
changed, added or removed since, or a job the plan touches is no longer as the plan saw it
(status, priority, labels, annotations, last-applied record), or a job it would create exists
now.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
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
_ADVICE = "make a new plan with `pfctl diff --out` and review it"


class StalePlanError(PfctlError):
    """The manifests or the jobs changed since the plan was made; nothing was sent.

    ``str()`` is one line holding every difference, as the top-level handler prints an error;
    :meth:`lines` gives the summary, one line per difference and the advice, for a caller that
    prints them one per line (each line escaped, :func:`pfctl.spec.paths.escape_text`).
    """

    exit_code = ExitCode.FAILURE

    def __init__(self, path: str, differences: Sequence[str]) -> None:
        self.path = path
        self.differences = tuple(differences)
        count = len(self.differences)
        self.summary = (
            f"the saved plan {path} is stale: {count} difference{'s' if count != 1 else ''} "
            "since it was made; nothing was sent"
        )
        super().__init__(f"{self.summary}: {'; '.join(self.differences)}; {_ADVICE}")

    def lines(self) -> list[str]:
        """The summary, each difference indented on a line of its own, and the advice."""
        return [
            escape_text(self.summary),
            *(f"  {escape_text(difference)}" for difference in self.differences),
            f"  {_ADVICE}",
        ]


def prepare_saved_apply(
    client: Any, saved: SavedPlan
) -> tuple[Plan, list[DesiredJob], PlanOptions]:
    """The plan, desired jobs and options to carry out, once the plan is known to be for this
    server and user and not stale.

    The desired jobs are the manifests read again, every one with the digest the plan recorded:
    the jobs a plain ``pfctl apply`` would have had, so that re-planning a failed change and
    ``--wait`` (which also waits for unchanged jobs) behave as they would have.
    """
    check_target(client, saved)
    desired, differences = reread_manifests(saved)
    differences += live_differences(client, saved)
    if differences:
        raise StalePlanError(saved.path, differences)
    return saved.plan, desired, saved.context.options


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


def reread_manifests(saved: SavedPlan) -> tuple[list[DesiredJob], list[str]]:
    """The manifests read again from the plan's inputs (relative to its working directory),
    and how they differ from those the plan was made from: changed, gone, new or invalid."""
    from pfctl.apply.steps import desired_jobs, load_manifest_files

    context = saved.context
    paths = [os.path.join(context.working_directory, path) for path in context.inputs]
    try:
        result = load_manifest_files(paths, context.recursive)
    except PfctlError as error:
        return [], [f"the manifests cannot be read again: {error}"]
    differences = [
        f"{problem.location()}: the manifest is no longer valid: {problem.message}"
        for problem in result.problems
        if problem.severity == "error"
    ]
    desired = desired_jobs(result.manifests)
    now = {job.id: job for job in desired}
    for job_id, (source, planned_digest) in saved.manifests.items():
        job = now.get(job_id)
        if job is None:
            differences.append(f"{source}: manifest {job_id} is gone")
        elif manifest_digest(job) != planned_digest:
            differences.append(f"{source}: manifest {job_id} changed")
    for job_id, job in now.items():
        if job_id not in saved.manifests:
            differences.append(f"{job.location}: manifest {job_id} is new")
    return desired, differences


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
    for field in ("status", "priority"):
        if current[field] != seen[field]:
            differences.append(f"job {job_id}: {field} {seen[field]} -> {current[field]}")
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
