"""The supervisor of one replica: it starts the command and keeps every process it starts.

The server runs each replica as ``python -I -S supervisor.py ... -- ARGV`` in a new session.
The supervisor makes itself a child subreaper (``PR_SET_CHILD_SUBREAPER``), so a process the
command leaves behind, even one that called ``setsid`` or forked twice, is re-parented to the
supervisor instead of to init: everything the replica started stays in the supervisor's subtree,
where the server finds and kills it (``reaper.kill_tree``).

- The command's environment arrives on a pipe (``--env-fd``: ``NAME=VALUE`` entries, NUL
  separated), so the supervisor's own environment holds nothing a job chose (no ``LD_PRELOAD``
  for a process that may run as root).
- With ``--uid``/``--gid`` the command runs as that user: no supplementary groups, ``--umask``,
  no new privileges (set-uid programs do not raise them), in ``--cwd`` created as that user.
- When the command's main process ends, its wait status is written to ``--status-fd`` as one
  decimal line; the supervisor then waits for the rest of its subtree and exits once it is empty.
- TERM (the server stopping the replica signals the whole process group) is passed on to the
  descendants that left the group, so ``setsid`` processes get the same grace period.

Standard library only: it runs without the virtual environment's site-packages. The server imports
the process-table functions below from here as well.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import sys
from collections.abc import Iterable, Mapping, Sequence

PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
#: signals Python ignores at start; a command must get them back at their defaults.
_RESTORED = tuple(
    getattr(signal, name) for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(signal, name)
)


class ProcessInfo:
    """One line of the process table (``/proc/<pid>/stat``)."""

    __slots__ = ("pgid", "pid", "ppid", "start_ticks", "state")

    def __init__(self, pid: int, ppid: int, pgid: int, state: str, start_ticks: str) -> None:
        self.pid = pid
        self.ppid = ppid
        self.pgid = pgid
        self.state = state
        self.start_ticks = start_ticks

    @property
    def alive(self) -> bool:
        """Running or stopped, not a zombie."""
        return self.state not in ("Z", "X")


def read_process(pid: int) -> ProcessInfo | None:
    """``pid``'s entry in the process table, or None when it is gone (or there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    if len(fields) < 20:
        return None
    return ProcessInfo(pid, int(fields[1]), int(fields[2]), fields[0], fields[19])


def process_table() -> dict[int, ProcessInfo]:
    """Every process on the host that /proc shows, by pid (empty without /proc)."""
    table: dict[int, ProcessInfo] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if name.isdigit():
            info = read_process(int(name))
            if info is not None:
                table[info.pid] = info
    return table


def descendants(root: int, table: Mapping[int, ProcessInfo]) -> list[ProcessInfo]:
    """The living processes below ``root`` in ``table`` (children before grandchildren)."""
    children: dict[int, list[ProcessInfo]] = {}
    for info in table.values():
        children.setdefault(info.ppid, []).append(info)
    found: list[ProcessInfo] = []
    queue = [root]
    seen = {root}
    while queue:
        for child in children.get(queue.pop(0), []):
            if child.pid not in seen:
                seen.add(child.pid)
                queue.append(child.pid)
                if child.alive:
                    found.append(child)
    return found


def send_signal(info: ProcessInfo, signum: int) -> bool:
    """Signal the process ``info`` describes, never a later process that reused its pid."""
    try:
        handle = os.pidfd_open(info.pid)
    except (AttributeError, OSError):
        handle = -1
    try:
        current = read_process(info.pid)
        if current is None or current.start_ticks != info.start_ticks:
            return False
        if handle >= 0:
            signal.pidfd_send_signal(handle, signum)
        else:
            os.kill(info.pid, signum)
    except OSError:
        return False
    finally:
        if handle >= 0:
            os.close(handle)
    return True


_libc: list[ctypes.CDLL] = []  # loaded once, before the user changes


