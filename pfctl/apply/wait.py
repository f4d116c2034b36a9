"""``--wait`` of `pfctl apply`: which applied jobs to wait for, and what waiting found."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pfctl.apply.applier import ApplyReport
from pfctl.apply.model import DesiredJob

if TYPE_CHECKING:
    from pfctl.client.waiting import JobReader


@dataclass(frozen=True)
class WaitReport:
    """What ``--wait`` found: the last status of each job waited for, the jobs that ended
    unsuccessfully (failed, terminated, cancelled, preempted) and those still running at the
    timeout."""

    statuses: Mapping[str, str]
    unsuccessful: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every job waited for finished, none unsuccessfully."""
        return not self.pending and not self.unsuccessful


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
) -> WaitReport:
    """Wait until the jobs of :func:`jobs_to_wait_for` are final, or ``timeout`` seconds pass
    (``None``: no limit). ``on_status(job_id, status)`` is called whenever a job's status is
    first seen or changes."""
    from pfctl.client.waiting import wait_for_jobs

    def changed(job_id: str, job: dict[str, Any]) -> None:
        if on_status is not None:
            on_status(job_id, job.get("status"))

    result = wait_for_jobs(
        client, jobs_to_wait_for(report, desired), timeout=timeout, on_change=changed
    )
    statuses = {job_id: str(job.get("status", "")) for job_id, job in result.jobs.items()}
    return WaitReport(statuses, tuple(result.unsuccessful), tuple(result.pending))


def apply_succeeded(report: ApplyReport, waited: WaitReport | None) -> bool:
    """True when every job converged and, with ``--wait``, every job waited for succeeded."""
    return report.ok and (waited is None or waited.ok)
