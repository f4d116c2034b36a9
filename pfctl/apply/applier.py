"""Execute a plan through a PaddleFlow client: bounded parallelism, per-job failures contained.

Every change is attempted once. When it fails, the job is read again and planned again: if the
new plan differs (another apply created the job first, the job started running meanwhile), that
plan is executed instead, once; otherwise the job is reported failed with the original error. This
is what makes creation idempotent (DESIGN.md §4.9): two applies of the same manifests both end
with one job per id and both succeed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from pfctl.apply.model import (
    APPLY_SET_LABEL,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    Action,
    DesiredJob,
    JobAction,
    LiveJob,
    Plan,
    PlanOptions,
    PlanWarning,
)
from pfctl.apply.planner import plan_job, plan_prune
from pfctl.errors import PfctlError

DEFAULT_PARALLELISM = 10
LIST_PAGE_SIZE = 1000


class JobClient(Protocol):
    """What the applier needs from :class:`pfctl.client.api.PaddleFlowClient`."""

    def create_job(self, job_type: str, body: Mapping[str, Any]) -> str: ...

    def get_job(self, job_id: str) -> dict[str, Any]: ...

    def update_job(
        self,
        job_id: str,
        *,
        priority: str | None = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> None: ...

    def stop_job(self, job_id: str) -> None: ...

    def delete_job(self, job_id: str) -> None: ...

    def iter_jobs(self, *, page_size: int = ..., **filters: Any) -> Iterator[dict[str, Any]]: ...


class Outcome(str, Enum):
    """What happened to one job."""

    CREATED = "created"
    UPDATED = "updated"
    REPLACED = "replaced"
    STOPPED = "stopped"
    UNCHANGED = "unchanged"
    FAILED = "failed"


_OUTCOME_OF = {
    Action.CREATE: Outcome.CREATED,
    Action.UPDATE: Outcome.UPDATED,
    Action.REPLACE: Outcome.REPLACED,
    Action.STOP: Outcome.STOPPED,
    Action.NOOP: Outcome.UNCHANGED,
}


@dataclass(frozen=True)
class JobResult:
    """The outcome for one job; ``action`` is the action finally attempted."""

    id: str
    outcome: Outcome
    action: JobAction
    message: str = ""

    @property
    def failed(self) -> bool:
        """True when the job could not be converged."""
        return self.outcome is Outcome.FAILED


@dataclass(frozen=True)
class ApplySettings:
    """How to execute: ``parallelism`` concurrent jobs; how long a replace waits for its stop,
    and where its narration goes."""

    parallelism: int = DEFAULT_PARALLELISM
    stop_timeout: float | None = 300.0
    poll_interval: float = 0.5
    #: Called (from a worker thread) with a line of narration while a replace waits for its job
    #: to stop, every ``note_interval`` seconds.
    on_note: Callable[[str], None] | None = None
    note_interval: float = 5.0


@dataclass(frozen=True)
class ApplyReport:
    """Every job's result, in plan order."""

    results: tuple[JobResult, ...]

    def counts(self) -> dict[str, int]:
        """Jobs per outcome, every outcome present."""
        counts = {outcome.value: 0 for outcome in Outcome}
        for result in self.results:
            counts[result.outcome.value] += 1
        return counts

    @property
    def ok(self) -> bool:
        """True when no job failed."""
        return not any(result.failed for result in self.results)

    def summary(self) -> str:
        """``N created, N updated, N replaced, N stopped, N unchanged, N failed``."""
        return ", ".join(f"{count} {name}" for name, count in self.counts().items())


def live_filter(apply_set: str | None) -> dict[str, str]:
    """The label filter that lists the jobs an apply can be about."""
    if apply_set:
        return {APPLY_SET_LABEL: apply_set}
    return {MANAGED_BY_LABEL: MANAGED_BY_VALUE}


def read_live_jobs(client: JobClient, apply_set: str | None) -> list[LiveJob]:
    """The live jobs pfctl manages (of ``apply_set`` when given), in as few list pages as possible.

    A job missing here is not proof that it is absent (an unmanaged job, or a server whose label
    filter is unreliable): creation re-reads on failure.
    """
    listed = client.iter_jobs(page_size=LIST_PAGE_SIZE, labels=live_filter(apply_set))
    return [LiveJob.from_wire(job) for job in listed]


def read_live_job(client: JobClient, job_id: str) -> LiveJob | None:
    """The live job ``job_id`` read again, or ``None`` when the server has no such job."""
    from pfctl.client.errors import NotFoundError

    try:
        return LiveJob.from_wire(client.get_job(job_id))
    except NotFoundError:
        return None


def confirm_absent(
    client: JobClient,
    plan: Plan,
    desired: Sequence[DesiredJob],
    options: PlanOptions,
    parallelism: int = DEFAULT_PARALLELISM,
) -> Plan:
    """Re-plan every planned create whose id does exist (a job the listing did not show).

    Used where the plan is shown rather than executed (diff, dry run), so that the reviewer sees
    the refusal of an unmanaged job instead of a create that would fail.
    """
    by_id = {job.id: job for job in desired}
    creates = [action.id for action in plan.actions if action.action is Action.CREATE]
    if not creates:
        return plan

    def read(job_id: str) -> LiveJob | None:
        return read_live_job(client, job_id)

    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        found = dict(zip(creates, pool.map(read, creates), strict=True))
    actions = []
    warnings = list(plan.warnings)
    for action in plan.actions:
        live = found.get(action.id)
        if action.action is Action.CREATE and live is not None:
            replanned, extra = plan_job(by_id[action.id], live, options)
            actions.append(replanned)
            warnings.extend(extra)
        else:
            actions.append(action)
    return dataclasses.replace(plan, actions=tuple(actions), warnings=tuple(warnings))


