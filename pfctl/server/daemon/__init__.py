"""Running the server: in the foreground, in the background, and finding/stopping it later.

- ``process``: the data directory, the pid file, ``start``/``stop``/``status`` of a background
  server (``pfctl server start`` runs ``pfctl server run`` detached);
- ``serve``: ``run_foreground``, what ``pfctl server run`` does;
- ``connections``: the deadline for a request to arrive and the cap on open connections;
- ``serverlog``: the log, size-bounded, with repeated lines collapsed.

``pfctl server`` only parses options, calls these functions and prints what they return.
"""

from __future__ import annotations

from pfctl.server.daemon.process import (
    LOG_FILE,
    PID_FILE,
    AlreadyRunningError,
    ServeOptions,
    ServerInfo,
    StartOutcome,
    answers,
    default_data_dir,
    recorded_server,
    resolve_data_dir,
    start,
    start_background,
    status,
    stop,
)
from pfctl.server.daemon.serve import run_foreground

__all__ = [
    "LOG_FILE",
    "PID_FILE",
    "AlreadyRunningError",
    "ServeOptions",
    "ServerInfo",
    "StartOutcome",
    "answers",
    "default_data_dir",
    "recorded_server",
    "resolve_data_dir",
    "run_foreground",
    "start",
    "start_background",
    "status",
    "stop",
]
