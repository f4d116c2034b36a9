"""Which pending jobs start now: the scheduling decision, pure and deterministic.

Per queue, pending jobs are taken in the queue's order (``pfctl.spec.queue_order``,
PaddleFlow's ``JobOrderFn``): higher priority first (VERY_HIGH .. VERY_LOW) when the queue's
``schedulingPolicy`` lists ``priority``, then creation time to the second, then id. A job
starts when its request fits in what the queue has left. A job that does not fit is skipped,
and smaller jobs behind it may start (backfill), but only while it has waited less than
``reserve_after_seconds``: after that it holds a reservation, and nothing behind it in its queue
starts until it has started. A job bigger than the whole queue can never start, so it never
reserves. A queue held by a reservation also admits no new workflow node (``reserved`` of a
``Decision``). See docs/scheduler.md.

Every job that does not start is told why (``Decision.waiting``), as Slurm names a pending job's
reason: ``reservation`` when it would fit but its queue is held for a job ahead of it;
``priority`` when jobs that come strictly before it in the queue's order wait ahead of it (of
higher priority, or created earlier on a queue without the priority policy); ``capacity``
otherwise (the queue's free room is too small, or the queue is not open). ``waiting_message``
puts it in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pfctl.spec import resources
from pfctl.spec.queue_order import order_key, orders_by_priority, precedes_group
from pfctl.spec.resources import Resources

#: How long a job that does not fit lets smaller jobs behind it start before it reserves.
DEFAULT_RESERVE_AFTER_SECONDS = 60.0


@dataclass(frozen=True)
class PendingJob:
    """A job waiting in a queue. ``accepted_at`` and ``now`` share one clock (epoch seconds)."""

    job_id: str
    queue: str
    priority: str
    accepted_at: float
    request: Resources = field(default_factory=dict)


def queue_order(jobs: Iterable[PendingJob], by_priority: bool) -> list[PendingJob]:
    """The jobs of one queue in the order it serves them (``queue_order.order_key``)."""
    return sorted(jobs, key=lambda job: _key(job, by_priority))


def _key(job: PendingJob, by_priority: bool) -> tuple[int, float, str]:
    return order_key(by_priority, job.priority, job.accepted_at, job.job_id)


@dataclass(frozen=True)
class Decision:
    """One scheduling decision."""

    start: list[str]
    """The ids of the pending jobs to start now, in start order."""
    reserved: frozenset[str]
    """The queues where a job that does not fit holds a reservation."""
    waiting: dict[str, Waiting] = field(default_factory=dict)
    """Why each pending job that does not start waits, by job id."""


@dataclass(frozen=True)
class Waiting:
    """Why one pending job does not start in this pass."""

    reason: str  # "capacity" | "priority" | "reservation"
    queue: str
    request: Resources
    free: Resources  # the queue's room left after this pass's starts
    ahead: int = 0  # jobs waiting strictly ahead of it in the queue's order ("priority")
    held_for: str = ""  # the job holding the queue's reservation ("reservation")
    queue_open: bool = True  # False: the queue is closed or gone ("capacity")
    by_priority: bool = True  # "ahead" means of higher priority; False: created earlier

    def detail(self) -> dict[str, object]:
        """The structured part of a ``waiting`` event."""
        detail: dict[str, object] = {"queue": self.queue}
        detail["requested"] = resources.to_strings(self.request)
        detail["free"] = resources.to_strings(self.free)
        if self.reason == "priority":
            detail["ahead"] = self.ahead
            detail["order"] = "priority" if self.by_priority else "createTime"
        if self.reason == "reservation":
            detail["heldFor"] = self.held_for
        if not self.queue_open:
            detail["queueOpen"] = False
        return detail


def _shortfall(request: Resources, free: Resources) -> str:
    """``cpu 8 of 4 free, mem 16Gi of 8Gi free``: each requested resource that does not fit."""
    parts = []
    for name, amount in request.items():
        have = free.get(name, Decimal(0))
        if amount > 0 and amount > have:
            parts.append(f"{name} {_text(name, amount)} of {_text(name, have)} free")
    return ", ".join(parts) or "room that is taken"


def _text(name: str, amount: Decimal) -> str:
    """``8``, ``16Gi``: as the create error names amounts (``resources.describe``)."""
    return resources.describe({name: amount})[len(name) + 2 : -2]


def amounts_text(amounts: Resources) -> str:
    """``cpu 8, mem 16Gi``; ``nothing`` when every amount is zero."""
    parts = [f"{name} {_text(name, amount)}" for name, amount in amounts.items() if amount > 0]
    return ", ".join(parts) or "nothing"


def waiting_message(waiting: Waiting) -> str:
    """One sentence saying why the job waits, e.g. ``waiting for room in queue q: needs cpu 8
    of 4 free``."""
    queue = waiting.queue
    if waiting.reason == "reservation":
        return f"waiting in queue {queue}: its room is held for job {waiting.held_for}"
    if waiting.reason == "priority":
        plural = "job" if waiting.ahead == 1 else "jobs"
        kind = "of higher priority" if waiting.by_priority else "created earlier"
        return f"waiting in queue {queue} behind {waiting.ahead} {plural} {kind}"
    if not waiting.queue_open:
        return f"waiting for queue {queue}, which is not open"
    return f"waiting for room in queue {queue}: needs {_shortfall(waiting.request, waiting.free)}"


def pending_message(waiting: Waiting) -> str:
    """The job's ``message`` while it waits: PaddleFlow's ``Reason:message`` form of a waiting
    pod (``handlePendingPod``), e.g. ``Capacity:waiting for room in queue q: ...``."""
    return f"{waiting.reason.capitalize()}:{waiting_message(waiting)}"


def choose_jobs_to_start(
    capacity: Mapping[str, Resources],
    used: Mapping[str, Resources],
    pending: Sequence[PendingJob],
    now: float,
    reserve_after_seconds: float = DEFAULT_RESERVE_AFTER_SECONDS,
    *,
    policies: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """The ids of the pending jobs to start now, in start order (``decide(...).start``)."""
    return decide(capacity, used, pending, now, reserve_after_seconds, policies=policies).start


def decide(
    capacity: Mapping[str, Resources],
    used: Mapping[str, Resources],
    pending: Sequence[PendingJob],
    now: float,
    reserve_after_seconds: float = DEFAULT_RESERVE_AFTER_SECONDS,
    *,
    policies: Mapping[str, Sequence[str]] | None = None,
) -> Decision:
    """Which pending jobs start now, and which queues are held by a reservation.

    ``capacity`` maps a queue name to its max resources, ``used`` to the sum of its running
    jobs' requests, ``policies`` to its ``schedulingPolicy`` (none: served by creation time).
    Jobs of a queue missing from ``capacity`` do not start.
    """
    by_queue: dict[str, list[PendingJob]] = {}
    for job in pending:
        by_queue.setdefault(job.queue, []).append(job)
    chosen: list[str] = []
    reserved: set[str] = set()
    waiting: dict[str, Waiting] = {}
    for queue_name in sorted(by_queue):
        by_priority = orders_by_priority((policies or {}).get(queue_name))
        ordered = queue_order(by_queue[queue_name], by_priority)
        if queue_name not in capacity:
            for job in ordered:
                waiting[job.job_id] = Waiting("capacity", queue_name, job.request, {}, 0, "", False)
            continue
        maximum = capacity[queue_name]
        in_use = dict(used.get(queue_name, {}))
        started: set[str] = set()
        holder = ""
        for job in ordered:
            available = resources.subtract(maximum, in_use)
            if resources.fits(job.request, available):
                chosen.append(job.job_id)
                started.add(job.job_id)
                in_use = resources.add(in_use, job.request)
                continue
            could_ever_fit = resources.fits(job.request, maximum)
            if could_ever_fit and now - job.accepted_at >= reserve_after_seconds:
                reserved.add(queue_name)
                holder = job.job_id
                break
        free = resources.subtract(maximum, in_use)
        waiting.update(
            _reasons(queue_name, ordered, started, free, holder, by_priority=by_priority)
        )
    return Decision(chosen, frozenset(reserved), waiting)


def _reasons(
    queue: str,
    ordered: list[PendingJob],
    started: set[str],
    free: Resources,
    holder: str,
    *,
    by_priority: bool,
) -> dict[str, Waiting]:
    """Why each job of one queue (in queue order) that did not start waits: one walk. The jobs
    ahead of a job are the waiting ones of a smaller group (``queue_order.precedes_group``):
    the queue's order sorts by group first, so they are those seen before its group began."""
    reasons: dict[str, Waiting] = {}
    seen = 0  # waiting jobs walked so far
    group: tuple[float, ...] | None = None
    ahead = 0  # waiting jobs walked before the current group began
    behind_holder = False
    for job in ordered:
        if job.job_id in started:
            continue
        job_group = precedes_group(_key(job, by_priority), by_priority)
        if job_group != group:
            group, ahead = job_group, seen
        if behind_holder and resources.fits(job.request, free):
            reasons[job.job_id] = Waiting("reservation", queue, job.request, free, held_for=holder)
        elif ahead:
            reasons[job.job_id] = Waiting(
                "priority", queue, job.request, free, ahead=ahead, by_priority=by_priority
            )
        else:
            reasons[job.job_id] = Waiting("capacity", queue, job.request, free)
        seen += 1
        behind_holder = behind_holder or job.job_id == holder
    return reasons
