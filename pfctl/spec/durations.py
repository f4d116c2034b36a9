"""Durations as people type them: ``90``, ``2.5``, ``90s``, ``2m``, ``1h30m``, ``1h 30m 15s``.

A bare number is seconds. Units are ``h``, ``m`` and ``s``, each at most once and in that order,
as Go's ``time.ParseDuration`` and kubectl's ``--timeout`` read them (without the sub-second
units, which no pfctl option needs).
"""

from __future__ import annotations

import math
import re

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_DURATION = re.compile(
    rf"(?:(?P<h>{_NUMBER})h)?\s*(?:(?P<m>{_NUMBER})m)?\s*(?:(?P<s>{_NUMBER})s)?", re.IGNORECASE
)
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str) -> float:
    """Seconds in ``text``; ``ValueError`` for anything else, zero or a negative time."""
    raw = text.strip()
    try:
        seconds = float(raw)
    except ValueError:
        found = _DURATION.fullmatch(raw)
        if not raw or found is None or not any(found.groupdict().values()):
            raise ValueError(
                f"invalid duration {text!r}: use seconds (90) or units h, m, s (90s, 2m, 1h30m)"
            ) from None
        seconds = sum(
            float(value) * _SECONDS[unit] for unit, value in found.groupdict().items() if value
        )
    if not 0 < seconds < math.inf:
        raise ValueError(f"invalid duration {text!r}: it must be a finite time above zero")
    return seconds
