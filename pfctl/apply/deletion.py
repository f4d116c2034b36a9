"""`pfctl delete -f PATH`: delete the jobs of these manifests, as `kubectl delete -f` does.

Deleting is idempotent: a job that is already gone counts as done. A job pfctl does not manage
(no ``pfctl/last-applied`` record) is refused unless ``adopt``; a job that is not final is
refused unless ``stop``, which stops it, waits until it is final and then deletes it. A failure
of one job does not stop the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from enum import Enum

from pfctl.apply.applier import ApplySettings, JobClient, read_live_job, read_live_jobs
from pfctl.apply.model import DesiredJob, LiveJob, SourceLocation
from pfctl.apply.stopping import stop_until_final
from pfctl.errors import PfctlError
from pfctl.spec.statuses import FINAL_STATUSES


class DeleteOutcome(str, Enum):
    """What happened, or would happen, to one job."""

    DELETED = "deleted"
    ABSENT = "absent"
    FAILED = "failed"


@dataclass(frozen=True)
class DeleteStep:
    """The plan for one job: its live status (``None``: no such job), whether it is stopped
    first, and why it is refused (``None``: it is not)."""

    id: str
    status: str | None
    stop_first: bool = False
    refusal: str | None = None
    location: SourceLocation | None = None


@dataclass(frozen=True)
class DeleteResult:
    """The outcome for one job, with what happened or why it failed."""

    id: str
    outcome: DeleteOutcome
    status: str | None
    message: str = ""


def read_jobs(
    client: JobClient, job_ids: Sequence[str], parallelism: int = 10
) -> dict[str, LiveJob | None]:
    """The live job of each id: one listing of pfctl's jobs, then one read per id it lacked
    (a job pfctl does not manage, or one that does not exist)."""
    listed = {job.id: job for job in read_live_jobs(client, None)}
    found: dict[str, LiveJob | None] = {job_id: listed.get(job_id) for job_id in job_ids}
    missing = [job_id for job_id, job in found.items() if job is None]
    if missing:
        with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
            read = pool.map(lambda job_id: read_live_job(client, job_id), missing)
            found.update(zip(missing, read, strict=True))
    return found


def plan_deletion(
    desired: Sequence[DesiredJob],
    live: Mapping[str, LiveJob | None],
    *,
    stop: bool,
    adopt: bool,
) -> list[DeleteStep]:
    """One step per manifest, in manifest order."""
    steps = []
    for job in desired:
        current = live.get(job.id)
        if current is None:
            steps.append(DeleteStep(job.id, None, location=job.location))
            continue
        status = current.status
        refusal = None
        if current.last_applied() is None and not adopt:
            refusal = "the job is not managed by pfctl; use --adopt to delete it anyway"
        elif status not in FINAL_STATUSES and not stop:
            refusal = f"the job is {status}; use --stop to stop it first"
        stop_first = status not in FINAL_STATUSES
        steps.append(DeleteStep(job.id, status, stop_first, refusal, job.location))
    return steps


def delete_jobs(
    client: JobClient,
    steps: Sequence[DeleteStep],
    settings: ApplySettings,
    on_result: Callable[[DeleteResult], None] | None = None,
) -> list[DeleteResult]:
    """Carry out the steps, ``settings.parallelism`` at a time; the results in step order.
    ``on_result`` is called in the calling thread as each job finishes."""
    results: dict[str, DeleteResult] = {}

    def record(result: DeleteResult) -> None:
        results[result.id] = result
        if on_result is not None:
            on_result(result)

    def run(step: DeleteStep) -> DeleteResult:
        from pfctl.client.errors import NotFoundError

        try:
            done = stop_until_final(client, step.id, step.status, settings)
            client.delete_job(step.id)
        except NotFoundError:
            return DeleteResult(step.id, DeleteOutcome.ABSENT, step.status, "deleted meanwhile")
        except PfctlError as error:
            return DeleteResult(step.id, DeleteOutcome.FAILED, step.status, str(error))
        return DeleteResult(step.id, DeleteOutcome.DELETED, step.status, done)

    with ThreadPoolExecutor(max_workers=max(1, settings.parallelism)) as pool:
        pending = []
        for step in steps:
            if step.status is None:
                record(DeleteResult(step.id, DeleteOutcome.ABSENT, None))
            elif step.refusal is not None:
                record(DeleteResult(step.id, DeleteOutcome.FAILED, step.status, step.refusal))
            else:
                pending.append(pool.submit(run, step))
        for future in as_completed(pending):
            record(future.result())
    return [results[step.id] for step in steps]


def delete_counts(results: Sequence[DeleteResult]) -> dict[str, int]:
    """Jobs per outcome, every outcome present."""
    counts = {outcome.value: 0 for outcome in DeleteOutcome}
    for result in results:
        counts[result.outcome.value] += 1
    return counts
