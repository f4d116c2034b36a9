"""Waiting for jobs to reach a final status."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pfctl.spec.statuses import UNSUCCESSFUL_STATUSES, is_final


class JobReader(Protocol):
    """What waiting needs from a client: :meth:`PaddleFlowClient.get_job`."""

    def get_job(self, job_id: str) -> dict[str, Any]: ...


@dataclass
class WaitResult:
    """The last job object seen for each id, and the ids still not final at the deadline."""

    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)

    @property
    def unsuccessful(self) -> list[str]:
        """Ids of jobs that ended failed, terminated, cancelled or preempted."""
        return [
            job_id
            for job_id, job in self.jobs.items()
            if job.get("status") in UNSUCCESSFUL_STATUSES
        ]

    @property
    def ok(self) -> bool:
        """Every job finished, none unsuccessfully."""
        return not self.pending and not self.unsuccessful


def wait_for_jobs(
    client: JobReader,
    job_ids: Iterable[str],
    *,
    timeout: float | None = None,
    poll_interval: float = 1.0,
    on_change: Callable[[str, dict[str, Any]], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitResult:
    """Poll each job until all are final or ``timeout`` seconds pass (None: no limit).

    ``on_change(job_id, job)`` is called whenever a job's status differs from the last one seen.
    Client errors (a job deleted meanwhile, the server gone) propagate.
    """
    result = WaitResult()
    pending = list(dict.fromkeys(job_ids))
    deadline = None if timeout is None else clock() + timeout
    while True:
        still_pending = []
        for job_id in pending:
            job = client.get_job(job_id)
            previous = result.jobs.get(job_id)
            result.jobs[job_id] = job
            changed = previous is None or previous.get("status") != job.get("status")
            if on_change is not None and changed:
                on_change(job_id, job)
            if not is_final(str(job.get("status", ""))):
                still_pending.append(job_id)
        pending = still_pending
        if not pending:
            return result
        delay = poll_interval
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                result.pending = pending
                return result
            delay = min(delay, remaining)
        sleep(delay)
