"""The events of one job's replicas: started, could not start, exited, and the signals sent.

A ``JobExecution`` tells ``ReplicaEvents`` what happened; it writes the events to the store
(``pfctl.server.store.events``). Events are a record, not the job's state: one that cannot be
written (a full disk) is logged and dropped, and the job runs on.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pfctl.server.runtime.processes import ReplicaProcess
    from pfctl.server.store.events import JobEvents

logger = logging.getLogger("pfctl.server")

#: How much of a log's end is read for its last line.
_TAIL_BYTES = 4096


def last_log_line(path: Path) -> str:
    """The last non-blank line of the log at ``path`` ("" when there is none)."""
    try:
        with path.open("rb") as log:
            size = log.seek(0, 2)
            log.seek(max(0, size - _TAIL_BYTES))
            tail = log.read(_TAIL_BYTES)
    except OSError:
        return ""
    lines = [line.strip() for line in tail.decode("utf-8", "replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")


def signal_name(exit_code: int | None) -> str | None:
    """``SIGTERM`` for exit code -15 (killed by that signal); None for a normal exit."""
    if exit_code is None or exit_code >= 0:
        return None
    try:
        return signal.Signals(-exit_code).name
    except ValueError:
        return f"signal {-exit_code}"


class ReplicaEvents:
    """Writes the replica events of the job ``job_id``."""

    def __init__(self, events: JobEvents, job_id: str, grace_seconds: float) -> None:
        self._events = events
        self._job_id = job_id
        self._grace_seconds = grace_seconds
        self._replicas: dict[int, tuple[str, str, int]] = {}  # pid: name, role, index

    def _record(self, kind: str, message: str, **fields: Any) -> None:
        try:
            self._events.record(self._job_id, kind, message, **fields)
        except (sqlite3.Error, OSError) as error:
            logger.warning("job %s: event %s not recorded: %s", self._job_id, kind, error)

    def started(
        self, process: ReplicaProcess, name: str, role: str, index: int, work_dir: Path
    ) -> None:
        """The replica ``name`` (member ``role``, replica ``index``) runs as ``process``."""
        self._replicas[process.pid] = (name, role, index)
        self._record(
            "replica-started",
            f"replica {name} started, pid {process.pid}, in {work_dir}",
            member=role,
            replica=index,
            pid=process.pid,
            workDir=str(work_dir),
        )

    def failed_to_start(self, name: str, role: str, index: int, error: OSError) -> None:
        """The replica could not be started."""
        self._record(
            "failed-to-start",
            f"replica {name} could not start: {error}",
            member=role,
            replica=index,
        )

    def exited(self, process: ReplicaProcess, exit_code: int | None) -> None:
        """The replica's command ended with ``exit_code`` (negative: killed by a signal)."""
        name, role, index = self._replicas.get(process.pid, ("replica", "", 0))
        killed_by = signal_name(exit_code)
        how = f"was killed by {killed_by}" if killed_by else f"exited with code {exit_code}"
        line = last_log_line(process.spec.log_path)
        self._record(
            "replica-exited",
            f"replica {name} {how}" + (f"; last log line: {line}" if line else ""),
            member=role,
            replica=index,
            pid=process.pid,
            exitCode=exit_code,
            signal=killed_by,
            lastLogLine=line or None,
        )

    def signalled(self, signal_sent: str, processes: list[ReplicaProcess]) -> None:
        """``processes.stop_all`` sent TERM or KILL to ``processes`` (its ``on_signal``)."""
        names = ", ".join(self._replicas.get(p.pid, (str(p.pid), "", 0))[0] for p in processes)
        if signal_sent == "TERM":
            kind, message = "term-sent", f"TERM sent to {names}"
        else:
            kind = "kill-sent"
            message = f"KILL sent to {names} after the {self._grace_seconds:g}s grace period"
        self._record(kind, message, detail={"replicas": names.split(", ")})
