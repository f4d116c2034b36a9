"""The room workflow nodes take in their job's queue while they run.

A workflow job requests nothing itself; each of its leaf nodes with ``resources.requests`` is
admitted into the queue when it starts and gives its room back when it ends, as Volcano admits a
workflow's pods one by one. A node starts when its request fits in what the queue has left (the
running jobs' requests plus the running nodes'), and waits while it does not, or while a pending
job holds the queue's reservation (docs/scheduler.md), so a wide workflow cannot starve a big
job. A node larger than the whole queue fails at once.

``QueueRoom`` works under the runner's lock: a scheduling pass reads ``used`` and sets
``reserved`` while holding it, so a pass and an admission never both take the same room.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from pfctl.server.runtime.workflow_gate import Halted, NodeGate
from pfctl.spec import resources
from pfctl.spec.resources import Resources

__all__ = ["QueueRoom"]

# How long a waiting node sleeps at most before it looks again (room given back wakes it).
_WAIT_SECONDS = 0.5


class QueueRoom:
    """What the running workflow nodes of each queue use, and the gates that admit them."""

    def __init__(
        self,
        lock: threading.Lock,
        jobs_used: Callable[[], Mapping[str, Resources]],
        maximum: Callable[[str], Resources | None],
        on_change: Callable[[], None],
    ) -> None:
        """``jobs_used`` (called with ``lock`` held) gives the running jobs' requests by queue,
        ``maximum`` a queue's ``maxResources`` (None when it is gone), and ``on_change`` is
        called, without the lock, after a node took or gave back room."""
        self._condition = threading.Condition(lock)
        self._jobs_used = jobs_used
        self._maximum = maximum
        self._on_change = on_change
        self._nodes: dict[str, Resources] = {}
        #: Queues where a pending job holds a reservation (set by the runner, lock held).
        self.reserved: frozenset[str] = frozenset()

    def used(self) -> dict[str, Resources]:
        """What running nodes use, by queue (call with the lock held)."""
        return {queue: dict(amounts) for queue, amounts in self._nodes.items()}

    def changed(self) -> None:
        """Room or reservations changed: waiting nodes look again (call with the lock held)."""
        self._condition.notify_all()

    def gate(self, queue: str) -> NodeGate:
        """The gate of the nodes of one job of ``queue``."""
        return _QueueGate(self, queue)

    def admit(self, queue: str, request: Resources, halted: Halted) -> str | None:
        """Block until ``request`` fits in ``queue`` (None), or say why it cannot start."""
        if not any(amount > 0 for amount in request.values()):
            return None
        maximum = self._maximum(queue)
        if maximum is None:
            return f"queue {queue} does not exist any more"
        if not resources.fits(request, maximum):
            return (
                f"the node requests [{resources.describe(request)}], more than queue "
                f"{queue}'s maximum [{resources.describe(maximum)}]"
            )
        with self._condition:
            while not halted():
                in_use = resources.add(self._jobs_used().get(queue, {}), self._nodes.get(queue, {}))
                if queue not in self.reserved and resources.fits(
                    request, resources.subtract(maximum, in_use)
                ):
                    self._nodes[queue] = resources.add(self._nodes.get(queue, {}), request)
                    break
                self._condition.wait(_WAIT_SECONDS)
            else:
                return "the workflow was halted while the node waited for room"
        self._on_change()
        return None

    def release(self, queue: str, request: Resources) -> None:
        """Give back what ``admit`` granted."""
        if not any(amount > 0 for amount in request.values()):
            return
        with self._condition:
            left = resources.subtract(self._nodes.get(queue, {}), request)
            if any(amount > 0 for amount in left.values()):
                self._nodes[queue] = left
            else:
                self._nodes.pop(queue, None)
            self._condition.notify_all()
        self._on_change()


class _QueueGate:
    def __init__(self, room: QueueRoom, queue: str) -> None:
        self._room = room
        self._queue = queue

    def admit(self, request: Resources, halted: Halted) -> str | None:
        return self._room.admit(self._queue, request, halted)

    def release(self, request: Resources) -> None:
        self._room.release(self._queue, request)
