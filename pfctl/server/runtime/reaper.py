"""Finding and killing every process a replica started, wherever it went.

Two ways to find them:

- the replica's supervisor's subtree: the supervisor is a child subreaper, so processes that
  called ``setsid`` or were orphaned by a double fork are re-parented to it and stay below it;
- the marker ``PFCTL_JOB_TOKEN=<token>`` (one random token per replica) in
  ``/proc/<pid>/environ``, inherited by whatever the replica starts: it finds them even when the
  supervisor is gone (killed by the job's own user).

Killing freezes first (SIGSTOP, scanning again until nothing new appears, so nothing forks
away while it is being killed), then sends SIGKILL to everything it froze.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Collection, Mapping

from pfctl.server.runtime.supervisor import (
    ProcessInfo,
    descendants,
    process_table,
    read_process,
    send_signal,
)

TOKEN_ENV = "PFCTL_JOB_TOKEN"
_POLL_SECONDS = 0.02
_MAX_ROUNDS = 200

Selector = Callable[[Mapping[int, ProcessInfo]], list[ProcessInfo]]


def freeze_and_kill(select: Selector) -> int:
    """SIGSTOP what ``select`` picks from the process table until it picks nothing new, then
    SIGKILL all of it; how many processes were killed."""
    own = os.getpid()
    frozen: dict[int, ProcessInfo] = {}
    for _ in range(_MAX_ROUNDS):
        fresh = [
            info for info in select(process_table()) if info.pid not in frozen and info.pid != own
        ]
        if not fresh:
            break
        for info in fresh:
            send_signal(info, signal.SIGSTOP)
            frozen[info.pid] = info  # also when not allowed: it must not be picked again
    for info in frozen.values():
        send_signal(info, signal.SIGKILL)
    return len(frozen)


def same_process(info: ProcessInfo, table: Mapping[int, ProcessInfo]) -> bool:
    """Whether ``info`` still names a living process (not a later one with its pid)."""
    current = table.get(info.pid)
    return current is not None and current.alive and current.start_ticks == info.start_ticks


def kill_tree(root: ProcessInfo, *, include_root: bool = True, timeout: float = 5.0) -> int:
    """Kill every process below ``root`` (and ``root`` itself once they are gone); the count.

    ``root`` is a supervisor: it reaps what is killed below it and exits when nothing is left,
    so it is killed only if it does not exit within ``timeout``.
    """

    def below_root(table: Mapping[int, ProcessInfo]) -> list[ProcessInfo]:
        return descendants(root.pid, table) if same_process(root, table) else []

    killed = freeze_and_kill(below_root)
    deadline = time.monotonic() + timeout
    while below_root(process_table()) and time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
    if include_root:
        while time.monotonic() < deadline and _alive(root):
            time.sleep(_POLL_SECONDS)
        if _alive(root) and send_signal(root, signal.SIGKILL):
            killed += 1
    return killed


def _alive(info: ProcessInfo) -> bool:
    current = read_process(info.pid)
    return current is not None and current.alive and current.start_ticks == info.start_ticks


def carries_token(pid: int, markers: Collection[bytes]) -> bool:
    """Whether ``pid``'s environment holds one of ``markers`` (``NAME=VALUE`` entries)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as stream:
            entries = stream.read().split(b"\0")
    except OSError:
        return False
    return any(entry in markers for entry in entries)


def sweep_tokens(tokens: Collection[str]) -> int:
    """Kill every process carrying one of ``tokens`` and everything below them; the count."""
    if not tokens:
        return 0
    markers = {f"{TOKEN_ENV}={token}".encode() for token in tokens}

    def marked(table: Mapping[int, ProcessInfo]) -> list[ProcessInfo]:
        found = {
            info.pid: info
            for info in table.values()
            if info.alive and carries_token(info.pid, markers)
        }
        for info in list(found.values()):
            for below in descendants(info.pid, table):
                found.setdefault(below.pid, below)
        return list(found.values())

    return freeze_and_kill(marked)
