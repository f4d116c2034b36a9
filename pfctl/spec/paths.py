"""JSON paths inside a document: tuples of keys and indices, shown as ``$.members[1].role``."""

from __future__ import annotations

import json
import re

__all__ = ["Path", "format_field_path", "format_path"]

Path = tuple[str | int, ...]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def format_path(path: Path) -> str:
    """``("members", 1, "role")`` -> ``$.members[1].role``; odd keys are quoted: ``$["a/b"]``."""
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(part):
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(part, ensure_ascii=False)}]")
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
            text += f"[{json.dumps(part)}]"
    return text
