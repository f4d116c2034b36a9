"""Which pending jobs start now: the scheduling decision, pure and deterministic.

Per queue, pending jobs are taken in order: higher priority first (VERY_HIGH .. VERY_LOW), then
earlier accept time, then id. A job starts when its request fits in what the queue has left.
A job that does not fit is skipped, and smaller jobs behind it may start (backfill), but only
while it has waited less than ``reserve_after_seconds``: after that it holds a reservation, and
nothing behind it in its queue starts until it has started. A job bigger than the whole queue
can never start, so it never reserves. A queue held by a reservation also admits no new
workflow node (``reserved`` of a ``Decision``). See docs/scheduler.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pfctl.spec import resources
from pfctl.spec.resources import Resources
from pfctl.spec.rules import DEFAULT_PRIORITY, UPDATE_PRIORITIES

#: How long a job that does not fit lets smaller jobs behind it start before it reserves.
DEFAULT_RESERVE_AFTER_SECONDS = 60.0


def priority_rank(priority: str | None) -> int:
    """0 for VERY_HIGH .. 4 for VERY_LOW (case-insensitive; unknown or empty is NORMAL)."""
    normalized = (priority or DEFAULT_PRIORITY).upper()
    if normalized not in UPDATE_PRIORITIES:
        normalized = DEFAULT_PRIORITY
    # UPDATE_PRIORITIES runs from the lowest; a queue serves the highest first.
    return len(UPDATE_PRIORITIES) - 1 - UPDATE_PRIORITIES.index(normalized)


@dataclass(frozen=True)
class PendingJob:
    """A job waiting in a queue. ``accepted_at`` and ``now`` share one clock (epoch seconds)."""

    job_id: str
    queue: str
    priority: str
    accepted_at: float
    request: Resources = field(default_factory=dict)


def queue_order(jobs: Iterable[PendingJob]) -> list[PendingJob]:
    """The jobs in the order their queue serves them."""
    return sorted(jobs, key=lambda job: (priority_rank(job.priority), job.accepted_at, job.job_id))


@dataclass(frozen=True)
class Decision:
    """One scheduling decision."""

    start: list[str]
    """The ids of the pending jobs to start now, in start order."""
    reserved: frozenset[str]
    """The queues where a job that does not fit holds a reservation."""


def choose_jobs_to_start(
    capacity: Mapping[str, Resources],
    used: Mapping[str, Resources],
    pending: Sequence[PendingJob],
    now: float,
    reserve_after_seconds: float = DEFAULT_RESERVE_AFTER_SECONDS,
) -> list[str]:
    """The ids of the pending jobs to start now, in start order (``decide(...).start``)."""
    return decide(capacity, used, pending, now, reserve_after_seconds).start


def decide(
    capacity: Mapping[str, Resources],
    used: Mapping[str, Resources],
    pending: Sequence[PendingJob],
    now: float,
    reserve_after_seconds: float = DEFAULT_RESERVE_AFTER_SECONDS,
) -> Decision:
    """Which pending jobs start now, and which queues are held by a reservation.

    ``capacity`` maps a queue name to its max resources, ``used`` to the sum of its running
    jobs' requests. Jobs of a queue missing from ``capacity`` do not start.
    """
    by_queue: dict[str, list[PendingJob]] = {}
    for job in pending:
        by_queue.setdefault(job.queue, []).append(job)
    chosen: list[str] = []
    reserved: set[str] = set()
    for queue_name in sorted(by_queue):
        if queue_name not in capacity:
            continue
        maximum = capacity[queue_name]
        in_use = dict(used.get(queue_name, {}))
        for job in queue_order(by_queue[queue_name]):
            available = resources.subtract(maximum, in_use)
            if resources.fits(job.request, available):
                chosen.append(job.job_id)
                in_use = resources.add(in_use, job.request)
                continue
            could_ever_fit = resources.fits(job.request, maximum)
            if could_ever_fit and now - job.accepted_at >= reserve_after_seconds:
                reserved.add(queue_name)
                break
    return Decision(chosen, frozenset(reserved))
