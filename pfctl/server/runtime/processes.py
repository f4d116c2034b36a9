"""Replica processes: launch as a process group, watch, stop, and clean up after a crash.

Every replica runs in a new session (so its process group id is its pid) with stdout and stderr
appended to one log file. Stopping sends TERM to the whole group, then KILL after a grace period.
The pid and start time of every group are recorded in a small file per job, so a server that was
killed can end the groups it left behind when it starts again (``kill_recorded_groups``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_POLL_SECONDS = 0.05


def wrap_command(command: str, work_dir: str) -> list[str]:
    """The container command PaddleFlow builds (``generateContainerCommand``).

    A leading ``bash -c`` or ``sh -c`` is trimmed, then ``sh -c "cd WORKDIR; COMMAND"``.
    """
    if command.startswith("bash -c"):
        command = command[len("bash -c") :]
    if command.startswith("sh -c"):
        command = command[len("sh -c") :]
    if work_dir:
        quoted = shlex.quote(work_dir)
        command = f"cd {quoted}; {command}" if command else f"cd {quoted}"
    return ["sh", "-c", command]


def replica_argv(command: str, args: Sequence[str], work_dir: str) -> list[str]:
    """The full argv of a replica: the wrapped command, then ``args`` (as a pod's Args)."""
    if not command and args:
        # No command: a pod would run the image's entrypoint with these args; here, the args.
        return [str(arg) for arg in args]
    return wrap_command(command, work_dir) + [str(arg) for arg in args]


def allocate_loopback_ports(count: int) -> list[int]:
    """``count`` distinct ports that were free on 127.0.0.1 a moment ago."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _start_ticks(pid: int) -> str | None:
    """The kernel start time of ``pid`` (``/proc/<pid>/stat`` field 22), None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is still alive (zombies do not count)."""
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
                return True
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def end_groups(pgids: Sequence[int], grace_seconds: float, reap: object = None) -> None:
    """TERM every group, wait up to ``grace_seconds`` for them to go, then KILL what is left.

    ``reap`` (optional callable) is called while waiting so exited leaders do not linger.
    """
    for pgid in pgids:
        _signal_group(pgid, signal.SIGTERM)
    if _wait_groups_gone(pgids, grace_seconds, reap):
        return
    for pgid in pgids:
        if group_alive(pgid):
            _signal_group(pgid, signal.SIGKILL)
    _wait_groups_gone(pgids, 5.0, reap)


def _wait_groups_gone(pgids: Sequence[int], seconds: float, reap: object) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if callable(reap):
            reap()
        if not any(group_alive(pgid) for pgid in pgids):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)


def stop_all(processes: Sequence[ReplicaProcess], grace_seconds: float) -> None:
    """Stop several replicas at once: one grace period for all of them."""

    def reap() -> None:
        for process in processes:
            process.poll()

    end_groups([process.pgid for process in processes], grace_seconds, reap)
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5.0)


@dataclass(frozen=True)
class LaunchSpec:
    """How to run one replica (or one workflow node)."""

    argv: list[str]
    cwd: Path
    env: Mapping[str, str]
    log_path: Path


class ReplicaProcess:
    """One running process group and its log file."""

    def __init__(self, spec: LaunchSpec) -> None:
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        spec.cwd.mkdir(parents=True, exist_ok=True)
        self.spec = spec
        with spec.log_path.open("ab") as log_file:
            self._popen = subprocess.Popen(
                spec.argv,
                cwd=spec.cwd,
                env={**os.environ, **spec.env},
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self._popen.pid
        self.start_ticks = _start_ticks(self.pid)
        self.started_at = time.time()
        self.finished_at: float | None = None

    @property
    def pgid(self) -> int:
        """The process group id (the leader's pid: it started a new session)."""
        return self.pid

    def poll(self) -> int | None:
        """The exit code once the leader has exited (negative: killed by that signal)."""
        code = self._popen.poll()
        if code is not None and self.finished_at is None:
            self.finished_at = time.time()
        return code

    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds for the leader; its exit code or None."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=timeout)
        return self.poll()

    def stop(self, grace_seconds: float) -> int | None:
        """End the whole group (TERM, then KILL after ``grace_seconds``); the exit code."""
        end_groups([self.pgid], grace_seconds, self.poll)
        return self.wait(5.0)

    def end_leftovers(self) -> None:
        """KILL what remains of the group after the leader exited (daemons it spawned)."""
        if group_alive(self.pgid):
            end_groups([self.pgid], 0.0, self.poll)


class GroupRecord:
    """The per-job file listing the process groups a job started (for crash cleanup)."""

    def __init__(self, directory: Path, job_id: str) -> None:
        self.path = directory / f"{job_id}.json"
        self._lock = threading.Lock()

    def add(self, process: ReplicaProcess) -> None:
        """Record ``process``'s group before anything else can go wrong."""
        with self._lock:
            entries = self._read()
            entries.append({"pgid": process.pgid, "startTicks": process.start_ticks})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(entries))
            temporary.replace(self.path)

    def remove(self) -> None:
        """Forget the job's groups (they have all ended)."""
        self.path.unlink(missing_ok=True)

    def _read(self) -> list[dict[str, object]]:
        try:
            loaded = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return []
        return (
            [entry for entry in loaded if isinstance(entry, dict)]
            if isinstance(loaded, list)
            else []
        )

    def kill_all(self) -> int:
        """KILL every recorded group whose leader is still the process we started; the count."""
        killed = 0
        for entry in self._read():
            pgid = entry.get("pgid")
            if not isinstance(pgid, int):
                continue
            ticks = _start_ticks(pgid)
            leader_is_ours = ticks is not None and ticks == entry.get("startTicks")
            if leader_is_ours or (ticks is None and group_alive(pgid)):
                end_groups([pgid], 0.0)
                killed += 1
        self.remove()
        return killed


def kill_recorded_groups(directory: Path) -> int:
    """End every process group recorded under ``directory`` by a previous server; the count."""
    if not directory.is_dir():
        return 0
    return sum(
        GroupRecord(directory, path.stem).kill_all() for path in sorted(directory.glob("*.json"))
    )
