"""The server as a process: its data directory, its pid file, and ``start``/``stop``/``status``.

A running server records itself in ``<data_dir>/server.pid`` (JSON: pid, host, port), which
``start``, ``stop`` and ``status`` read. ``start`` runs ``pfctl server run --log-file
<data_dir>/server.log`` detached; the server keeps that log bounded (``serverlog``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pfctl.errors import PfctlError

PID_FILE = "server.pid"
LOG_FILE = "server.log"


def default_data_dir() -> Path:
    """``<user data dir>/pfctl/server`` (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("pfctl")) / "server"


def resolve_data_dir(data_dir: Path | None) -> Path:
    """The absolute data directory for ``--data-dir`` (``default_data_dir()`` when not given)."""
    return (data_dir or default_data_dir()).expanduser().resolve()


@dataclass(frozen=True)
class ServerInfo:
    """A server recorded in a data directory's pid file."""

    pid: int
    host: str
    port: int

    @property
    def url(self) -> str:
        """The base URL clients use."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True)
class StartOutcome:
    """What ``start`` found or did: the server, and whether it was running already."""

    server: ServerInfo
    already_running: bool


class AlreadyRunningError(PfctlError):
    """A server for the data directory is running already."""

    def __init__(self, running: ServerInfo, data_dir: Path) -> None:
        super().__init__(f"a server for {data_dir} is already running at {running.url}")
        self.running = running


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections; without it,
    # keep-alive responses written in two parts wait for the client's delayed ACK (~40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PfctlError(
                f"port {port} on {host} is already in use (another server?); "
                "choose another with --port, or stop the other one"
            ) from exc
        raise PfctlError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    return sock


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recorded_server(data_dir: Path) -> ServerInfo | None:
    """The live server recorded in ``data_dir``, or None (a stale pid file is ignored)."""
    try:
        raw = json.loads((data_dir / PID_FILE).read_text())
        info = ServerInfo(int(raw["pid"]), str(raw["host"]), int(raw["port"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info if _pid_alive(info.pid) and _looks_like_pfctl(info.pid) else None


def _looks_like_pfctl(pid: int) -> bool:
    """False when the pid now belongs to another program (a stale pid file, pid reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc here: trust the pid file
    return b"pfctl" in cmdline


def answers(url: str, timeout: float = 1.0) -> bool:
    """True when an HTTP server answers at ``url`` (any status)."""
    try:
        with urllib.request.urlopen(f"{url}/api/pfctl/v1/openapi.json", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class ServeOptions:
    """How ``pfctl server run`` serves, beyond the address and the data directory (``None``:
    the server's default)."""

    token_lifetime_seconds: float | None = None
    executor: bool = True
    request_timeout_seconds: float | None = None
    max_connections: int | None = None
    require_queue_grants: bool = False

    def arguments(self) -> list[str]:
        """These options as ``pfctl server run`` arguments."""
        arguments = [] if self.executor else ["--no-executor"]
        if self.require_queue_grants:
            arguments.append("--require-queue-grants")
        if self.token_lifetime_seconds is not None:
            arguments += ["--token-lifetime", str(self.token_lifetime_seconds)]
        if self.request_timeout_seconds is not None:
            arguments += ["--request-timeout", str(self.request_timeout_seconds)]
        if self.max_connections is not None:
            arguments += ["--max-connections", str(self.max_connections)]
        return arguments


#: the server's defaults
DEFAULT_OPTIONS = ServeOptions()


def start(
    host: str, port: int, data_dir: Path, options: ServeOptions = DEFAULT_OPTIONS
) -> StartOutcome:
    """``pfctl server start``: a background server for ``data_dir`` on ``host:port``.

    A server already running for the data directory on the same address (``port`` 0 accepts any)
    is left alone and reported; on another address it is an error (stop it first).
    """
    try:
        started = start_background(host, port, data_dir, options)
    except AlreadyRunningError as error:
        running = error.running
        if running.host != host or port not in (0, running.port):
            error.message = f"{error.message}, not on {host}:{port}; stop it first"
            raise
        return StartOutcome(running, already_running=True)
    return StartOutcome(started, already_running=False)


def start_background(
    host: str,
    port: int,
    data_dir: Path,
    options: ServeOptions = DEFAULT_OPTIONS,
    *,
    wait_seconds: float = 30.0,
) -> ServerInfo:
    """Start ``pfctl server run`` detached and return once it answers HTTP.

    The data directory and its database are checked here first, so that a damaged one is
    reported as such rather than as a server that did not start.
    """
    from pfctl.server.store.database import Database

    running = recorded_server(data_dir)
    if running is not None:
        raise AlreadyRunningError(running, data_dir)
    bind(host, port).close()  # report a busy port before forking
    Database(data_dir).close()  # ... and a data directory or database that cannot be used
    log_path = data_dir / LOG_FILE
    command = [sys.executable, "-m", "pfctl", "server", "run", "--host", host]
    command += ["--port", str(port), "--data-dir", str(data_dir), "--log-file", str(log_path)]
    command += options.arguments()
    try:
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,  # until the server takes its log over (and if it fails before)
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    except OSError as exc:
        raise PfctlError(f"cannot write the server's log {log_path}: {exc.strerror}") from exc
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PfctlError(f"the server did not start: {_last_lines(log_path, process)}")
        info = recorded_server(data_dir)  # knows the real port when --port 0 was asked
        if info is not None and info.pid == process.pid and answers(info.url, timeout=0.5):
            return info
        time.sleep(0.1)
    process.terminate()
    raise PfctlError(f"the server did not answer within {wait_seconds:.0f} s (log: {log_path})")


def _last_lines(log_path: Path, process: subprocess.Popen[bytes]) -> str:
    """Why a server that exited at start did: the end of its log."""
    try:
        with log_path.open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 4096))
            tail = log.read().decode(errors="replace").strip().splitlines()[-5:]
    except OSError:
        tail = []
    detail = "; ".join(tail) or f"exit status {process.returncode}"
    return f"{detail} (log: {log_path})"


def status(data_dir: Path) -> tuple[ServerInfo, bool]:
    """The server recorded in ``data_dir`` and whether it answers HTTP; PfctlError when none
    runs."""
    info = recorded_server(data_dir)
    if info is None:
        raise PfctlError(f"no server is running for {data_dir}")
    return info, answers(info.url)


def stop(data_dir: Path, *, grace_seconds: float = 15.0) -> ServerInfo:
    """Stop the server recorded in ``data_dir`` (TERM, then KILL after the grace period)."""
    info = recorded_server(data_dir)
    if info is None:
        raise PfctlError(f"no server is running for {data_dir}")
    os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while _pid_alive(info.pid) and time.monotonic() < deadline:
        if _reap(info.pid):
            break
        time.sleep(0.05)
    if _pid_alive(info.pid) and not _reap(info.pid):
        os.kill(info.pid, signal.SIGKILL)
    with contextlib.suppress(FileNotFoundError):
        (data_dir / PID_FILE).unlink()
    return info


def _reap(pid: int) -> bool:
    """Collect ``pid`` if it is our exited child; True when it is gone."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not _pid_alive(pid)
    return done == pid
