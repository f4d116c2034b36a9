"""JSON paths inside a document: tuples of keys and indices, shown as ``$.members[1].role``."""

from __future__ import annotations

import json
import re

__all__ = ["Path", "format_path"]

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
