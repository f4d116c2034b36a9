"""What `pfctl queue list` and `queue show` report about a queue beyond its object: how many of
its jobs wait and run, and the order in which its waiting jobs are considered.

Read through PaddleFlow's own routes only (``GET /queue``, ``GET /queue/{name}``, ``GET /job`` with
``queue`` and ``status``), so the same report works against a PaddleFlow deployment. A user who is
not root sees only their own jobs there, so the counts are of the jobs the user may see.

The order is the one the local scheduler serves (``pfctl.spec.queue_order``, PaddleFlow's
``QueueInfo.JobOrderFn`` in ``pkg/job/api/queue.go``): by priority, higher first (VERY_HIGH ..
VERY_LOW), when the queue's ``schedulingPolicy`` lists ``priority``, then by creation time
(``acceptTime``, to the second), then by id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pfctl.spec.queue_order import create_time_seconds, order_key, orders_by_priority
from pfctl.spec.rules import DEFAULT_PRIORITY
from pfctl.spec.statuses import INIT, PENDING, RUNNING

if TYPE_CHECKING:
    from pfctl.client.api import PaddleFlowClient

#: Statuses counted as waiting: accepted and not started (``init`` lasts until the scheduler
#: takes the job).
WAITING_STATUSES = (INIT, PENDING)
#: The keys pfctl adds to a queue object in its JSON and YAML output.
PENDING_KEY, RUNNING_KEY, ORDER_KEY = "pendingJobs", "runningJobs", "pendingOrder"
_ORDER_FIELDS = ("id", "name", "status", "acceptTime", "message")


def job_priority(job: Mapping[str, Any]) -> str:
    """The job's priority as shown (NORMAL when it names none)."""
    policy = job.get("schedulingPolicy") or {}
    return str(policy.get("priority") or DEFAULT_PRIORITY).upper()


def pending_order(
    jobs: Iterable[Mapping[str, Any]], scheduling_policy: Sequence[str] | None
) -> list[Mapping[str, Any]]:
    """``jobs`` in the order the queue considers them (see the module's docstring)."""
    by_priority = orders_by_priority(scheduling_policy)

    def key(job: Mapping[str, Any]) -> tuple[int, float, str]:
        created = create_time_seconds(job.get("acceptTime") or job.get("createTime"))
        return order_key(by_priority, job_priority(job), created, str(job.get("id")))

    return sorted(jobs, key=key)


def order_entry(position: int, job: Mapping[str, Any]) -> dict[str, Any]:
    """A waiting job as ``pendingOrder`` lists it."""
    entry: dict[str, Any] = {"position": position}
    for name in _ORDER_FIELDS:
        entry[name] = job.get(name)
    entry["user"] = job.get("UserName") or job.get("userName")
    entry["priority"] = job_priority(job)
    return entry


def queue_report(client: PaddleFlowClient, name: str) -> dict[str, Any]:
    """``GET /queue/{name}`` with the counts of its waiting and running jobs and the order of
    the waiting ones."""
    queue = client.get_queue(name)
    waiting = [
        job for status in WAITING_STATUSES for job in client.iter_jobs(queue=name, status=status)
    ]
    running = sum(1 for _ in client.iter_jobs(queue=name, status=RUNNING))
    ordered = pending_order(waiting, queue.get("schedulingPolicy"))
    return {
        **queue,
        PENDING_KEY: len(waiting),
        RUNNING_KEY: running,
        ORDER_KEY: [order_entry(index, job) for index, job in enumerate(ordered, start=1)],
    }


def queues_report(client: PaddleFlowClient, queues: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The listed queues with their used and idle resources (read one by one from a server whose
    list leaves them out, as PaddleFlow's does) and the counts of their waiting and running
    jobs (one listing per status, whatever the number of queues)."""
    waiting: Counter[str] = Counter()
    running: Counter[str] = Counter()
    for status in (*WAITING_STATUSES, RUNNING):
        counter = running if status == RUNNING else waiting
        for job in client.iter_jobs(status=status):
            counter[str((job.get("schedulingPolicy") or {}).get("queue") or "")] += 1
    reports = []
    for queue in queues:
        full = dict(queue)
        if "usedResources" not in full and full.get("name"):
            full = client.get_queue(str(full["name"]))
        name = str(full.get("name") or "")
        reports.append({**full, PENDING_KEY: waiting[name], RUNNING_KEY: running[name]})
    return reports
