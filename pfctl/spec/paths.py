"""JSON paths inside a document: tuples of keys and indices, shown as ``$.members[1].role``; and
``escape_text``, which every message goes through before it is printed."""

from __future__ import annotations

import json
import re

__all__ = ["Path", "escape_text", "format_field_path", "format_path"]

Path = tuple[str | int, ...]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_text(text: str) -> str:
    """``text`` as it may be printed on one line of a log: every character that is not
    printable (controls such as a newline, format characters such as U+200B and the bidi
    controls, separators other than the space such as U+00A0 and U+2028, surrogates, private
    and unassigned code points) shown as an escape, ``\\n`` or ``\\u200b``.

    Without it, a manifest could print a line of its own choosing (a forged problem of another
    file in a CI log) or hide a difference from a reviewer.
    """
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def format_path(path: Path) -> str:
    """``("members", 1, "role")`` -> ``$.members[1].role``; odd keys are quoted: ``$["a/b"]``."""
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(part):
            parts.append(f".{part}")
        else:
            parts.append(f"[{escape_text(json.dumps(part, ensure_ascii=False))}]")
    return "".join(parts)


def format_field_path(path: Path) -> str:
    """``("members", 0, "image")`` -> ``members[0].image``: a field of a job, as plans name it.

    Relative to the job, so without ``$``; odd keys are quoted as ASCII-only JSON, as plans have
    always shown them: ``labels["app.kubernetes.io/name"]``.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{escape_text(json.dumps(part))}]"
    return text
