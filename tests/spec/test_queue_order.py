"""The queue order rule shared by the local scheduler and ``pfctl queue show``."""

from __future__ import annotations

from datetime import datetime

from pfctl.spec.queue_order import (
    CREATE_TIME_FORMAT,
    create_time_seconds,
    order_key,
    orders_by_priority,
    precedes_group,
)


def test_only_a_listed_priority_policy_orders_by_priority() -> None:
    assert orders_by_priority(["priority"]) and orders_by_priority(["fifo", "priority"])
    assert not orders_by_priority([]) and not orders_by_priority(None)
    assert not orders_by_priority(["fifo"]) and not orders_by_priority(["Priority"])


def test_the_key_is_priority_when_listed_then_the_creation_time_then_id() -> None:
    assert order_key(True, "HIGH", 10.7, "b") < order_key(True, "NORMAL", 3.0, "a")
    assert order_key(False, "HIGH", 10.7, "b") > order_key(False, "NORMAL", 3.0, "a")
    # Within one second the earlier job goes first, whatever the ids; the same time: the id.
    assert order_key(False, "LOW", 10.1, "b") < order_key(False, "LOW", 10.9, "a")
    assert order_key(False, "LOW", 10.5, "a") < order_key(False, "LOW", 10.5, "b")
    assert precedes_group(order_key(True, "LOW", 10.9, "a"), True) == (3,)
    assert precedes_group(order_key(False, "LOW", 10.9, "a"), False) == (0, 10.9)


def test_a_shown_creation_time_reads_back_as_its_epoch_second() -> None:
    epoch = 1_780_000_000.25
    shown = datetime.fromtimestamp(epoch).strftime(CREATE_TIME_FORMAT)
    assert create_time_seconds(shown) == 1_780_000_000.0
    assert create_time_seconds("") == create_time_seconds("9") == 0.0
