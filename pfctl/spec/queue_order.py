"""The order in which a queue considers its waiting jobs: one rule for the local scheduler and
for ``pfctl queue show``, so the order a user is shown is the order jobs start in.

PaddleFlow's rule (``QueueInfo.JobOrderFn``, ``pkg/job/api/queue.go``): the sort policies the
queue's ``schedulingPolicy`` lists, in that order, then creation time, earliest first, then job
id. The one sort policy PaddleFlow registers is ``priority`` (``pkg/job/queue/sortpolicy``:
higher first); other names are skipped with a warning. A queue created without a
``schedulingPolicy`` (``default-queue`` among them) has none, so it serves its jobs by creation
time.

The server compares creation times as it stores them (to the microsecond; PaddleFlow keeps
milliseconds), so jobs created one after the other are served first come, first served. A client
sees creation times to the second only, as PaddleFlow's API shows them (``acceptTime``,
``YYYY-MM-DD HH:MM:SS``): ``pfctl queue show`` computes the same order, except that it lists
jobs created within one second by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pfctl.spec.rules import priority_rank

#: The sort policy PaddleFlow registers (``sortpolicy.PriorityPolicyName``).
PRIORITY_POLICY = "priority"
#: How the API writes a creation time (PaddleFlow's ``2006-01-02 15:04:05``, local time).
CREATE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

#: A job's place: (priority rank or 0, creation time, id); smaller is served first.
OrderKey = tuple[int, float, str]


def orders_by_priority(scheduling_policy: Iterable[str] | None) -> bool:
    """Whether a queue with this ``schedulingPolicy`` serves higher priorities first."""
    return PRIORITY_POLICY in (scheduling_policy or ())


def create_time_seconds(text: str | None) -> float:
    """The epoch seconds of a creation time as the API writes it; 0 when empty or malformed
    (such a job goes first among its priority)."""
    try:
        return datetime.strptime(str(text or ""), CREATE_TIME_FORMAT).timestamp()
    except ValueError:
        return 0.0


def order_key(by_priority: bool, priority: str | None, created: float, job_id: str) -> OrderKey:
    """Where a job stands in its queue: sort a queue's jobs by this key."""
    return (priority_rank(priority) if by_priority else 0, created, job_id)


def precedes_group(key: OrderKey, by_priority: bool) -> tuple[float, ...]:
    """The part of the key that puts a job strictly ahead of another: its priority on a queue
    ordered by priority, its creation time otherwise. A job waits *behind* the waiting jobs
    whose group is smaller than its own (``Priority:`` pending reason)."""
    return key[:1] if by_priority else key[:2]
