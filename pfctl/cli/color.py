"""One switch for colour: ``--color auto|always|never``, then ``NO_COLOR`` and ``FORCE_COLOR``.

``auto`` (the default) colours a stream that is a terminal, unless ``NO_COLOR`` is set to
anything non-empty (no-color.org); ``FORCE_COLOR`` set to anything non-empty but ``0`` colours
even a pipe (as CI log viewers want). ``--color always`` and ``never`` override both.

What is coloured: ``error:`` red, ``warning:`` yellow, and the diff's actions in its own colours
(:mod:`pfctl.apply.render`).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import TextIO


class ColorMode(str, Enum):
    """Values of ``--color``."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


_mode = ColorMode.AUTO

RED = "31"
YELLOW = "33"
_SEVERITY_COLORS = {"error:": RED, "warning:": YELLOW}


def set_mode(mode: ColorMode) -> None:
    """Set the mode for this run (the root ``--color`` option)."""
    global _mode  # noqa: PLW0603 - one switch for the whole process, set once at start-up
    _mode = mode


def enabled(stream: TextIO | None = None) -> bool:
    """Whether to colour what is written to ``stream`` (stdout by default)."""
    if _mode is ColorMode.ALWAYS:
        return True
    if _mode is ColorMode.NEVER:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR")
    if force and force != "0":
        return True
    target = stream if stream is not None else sys.stdout
    try:
        return target.isatty()
    except (AttributeError, ValueError):
        return False


def paint(text: str, code: str, *, stream: TextIO | None = None) -> str:
    """``text`` in colour ``code`` (an SGR number) when colour is on for ``stream``."""
    if not enabled(stream):
        return text
    return f"\x1b[{code}m{text}\x1b[0m"


def severity(line: str, *, stream: TextIO | None = None) -> str:
    """``line`` with its severity word coloured: a leading ``error:``/``warning:``, or the one
    after the location of a diagnostic (``file:1:2: error: $.path: ...``)."""
    for word, code in _SEVERITY_COLORS.items():
        if line.startswith(word):
            return paint(word, code, stream=stream) + line[len(word) :]
        infix = f": {word} "
        at = line.find(infix)
        if at >= 0:
            start = at + 2
            end = start + len(word)
            return line[:start] + paint(word, code, stream=stream) + line[end:]
    return line
