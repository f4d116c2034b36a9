"""The room workflow nodes take in their queue (``queue_room``), and the reservations that hold
them back (``placement.decide``)."""

from __future__ import annotations

import threading
from decimal import Decimal

from pfctl.server.runtime.placement import PendingJob, decide
from pfctl.server.runtime.queue_room import QueueRoom
from pfctl.spec.resources import Resources


def cpu(amount: int) -> Resources:
    return {"cpu": Decimal(amount)}


def room_of(maximum: int, jobs: int = 0) -> tuple[QueueRoom, threading.Lock]:
    lock = threading.Lock()
    room = QueueRoom(lock, lambda: {"q": cpu(jobs)}, lambda name: cpu(maximum), lambda: None)
    return room, lock


def never() -> bool:
    return False


def test_nodes_take_room_next_to_the_running_jobs_and_wait_for_more() -> None:
    room, _ = room_of(maximum=3, jobs=1)
    assert room.admit("q", cpu(1), never) is None
    assert room.admit("q", cpu(1), never) is None
    assert room.used() == {"q": cpu(2)}
    admitted = threading.Event()
    waiter = threading.Thread(
        target=lambda: admitted.set() if room.admit("q", cpu(1), never) is None else None
    )
    waiter.start()
    assert not admitted.wait(0.3)  # the queue is full: jobs 1 + nodes 2 of 3
    room.release("q", cpu(1))
    assert admitted.wait(10)
    waiter.join()
    assert room.used() == {"q": cpu(2)}


def test_a_node_larger_than_the_queue_is_refused_at_once() -> None:
    room, _ = room_of(maximum=2)
    assert room.admit("q", cpu(3), never) == (
        "the node requests [cpu: 3, ], more than queue q's maximum [cpu: 2, ]"
    )
    assert room.admit("q", {}, never) is None  # unsized: nothing to admit
    assert room.used() == {}


def test_a_reservation_holds_nodes_back_and_a_halt_ends_the_wait() -> None:
    room, lock = room_of(maximum=4)
    with lock:
        room.reserved = frozenset({"q"})
        room.changed()
    halted = threading.Event()
    answers: list[str | None] = []
    waiter = threading.Thread(target=lambda: answers.append(room.admit("q", cpu(1), halted.is_set)))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive()
    halted.set()
    waiter.join(10)
    assert answers == ["the workflow was halted while the node waited for room"]
    assert room.used() == {}


def test_decide_names_the_queues_held_by_a_reservation() -> None:
    pending = [
        PendingJob("big", "q", "NORMAL", 0.0, cpu(4)),
        PendingJob("small", "q", "NORMAL", 1.0, cpu(1)),
        PendingJob("other", "r", "NORMAL", 0.0, cpu(1)),
    ]
    capacity = {"q": cpu(4), "r": cpu(1)}
    young = decide(capacity, {"q": cpu(2)}, pending, now=10.0, reserve_after_seconds=60.0)
    assert (young.start, young.reserved) == (["small", "other"], frozenset())
    old = decide(capacity, {"q": cpu(2)}, pending, now=100.0, reserve_after_seconds=60.0)
    assert (old.start, old.reserved) == (["other"], frozenset({"q"}))
