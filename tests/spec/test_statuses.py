"""PaddleFlow's job statuses, the final ones, and the status-transition rule."""

from __future__ import annotations

import pytest

from pfctl.spec import statuses
from pfctl.spec.statuses import (
    ALL_STATUSES,
    FINAL_STATUSES,
    PRIORITY_MUTABLE_STATUSES,
    UNSUCCESSFUL_STATUSES,
    is_final,
    transition,
)


def test_the_sets_follow_paddleflow() -> None:
    assert len(set(ALL_STATUSES)) == len(ALL_STATUSES) == 11
    assert sorted(FINAL_STATUSES) == [
        "cancelled",
        "failed",
        "preempted",
        "skipped",
        "succeeded",
        "terminated",
    ]
    assert UNSUCCESSFUL_STATUSES < FINAL_STATUSES
    assert "succeeded" not in UNSUCCESSFUL_STATUSES and "skipped" not in UNSUCCESSFUL_STATUSES
    assert sorted(PRIORITY_MUTABLE_STATUSES) == ["init", "pending"]
    assert set(ALL_STATUSES) >= FINAL_STATUSES | PRIORITY_MUTABLE_STATUSES


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_is_final(status: str) -> None:
    assert is_final(status) is (status in FINAL_STATUSES)


@pytest.mark.parametrize("final", sorted(FINAL_STATUSES))
@pytest.mark.parametrize("incoming", ALL_STATUSES)
def test_a_final_status_never_changes(final: str, incoming: str) -> None:
    assert transition(final, incoming, "any message") == (final, "")


@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        ("terminating", "running", ("terminating", "job is terminating")),
        ("terminating", "failed", ("terminated", "job is terminated")),
        ("terminating", "succeeded", ("terminated", "job is terminated")),
        ("terminating", "pending", ("terminated", "job is terminated")),
        ("preempting", "failed", ("preempted", "why")),
        ("preempting", "running", ("preempting", "why")),
        ("init", "pending", ("pending", "why")),
        ("pending", "running", ("running", "why")),
        ("running", "succeeded", ("succeeded", "why")),
        ("running", "terminating", ("terminating", "why")),
    ],
)
def test_transition(current: str, incoming: str, expected: tuple[str, str]) -> None:
    assert transition(current, incoming, "why") == expected


def test_status_names_are_the_wire_spelling() -> None:
    names = [getattr(statuses, name) for name in dir(statuses) if name.isupper()]
    spelled = [name for name in names if isinstance(name, str)]
    assert sorted(spelled) == sorted(ALL_STATUSES)