def _prctl(option: int, value: int) -> bool:
    try:
        if not _libc:
            _libc.append(ctypes.CDLL(None, use_errno=True))
        return bool(_libc[0].prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


class _Options:
    def __init__(self) -> None:
        self.uid: int | None = None
        self.gid: int | None = None
        self.umask: int | None = None
        self.cwd: str | None = None
        self.status_fd = -1
        self.env_fd = -1
        self.command: list[str] = []


def _parse(argv: Sequence[str]) -> _Options:
    options = _Options()
    values = list(argv)
    while values and values[0] != "--":
        name, value = values[0], values[1]
        del values[:2]
        if name == "--uid":
            options.uid = int(value)
        elif name == "--gid":
            options.gid = int(value)
        elif name == "--umask":
            options.umask = int(value, 8)
        elif name == "--cwd":
            options.cwd = value
        elif name == "--status-fd":
            options.status_fd = int(value)
        elif name == "--env-fd":
            options.env_fd = int(value)
        else:
            raise SystemExit(f"pfctl supervisor: unknown option {name}")
    options.command = values[1:]
    if not options.command:
        raise SystemExit("pfctl supervisor: no command")
    return options


def _read_environment(fd: int) -> dict[str, str]:
    if fd < 0:
        return dict(os.environ)
    with os.fdopen(fd, "rb") as stream:
        data = stream.read()
    env: dict[str, str] = {}
    for entry in data.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep and name:
            env[os.fsdecode(name)] = os.fsdecode(value)
    return env


def _exec_command(options: _Options, env: dict[str, str]) -> None:
    """In the forked child: become the job's user, then exec; never returns.

    Nothing here may import a module: once the user is changed, the interpreter's own files may
    be out of its reach.
    """
    try:
        for signum in (*_FORWARDED, *_RESTORED):
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        if options.gid is not None:
            os.setgroups([])
            os.setgid(options.gid)
        if options.uid is not None:
            os.setuid(options.uid)
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
        if options.umask is not None:
            os.umask(options.umask)
        if options.cwd:
            os.makedirs(options.cwd, exist_ok=True)
            os.chdir(options.cwd)
        _exec_on_path(options.command, env)
    except OSError as error:
        reason = error.strerror or str(error)
        where = f": {error.filename}" if error.filename else ""
        _say(f"pfctl: cannot start {options.command[0]}: {reason}{where}")
        os._exit(127 if error.errno == errno.ENOENT else 126)
    except BaseException as error:
        _say(f"pfctl: cannot start {options.command[0]}: {error!r}")
        os._exit(126)


def _exec_on_path(command: list[str], env: dict[str, str]) -> None:
    """``execvpe`` without its imports: each ``PATH`` folder in turn (as the shell does)."""
    program = command[0]
    if "/" in program:
        os.execve(program, command, env)
    denied: OSError | None = None
    for folder in env.get("PATH", os.defpath).split(os.pathsep):
        try:
            os.execve(os.path.join(folder or ".", program), command, env)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except PermissionError as error:
            denied = error
    raise denied or FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)


def _say(line: str) -> None:
    with contextlib.suppress(OSError):
        os.write(2, (line + "\n").encode("utf-8", "replace"))


def _forward(signum: int) -> None:
    """Pass ``signum`` on to the descendants that left our process group (``setsid``)."""
    group = os.getpgrp()
    for info in descendants(os.getpid(), process_table()):
        if info.pgid != group:
            send_signal(info, signum)


def _report(fd: int, status: int) -> None:
    if fd < 0:
        return
    with contextlib.suppress(OSError):
        os.write(fd, f"{status}\n".encode())
    with contextlib.suppress(OSError):
        os.close(fd)


def run(options: _Options) -> int:
    """Start the command, report its status, reap the subtree; the supervisor's exit code."""
    env = _read_environment(options.env_fd)
    if options.status_fd >= 0:
        os.set_inheritable(options.status_fd, False)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.pthread_sigmask(signal.SIG_BLOCK, set(_FORWARDED))
    for signum in _FORWARDED:
        signal.signal(signum, lambda received, _frame: _forward(received))
    main = os.fork()
    if main == 0:
        _exec_command(options, env)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(_FORWARDED))
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 0
        if pid == main:
            _report(options.status_fd, status)


def main(argv: Iterable[str] | None = None) -> int:
    """``supervisor.py [options] -- COMMAND...``; see the module's docstring."""
    return run(_parse(list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    sys.exit(main())
