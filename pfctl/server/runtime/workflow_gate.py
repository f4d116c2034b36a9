"""What a workflow's leaf node waits for before it starts: a parallelism slot, then its queue.

``ParallelismSlots`` bounds the leaf nodes of one run that are running at once. A ``NodeGate``
admits a node's ``resources.requests`` into the job's queue, as the queue admits a job: the
runner's gate (``runner.LocalRuntime``) charges the node against the queue while it runs, so a
workflow's parallel steps together stay within the queue's ``maxResources``. ``OpenGate`` admits
everything (a run outside any queue, as in tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from pfctl.spec.resources import Resources

__all__ = ["NodeGate", "OpenGate", "ParallelismSlots"]

# How long a waiting node sleeps at most before it looks again (a halt also wakes it at once).
_WAIT_SECONDS = 0.5

Halted = Callable[[], bool]


class NodeGate(Protocol):
    """Admission of a leaf node's request into its job's queue."""

    def admit(self, request: Resources, halted: Halted) -> str | None:
        """Block until ``request`` may start (None), or say why it cannot (it never fits, or
        the run was halted while it waited)."""

    def release(self, request: Resources) -> None:
        """Give back what ``admit`` granted: the node has ended."""


class OpenGate:
    """Admits every node at once."""

    def admit(self, request: Resources, halted: Halted) -> str | None:
        """Always None: nothing to wait for."""
        return None

    def release(self, request: Resources) -> None:
        """Nothing to give back."""


class ParallelismSlots:
    """``size`` slots, one per running leaf node; waiters give up when the run halts."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._free = self.size
        self._condition = threading.Condition()

    def acquire(self, halted: Halted) -> bool:
        """Take a slot (True), or False once ``halted()`` while waiting for one."""
        with self._condition:
            while self._free == 0 and not halted():
                self._condition.wait(_WAIT_SECONDS)
            if halted():
                return False
            self._free -= 1
            return True

    def release(self) -> None:
        """Give a slot back."""
        with self._condition:
            self._free += 1
            self._condition.notify()

    def wake_all(self) -> None:
        """Make every waiter look at ``halted()`` again now."""
        with self._condition:
            self._condition.notify_all()
