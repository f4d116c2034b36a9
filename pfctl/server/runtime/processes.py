"""Replica processes: launch under a supervisor, watch, stop, and clean up after a crash.

Every replica runs in a new session under its own supervisor (``supervisor.py``), with stdout
and stderr appended to one log file the server opened. The supervisor is a child subreaper, so
whatever the command starts stays below it, ``setsid`` and double forks included; it reports
the command's exit status on a pipe. The command's environment carries ``PFCTL_JOB_TOKEN``, a
random token per replica, which finds its processes even where the supervisor cannot.

Stopping sends TERM to the replica's process group (the supervisor passes it on to descendants
that left the group), then, after the grace period, freezes and kills everything below the
supervisor (``reaper.kill_tree``). When the command exits on its own, ``end_leftovers`` kills
what it left running, as a container's processes die with it.

The pid, start time and token of every replica are recorded in a small file per job, so a server
that was killed can end what it left behind when it starts again (``kill_recorded_groups``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pfctl.server.runtime.isolation import JobUser
from pfctl.server.runtime.reaper import TOKEN_ENV, kill_tree, sweep_tokens
from pfctl.server.runtime.supervisor import ProcessInfo, process_table, read_process

SUPERVISOR = Path(__file__).with_name("supervisor.py")
#: what a job running as its own OS user gets from the server's environment (and ``LC_*``).
HOST_ENV_FOR_JOB_USERS = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM")
JOB_USER_UMASK = "077"
PROC = Path("/proc")
_POLL_SECONDS = 0.02


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


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is still alive (zombies do not count)."""
    if PROC.is_dir():
        return any(info.pgid == pgid and info.alive for info in process_table().values())
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def stop_all(
    processes: Sequence[ReplicaProcess],
    grace_seconds: float,
    on_signal: Callable[[str, list[ReplicaProcess]], None] | None = None,
) -> None:
    """Stop several replicas at once: TERM, one grace period for all, then kill what is left.
    ``on_signal("TERM"|"KILL", processes)`` hears of each signal sent (the job's events)."""
    live = [process for process in processes if not process.ended()]
    for process in live:
        _kill_group(process.pgid, signal.SIGTERM)
    if live and on_signal is not None:
        on_signal("TERM", live)
    deadline = time.monotonic() + grace_seconds
    while live and time.monotonic() < deadline:
        live = [process for process in live if not process.ended()]
        if live:
            time.sleep(_POLL_SECONDS)
    if live and on_signal is not None:
        on_signal("KILL", live)
    for process in live:
        process.kill()
    for process in processes:
        process.wait(5.0)


@dataclass(frozen=True)
class LaunchSpec:
    """How to run one replica (or one workflow node); ``user``: None for the server's user."""

    argv: list[str]
    cwd: Path
    env: Mapping[str, str]
    log_path: Path
    user: JobUser | None = None


def job_environment(spec: LaunchSpec, token: str) -> dict[str, str]:
    """The command's environment: the host's (a few variables for a job user), the job's, the
    token."""
    if spec.user is None:
        base = dict(os.environ)
    else:
        base = {
            name: value
            for name, value in os.environ.items()
            if name in HOST_ENV_FOR_JOB_USERS or name.startswith("LC_")
        }
        base["HOME"] = str(spec.user.home)
    return {**base, **spec.env, TOKEN_ENV: token}


def _check_program(program: str, env: Mapping[str, str]) -> None:
    """FileNotFoundError, as ``subprocess`` would raise, for a program not on the ``PATH``
    (a path with a folder is left to the supervisor, which reports it in the log)."""
    if "/" not in program and not shutil.which(program, path=env.get("PATH", os.defpath)):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)


