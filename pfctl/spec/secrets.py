"""Which values are secrets, and how they are masked wherever a job is shown (DESIGN.md §4.11).

One rule for every place that shows a job: plans (``pfctl diff``/``apply``) and the local
server's web view. Env values whose key looks secret (``*PASSWORD*``, ``*TOKEN*``, ``*SECRET*``,
``*KEY*``, case-insensitive) are replaced by ``MASK``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "(sensitive)"

_SECRET_KEY = re.compile(r"PASSWORD|TOKEN|SECRET|KEY", re.IGNORECASE)


def is_secret_key(key: str) -> bool:
    """True for env keys whose values are masked (``*PASSWORD*``, ``*TOKEN*``, ``*SECRET*``,
    ``*KEY*``, case-insensitive)."""
    return bool(_SECRET_KEY.search(key))


def mask_value(path: tuple[str | int, ...], value: Any) -> Any:
    """``value`` at ``path`` with the values of secret-looking env keys replaced by a mask."""
    for index, part in enumerate(path):
        if part == "env" and index + 1 < len(path):
            key = path[index + 1]
            if isinstance(key, str) and is_secret_key(key):
                return MASK if value is not None else None
    if isinstance(value, Mapping):
        return {str(k): mask_value((*path, str(k)), v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value((*path, i), v) for i, v in enumerate(value)]
    return value
