"""Where pfctl keeps what it can rebuild: login tokens and checked manifests.

Both live under one per-user cache directory (platformdirs' ``user_cache_dir``), which
``PFCTL_CACHE_DIR`` moves; ``PFCTL_NO_CACHE=1`` turns the manifest cache off.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_CACHE_DIR = "PFCTL_CACHE_DIR"
ENV_NO_CACHE = "PFCTL_NO_CACHE"


def default_cache_dir() -> Path:
    """``PFCTL_CACHE_DIR`` if set, else platformdirs' user cache directory for pfctl."""
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("pfctl", appauthor=False))


def manifest_cache_disabled() -> bool:
    """True when ``PFCTL_NO_CACHE`` is set to anything but ``""``, ``0`` or ``false``."""
    return os.environ.get(ENV_NO_CACHE, "").strip().lower() not in ("", "0", "false", "no")
