"""``--wait`` of `pfctl apply`: which applied jobs to wait for, and what waiting found.

The jobs are read with list requests filtered by pfctl's label (the apply-set's, else
``pfctl/managed-by``): about one request per poll however many jobs (``pfctl.client.waiting``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pfctl.apply.applier import ApplyReport, live_filter
from pfctl.apply.model import DesiredJob
from pfctl.spec.statuses import (
    CANCELLED,
    FAILED,
    INIT,
    PENDING,
    PREEMPTED,
    PREEMPTING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    TERMINATED,
    TERMINATING,
)

if TYPE_CHECKING:
    from pfctl.client.waiting import JobReader, WaitProgress, WaitResult


#: The order in which statuses are counted: jobs still going, then how jobs ended.
COUNT_ORDER = (
    RUNNING,
    PENDING,
    INIT,
    TERMINATING,
    PREEMPTING,
    SUCCEEDED,
    FAILED,
    TERMINATED,
    CANCELLED,
    SKIPPED,
    PREEMPTED,
)


def count_statuses(statuses: Mapping[str, str]) -> dict[str, int]:
    """How many jobs are in each status, in :data:`COUNT_ORDER` (then ``gone``, then any status
    pfctl does not know, by name); statuses no job is in, and ``""`` (not read yet), are left
    out."""
    from pfctl.client.waiting import GONE

    tally = Counter(status for status in statuses.values() if status)
    order = [*COUNT_ORDER, GONE]
    known = {status: tally[status] for status in order if tally[status]}
    others = {status: count for status, count in sorted(tally.items()) if status not in order}
    return {**known, **others}


@dataclass(frozen=True)
class WaitReport:
    """What a wait found: the last status of each job waited for, the jobs that ended
    unsuccessfully (failed, terminated, cancelled, preempted), those still running at the
    timeout, the message of each unsuccessful job that has one (why it failed, e.g. ``job is
    failed, replica worker-0 exited with code 3``), and the jobs that no longer exist."""

    statuses: Mapping[str, str]
    unsuccessful: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    messages: Mapping[str, str] = field(default_factory=dict)
    gone: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every job waited for finished, none unsuccessfully, none disappeared."""
        return not self.pending and not self.unsuccessful and not self.gone

    def counts(self) -> dict[str, int]:
        """How many jobs are in each status (see :func:`count_statuses`)."""
        return count_statuses(self.statuses)

    @classmethod
    def from_result(cls, result: WaitResult) -> WaitReport:
        """The report of a :func:`pfctl.client.waiting.wait_for_jobs` result."""
        unsuccessful = tuple(result.unsuccessful)
        return cls(
            statuses={job_id: str(job.get("status") or "") for job_id, job in result.jobs.items()},
            unsuccessful=unsuccessful,
            pending=tuple(result.pending),
            messages={
                job_id: str(message)
                for job_id in unsuccessful
                if (message := result.jobs[job_id].get("message"))
            },
            gone=tuple(result.gone),
        )


def jobs_to_wait_for(report: ApplyReport, desired: Sequence[DesiredJob]) -> list[str]:
    """The jobs ``--wait`` waits for, in plan order: desired, not ``stopped``, and applied
    without failure (pruned jobs are not waited for)."""
    wanted = {job.id for job in desired if not job.stopped}
    return [result.id for result in report.results if result.id in wanted and not result.failed]


def wait_for_applied(
    client: JobReader,
    report: ApplyReport,
    desired: Sequence[DesiredJob],
    *,
    timeout: float | None,
    on_status: Callable[[str, Any], None] | None = None,
    on_progress: Callable[[WaitProgress], None] | None = None,
    apply_set: str | None = None,
    poll_interval: float = 1.0,
) -> WaitReport:
    """Wait until the jobs of :func:`jobs_to_wait_for` are final, or ``timeout`` seconds pass
    (``None``: no limit).

    The jobs are listed by the label of ``apply_set`` (pfctl's managed-by label without one).
    ``on_status(job_id, status)`` is called whenever a job's status is first seen or changes
    (``gone`` for a job that no longer exists); ``on_progress(progress)`` after each poll, with
    every job's status."""
    from pfctl.client.waiting import wait_for_jobs

    def changed(job_id: str, job: dict[str, Any]) -> None:
        if on_status is not None:
            on_status(job_id, job.get("status"))

    result = wait_for_jobs(
        client,
        jobs_to_wait_for(report, desired),
        timeout=timeout,
        poll_interval=poll_interval,
        on_change=changed,
        on_poll=on_progress,
        labels=live_filter(apply_set),
    )
    return WaitReport.from_result(result)


def apply_succeeded(report: ApplyReport, waited: WaitReport | None) -> bool:
    """True when every job converged and, with ``--wait``, every job waited for succeeded."""
    return report.ok and (waited is None or waited.ok)
