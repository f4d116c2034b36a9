"""The ``--timeout`` and ``--interval`` options: durations as ``pfctl.spec.durations`` reads
them, refused as usage errors (exit 2) naming the option."""

from __future__ import annotations

import typer

from pfctl.spec.durations import parse_duration

DURATION_METAVAR = "DURATION"


def duration(text: str | float) -> float:
    """Typer's ``parser`` for a duration option."""
    if isinstance(text, float):
        return text
    try:
        return parse_duration(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
