"""Running the server: in the foreground, in the background, and finding/stopping it later.

A running server records itself in ``<data_dir>/server.pid`` (JSON: pid, host, port, url), which
``start``, ``stop`` and ``status`` read. The listening socket is bound before uvicorn starts so
that a busy port is reported as such instead of as a uvicorn traceback. ``pfctl server`` only
parses options, calls these functions and prints what they return.
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
from collections.abc import Callable
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


def _bind(host: str, port: int) -> socket.socket:
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


def run_foreground(
    host: str,
    port: int,
    data_dir: Path,
    *,
    token_lifetime_seconds: float | None = None,
    executor: bool = True,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; records the pid file while running.

    ``executor=False`` serves the API only (jobs stay ``init``); ``on_ready`` is called with
    the base URL once the socket listens.
    """
    import uvicorn

    from pfctl.server.app import create_app, default_runtime_factory, no_executor_factory
    from pfctl.server.state import ServerConfig
    from pfctl.server.store.database import Database

    Database(data_dir).close()  # a database this pfctl cannot use fails here, cleanly
    sock = _bind(host, port)
    actual_port = sock.getsockname()[1]
    config = ServerConfig(data_dir=data_dir, token_lifetime_seconds=token_lifetime_seconds)
    app = create_app(config, default_runtime_factory if executor else no_executor_factory)
    pid_path = data_dir / PID_FILE
    info = {"pid": os.getpid(), "host": host, "port": actual_port}
    pid_path.write_text(json.dumps(info))
    try:
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        )
        if on_ready is not None:
            on_ready(ServerInfo(0, host, actual_port).url)
        server.run(sockets=[sock])
    finally:
        sock.close()
        with contextlib.suppress(FileNotFoundError, ValueError):
            if json.loads(pid_path.read_text()).get("pid") == os.getpid():
                pid_path.unlink()


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
    except (FileNotFoundError, ValueError, KeyError, TypeError):
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


def start(
    host: str,
    port: int,
    data_dir: Path,
    *,
    token_lifetime_seconds: float | None = None,
    executor: bool = True,
) -> StartOutcome:
    """``pfctl server start``: a background server for ``data_dir`` on ``host:port``.

    A server already running for the data directory on the same address (``port`` 0 accepts any)
    is left alone and reported; on another address it is an error (stop it first).
    """
    try:
        started = start_background(
            host, port, data_dir, token_lifetime_seconds=token_lifetime_seconds, executor=executor
        )
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
    *,
    token_lifetime_seconds: float | None = None,
    executor: bool = True,
    wait_seconds: float = 30.0,
) -> ServerInfo:
    """Start ``pfctl server run`` detached and return once it answers HTTP."""
    running = recorded_server(data_dir)
    if running is not None:
        raise AlreadyRunningError(running, data_dir)
    _bind(host, port).close()  # report a busy port before forking
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pfctl",
        "server",
        "run",
        "--host",
        host,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    if token_lifetime_seconds is not None:
        command += ["--token-lifetime", str(token_lifetime_seconds)]
    if not executor:
        command.append("--no-executor")
    log_path = data_dir / LOG_FILE
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
            detail = "; ".join(tail) or f"exit status {process.returncode}"
            raise PfctlError(f"the server did not start: {detail} (log: {log_path})")
        info = recorded_server(data_dir)  # knows the real port when --port 0 was asked
        if info is not None and info.pid == process.pid and answers(info.url, timeout=0.5):
            return info
        time.sleep(0.1)
    process.terminate()
    raise PfctlError(f"the server did not answer within {wait_seconds:.0f} s (log: {log_path})")


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
