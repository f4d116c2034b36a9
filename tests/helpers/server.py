"""The one harness for server subprocesses, over real sockets.

- ``ServerHandle``: a server process; ``wait_ready()`` (its readiness record names its pid and port,
  and it answers HTTP), ``url``, ``data_dir``, ``log_path``, ``kill()`` (SIGKILL, no shutdown code
  runs), ``stop()`` (SIGTERM, then wait; SIGKILL after ``stop_timeout``).
- ``start_server(command, data_dir, env=None, kind=ServerHandle)``: any server command, as a
  handle of ``kind``.
- ``launch_pf_server(data_dir, env, port=None, args=())``: ``pfctl server run`` on ``data_dir``
  (port 0: a free one; ``args``: extra options); it records itself in ``server.pid``.
- ``launch_runtime_server(data_dir, grace_seconds=1.0, reserve_after_seconds=60.0)``: a
  ``RuntimeServer``, the same handle on ``tests/server/runtime/serve.py`` (the real app with the
  local runtime and test timings, which ``pfctl server run`` has no options for), logged in as
  root (``api``, and ``call``, ``create``, ``job``, ``wait_status``).
- ``private_server(tmp_path_factory, name, args=())``: a context manager for fixtures of any
  scope: a server on a fresh data directory with its own isolated HOME, stopped on exit.
- ``isolated_environ(home)``: HOME and the XDG directories under ``home``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tests.helpers.api import Api, login

if TYPE_CHECKING:
    import pytest
    import requests

READY_TIMEOUT_SECONDS = 60.0
#: The option of ``pfctl server run`` for a server that serves the API and runs no job.
NO_EXECUTOR = ("--no-executor",)
#: Serves the app with the local runtime for the runtime tests.
RUNTIME_SERVE = Path(__file__).resolve().parents[1] / "server" / "runtime" / "serve.py"


def isolated_environ(home: Path) -> dict[str, str]:
    """HOME and the XDG base directories under ``home`` (created)."""
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
    }
    for path in env.values():
        Path(path).mkdir(parents=True, exist_ok=True)
    return env


class ServerHandle:
    """A local server running as a subprocess; it writes ``{"pid", "port", ...}`` to
    ``data_dir / ready_file`` once it listens."""

    user = "root"
    password = "paddleflow"
    ready_file = "server.pid"
    stop_timeout = 30.0

    def __init__(self, process: subprocess.Popen[bytes], data_dir: Path, log_path: Path) -> None:
        self.process = process
        self.data_dir = data_dir
        self.log_path = log_path
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    def wait_ready(self) -> None:
        """Block until the server has written its readiness record and answers HTTP."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        record = self.data_dir / self.ready_file
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}: "
                    f"{self.log_path.read_text(errors='replace')}"
                )
            if not self.port:
                try:
                    recorded = json.loads(record.read_text())
                except (FileNotFoundError, ValueError):
                    recorded = {}
                if recorded.get("pid") == self.process.pid:
                    self.port = int(recorded["port"])
            if self.port and self._answers():
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"server did not answer in time: {self.log_path.read_text()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/pfctl/v1/openapi.json", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL the server (no shutdown code runs) and reap it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM the server and wait for a clean exit (SIGKILL after ``stop_timeout``)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.kill()


class RuntimeServer(ServerHandle):
    """``serve.py`` (the app with the local runtime) and a root session on it."""

    ready_file = "runtime-test-server.json"
    stop_timeout = 60.0
    api: Api

    def wait_ready(self) -> None:
        """Block until the server answers, then log root in."""
        super().wait_ready()
        self.api = login(self.url)

    @property
    def session(self) -> requests.Session:
        """Root's requests session."""
        return self.api.session

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A request as root; ``path`` below ``/api/paddleflow/v1``."""
        return self.api.request(method, path, **kwargs)

    def create(self, job_type: str, body: dict[str, Any]) -> str:
        return self.api.create(job_type, body)

    def job(self, job_id: str) -> dict[str, Any]:
        return self.api.job(job_id)

    def wait_status(
        self, job_id: str, statuses: Collection[str], timeout: float = 60.0
    ) -> dict[str, Any]:
        return self.api.wait_status(job_id, statuses, timeout)


Handle = TypeVar("Handle", bound=ServerHandle)


def start_server(
    command: Sequence[str],
    data_dir: Path,
    env: dict[str, str] | None = None,
    kind: type[Handle] = ServerHandle,
) -> Handle:
    """Run the server ``command`` on ``data_dir`` (output to a log beside it; ``env=None``: this
    process's environment) and wait until it answers; a handle of ``kind``, whose ``ready_file``
    the server writes. The caller stops it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-server-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    handle = kind(process, data_dir, log_path)
    try:
        handle.wait_ready()
    except BaseException:
        handle.kill()
        raise
    return handle


def launch_pf_server(
    data_dir: Path, env: dict[str, str], port: int | None = None, args: Sequence[str] = ()
) -> ServerHandle:
    """Start ``pfctl server run`` on ``data_dir`` (port 0: a free one) and wait until it answers;
    ``args`` are extra options. The caller stops it."""
    command = [sys.executable, "-m", "pfctl", "server", "run", "--host", "127.0.0.1"]
    command += ["--port", str(port or 0), "--data-dir", str(data_dir), *args]
    return start_server(command, data_dir, env)


def launch_runtime_server(
    data_dir: Path, grace_seconds: float = 1.0, reserve_after_seconds: float = 60.0
) -> RuntimeServer:
    """Start ``serve.py`` on ``data_dir`` and wait until root is logged in. The caller stops it."""
    command = [sys.executable, str(RUNTIME_SERVE), str(data_dir), str(grace_seconds)]
    command.append(str(reserve_after_seconds))
    return start_server(command, data_dir, kind=RuntimeServer)


@contextlib.contextmanager
def private_server(
    tmp_path_factory: pytest.TempPathFactory, name: str, args: Sequence[str] = ()
) -> Iterator[ServerHandle]:
    """A ``pfctl server run`` on a fresh data directory, with its own isolated HOME; stopped on
    exit."""
    home = tmp_path_factory.mktemp(f"{name}-home")
    env = {**os.environ, **isolated_environ(home)}
    handle = launch_pf_server(tmp_path_factory.mktemp(name) / "data", env, args=args)
    try:
        yield handle
    finally:
        handle.stop()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return False
    return text[text.rfind(")") + 2] not in "ZX"