def apply_plan(
    client: JobClient,
    plan: Plan,
    desired: Sequence[DesiredJob],
    options: PlanOptions,
    *,
    settings: ApplySettings | None = None,
    on_result: Callable[[JobResult], None] | None = None,
) -> ApplyReport:
    """Execute ``plan``; ``on_result`` is called in the calling thread as each job finishes."""
    settings = settings or ApplySettings()
    executor = _JobExecutor(client, {job.id: job for job in desired}, options, settings)
    results: dict[str, JobResult] = {}
    pending: dict[Future[JobResult], str] = {}

    def record(result: JobResult) -> None:
        results[result.id] = result
        if on_result is not None:
            on_result(result)

    pool = ThreadPoolExecutor(max_workers=max(1, settings.parallelism))
    try:
        for action in plan.actions:
            if action.error is not None:
                record(JobResult(action.id, Outcome.FAILED, action, action.error))
            elif action.refusal is not None:
                record(JobResult(action.id, Outcome.FAILED, action, action.refusal))
            elif not action.is_change:
                record(JobResult(action.id, Outcome.UNCHANGED, action))
            else:
                pending[pool.submit(executor.run, action)] = action.id
        for future in as_completed(pending):
            record(future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return ApplyReport(tuple(results[action.id] for action in plan.actions))


class _JobExecutor:
    """Carries out one job's action, with the re-read-and-re-plan rule."""

    def __init__(
        self,
        client: JobClient,
        desired: Mapping[str, DesiredJob],
        options: PlanOptions,
        settings: ApplySettings,
    ) -> None:
        self.client = client
        self.desired = desired
        self.options = options
        self.settings = settings
        #: Set once the server stops answering, so that the jobs not yet started fail fast.
        self.unreachable: str | None = None

    def run(self, action: JobAction) -> JobResult:
        if self.unreachable is not None:
            return JobResult(
                action.id, Outcome.FAILED, action, f"not attempted: {self.unreachable}"
            )
        try:
            message = self.execute(action)
        except PfctlError as error:
            return self.recover(action, error)
        return JobResult(action.id, _OUTCOME_OF[action.action], action, message)

    def recover(self, failed: JobAction, error: PfctlError) -> JobResult:
        """Read the job again and, if the situation changed, carry out the new plan once."""
        from pfctl.client.errors import ServerConnectionError

        try:
            live = read_live_job(self.client, failed.id)
        except ServerConnectionError as unreachable:
            self.unreachable = str(unreachable)
            return JobResult(failed.id, Outcome.FAILED, failed, str(error))
        except PfctlError:
            return JobResult(failed.id, Outcome.FAILED, failed, str(error))
        again, warnings = self.replan(failed.id, live)
        if again is None:
            return JobResult(failed.id, Outcome.UNCHANGED, failed, "nothing left to do")
        if again == failed:
            return JobResult(failed.id, Outcome.FAILED, failed, str(error))
        if again.refusal is not None:
            return JobResult(failed.id, Outcome.FAILED, again, again.refusal)
        try:
            done = self.execute(again)
        except PfctlError as second:
            return JobResult(failed.id, Outcome.FAILED, again, str(second))
        note = "; ".join([warning.message for warning in warnings] + ([done] if done else []))
        return JobResult(failed.id, _OUTCOME_OF[again.action], again, note)

    def replan(
        self, job_id: str, live: LiveJob | None
    ) -> tuple[JobAction | None, list[PlanWarning]]:
        """The plan for the job as it is now (``None``: nothing to do for a pruned job)."""
        job = self.desired.get(job_id)
        if job is not None:
            return plan_job(job, live, self.options)
        if live is None or not self.options.apply_set:
            return None, []
        return plan_prune(live, self.options.apply_set), []

    def execute(self, action: JobAction) -> str:
        """Send what ``action`` needs; what happened, for a replace (else ``""``)."""
        client = self.client
        if action.action is Action.CREATE:
            assert action.create_body is not None and action.job_type is not None
            client.create_job(action.job_type, action.create_body)
        elif action.action is Action.UPDATE:
            assert action.update is not None
            update = action.update
            client.update_job(
                action.id,
                priority=update.priority,
                labels=update.labels or None,
                annotations=update.annotations or None,
            )
        elif action.action is Action.STOP:
            if action.update is not None and (action.update.labels or action.update.annotations):
                client.update_job(
                    action.id,
                    labels=action.update.labels or None,
                    annotations=action.update.annotations or None,
                )
            client.stop_job(action.id)
        elif action.action is Action.REPLACE:
            return self.replace(action)
        return ""

    def replace(self, action: JobAction) -> str:
        """Stop if needed, wait for a final status, delete, create again under the same id;
        says what happened (``stopped after 12 s (was running, ended terminated), deleted,
        created``)."""
        from pfctl.apply.stopping import stop_until_final

        assert action.create_body is not None and action.job_type is not None
        stopped = stop_until_final(self.client, action.id, action.live_status, self.settings)
        self.client.delete_job(action.id)
        self.client.create_job(action.job_type, action.create_body)
        return ", ".join([*([stopped] if stopped else []), "deleted", "created"])