class ReplicaProcess:
    """One replica: its supervisor (a process group leader), its log file and exit status."""

    def __init__(self, spec: LaunchSpec) -> None:
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        if spec.user is None:
            spec.cwd.mkdir(parents=True, exist_ok=True)
        self.spec = spec
        self.token = secrets.token_hex(16)
        env = job_environment(spec, self.token)
        _check_program(spec.argv[0], env)
        self._lock = threading.Lock()
        self._code: int | None = None
        self._status = b""
        status_read, status_write = os.pipe()
        env_read, env_write = os.pipe()
        command = [sys.executable, "-I", "-S", str(SUPERVISOR)]
        command += ["--status-fd", str(status_write), "--env-fd", str(env_read)]
        if spec.user is not None:
            command += ["--uid", str(spec.user.uid), "--gid", str(spec.user.gid)]
            command += ["--umask", JOB_USER_UMASK, "--cwd", str(spec.cwd)]
        log_flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        try:
            log_fd = os.open(spec.log_path, log_flags, 0o600)
            try:
                self._popen = subprocess.Popen(
                    [*command, "--", *spec.argv],
                    cwd="/" if spec.user is not None else spec.cwd,
                    env={},
                    stdin=subprocess.DEVNULL,
                    stdout=log_fd,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    pass_fds=(status_write, env_read),
                )
            finally:
                os.close(log_fd)
        except BaseException:
            os.close(status_read)
            os.close(env_write)
            raise
        finally:
            os.close(status_write)
            os.close(env_read)
        self._status_fd = status_read
        os.set_blocking(status_read, False)
        _send_environment(env_write, env)
        self.pid = self._popen.pid
        self.info = read_process(self.pid) or ProcessInfo(self.pid, 0, self.pid, "R", "")
        self.start_ticks: str | None = self.info.start_ticks or None
        self.started_at = time.time()
        self.finished_at: float | None = None

    @property
    def pgid(self) -> int:
        """The process group id (the supervisor's pid: it leads a new session)."""
        return self.pid

    def ended(self) -> bool:
        """Whether the supervisor has exited: nothing of the replica is left below it."""
        self.poll()
        return self._popen.poll() is not None

    def poll(self) -> int | None:
        """The command's exit code once it has exited (negative: killed by that signal)."""
        with self._lock:
            if self._code is None:
                supervisor_gone = self._popen.poll() is not None
                status = self._read_status()
                if status is not None:
                    self._code = os.waitstatus_to_exitcode(status)
                elif supervisor_gone:
                    self._code = self._popen.returncode
                    self._close_status()
                if self._code is not None:
                    self.finished_at = time.time()
            return self._code

    def _read_status(self) -> int | None:
        while self._status_fd >= 0 and b"\n" not in self._status:
            try:
                chunk = os.read(self._status_fd, 64)
            except BlockingIOError:
                return None
            except OSError:
                chunk = b""
            if not chunk:
                self._close_status()
                return None
            self._status += chunk
        line, newline, _ = self._status.partition(b"\n")
        if not newline:
            return None
        self._close_status()
        try:
            return int(line)
        except ValueError:
            return None

    def _close_status(self) -> None:
        if self._status_fd >= 0:
            os.close(self._status_fd)
            self._status_fd = -1

    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds for the command to exit; its exit code or None."""
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(_POLL_SECONDS)
        if self._code is not None:
            # The supervisor exits at once unless the command left processes behind.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(max(0.0, min(0.2, deadline - time.monotonic())))
        return self.poll()

    def kill(self) -> None:
        """Kill everything below the supervisor, then the supervisor if it does not exit."""
        if self._popen.poll() is None:
            if PROC.is_dir():
                kill_tree(self.info)
            else:  # no process table to walk: the process group is all that can be found
                _kill_group(self.pgid, signal.SIGKILL)
        self._reap()

    def stop(self, grace_seconds: float) -> int | None:
        """End the replica (TERM, then KILL after ``grace_seconds``); the exit code."""
        stop_all([self], grace_seconds)
        return self.poll()

    def end_leftovers(self) -> None:
        """Kill what the command left running after it exited (daemons it spawned)."""
        if not self.ended():
            self.kill()

    def _reap(self) -> None:
        try:
            self._popen.wait(5.0)
        except subprocess.TimeoutExpired:
            _kill_group(self.pgid, signal.SIGKILL)
            self._popen.wait(5.0)
        self.poll()


def _send_environment(fd: int, env: Mapping[str, str]) -> None:
    data = b"\0".join(os.fsencode(f"{name}={value}") for name, value in env.items())
    with contextlib.suppress(OSError), os.fdopen(fd, "wb") as stream:
        stream.write(data)


class GroupRecord:
    """The per-job file listing the replicas a job started (for crash cleanup)."""

    def __init__(self, directory: Path, job_id: str) -> None:
        self.path = directory / f"{job_id}.json"
        self._lock = threading.Lock()
        self._tokens: set[str] = set()

    def add(self, process: ReplicaProcess) -> None:
        """Record ``process``'s supervisor and token before anything else can go wrong."""
        with self._lock:
            self._tokens.add(process.token)
            entries = self._read()
            entries.append(
                {"pgid": process.pgid, "startTicks": process.start_ticks, "token": process.token}
            )
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(entries))
            temporary.replace(self.path)

    def remove(self) -> None:
        """Forget the job's replicas (they have all ended)."""
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
        """Kill every recorded replica still running and every process carrying one of their
        tokens, then forget them; how many replicas were still running."""
        killed = 0
        tokens = set(self._tokens)
        table = process_table()
        groups = {info.pgid for info in table.values() if info.alive}
        for entry in self._read():
            token, pgid = entry.get("token"), entry.get("pgid")
            if isinstance(token, str):
                tokens.add(token)
            if not isinstance(pgid, int):
                continue
            leader = table.get(pgid)
            ours = leader is not None and leader.start_ticks == entry.get("startTicks")
            if leader is not None and ours and leader.alive:
                kill_tree(leader)
                killed += 1
                if group_alive(pgid):
                    _kill_group(pgid, signal.SIGKILL)
            elif (leader is None or not leader.alive) and pgid in groups:
                _kill_group(pgid, signal.SIGKILL)  # the leader is gone, its group is not
                killed += 1
        sweep_tokens(tokens)
        self.remove()
        return killed


def kill_recorded_groups(directory: Path) -> int:
    """End every replica recorded under ``directory`` by a previous server; the count."""
    if not directory.is_dir():
        return 0
    return sum(
        GroupRecord(directory, path.stem).kill_all() for path in sorted(directory.glob("*.json"))
    )
