"""Time values as PaddleFlow shows them: ``YYYY-MM-DD HH:MM:SS`` in local time, no zone."""

from __future__ import annotations

import time
from datetime import datetime

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def now() -> float:
    """Seconds since the epoch (what the database stores)."""
    return time.time()


def format_time(epoch_seconds: float | None) -> str:
    """``YYYY-MM-DD HH:MM:SS`` for a stored time, ``""`` when unset."""
    if epoch_seconds is None:
        return ""
    return datetime.fromtimestamp(epoch_seconds).strftime(TIME_FORMAT)


def parse_time(text: str) -> float:
    """The epoch seconds of a ``YYYY-MM-DD HH:MM:SS`` local time; ValueError if malformed."""
    return datetime.strptime(text, TIME_FORMAT).timestamp()
