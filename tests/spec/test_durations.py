"""Durations as every --timeout and --interval reads them."""

from __future__ import annotations

import pytest

from pfctl.spec.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("2.5", 2.5),
        ("90s", 90),
        ("2m", 120),
        ("1h30m", 5400),
        ("1H30M15S", 5415),
        ("1h 30m", 5400),
        ("1.5h", 5400),
        (".5m", 30),
        (" 45s ", 45),
    ],
)
def test_durations_people_type(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "0", "0s", "-1", "abc", "1m1h", "5x", "1hh", "inf", "nan", "1e999", "m"]
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)
