"""Shared fixtures: an isolated HOME for every test, and real local servers over real sockets.

- ``pf_server`` (session): one server for the whole run, as ``sys.executable -m pfctl server run
  --host 127.0.0.1 --port 0 --data-dir <tmp>``; attributes ``url``, ``host``, ``port``,
  ``data_dir``, ``user`` ("root"), ``password`` ("paddleflow").
- ``start_pf_server`` (function): a factory ``start(data_dir=None, port=None, args=()) ->
  ServerHandle`` for tests that need their own server (restart, kill -9; ``args`` are extra
  ``pfctl server run`` options); handles also have ``kill()`` (SIGKILL) and ``stop()`` (SIGTERM
  and wait). Every server it started is stopped after the test.
- ``launch_pf_server(data_dir, env, port=None, args=())``: the function behind both, for
  fixtures of other scopes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

_ISOLATED_VARS = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
_PFCTL_VARS = ("PFCTL_SERVER", "PFCTL_USER", "PFCTL_PASSWORD", "PFCTL_CACHE_DIR", "PFCTL_NO_CACHE")
READY_TIMEOUT_SECONDS = 60.0


def _isolated_environ(home: Path) -> dict[str, str]:
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


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point HOME and the XDG directories at a fresh tmp dir, so no test touches the developer's
    ~/.paddleflow, caches or data; clear the PFCTL_* connection variables."""
    home = tmp_path_factory.mktemp("home")
    for name, value in _isolated_environ(home).items():
        monkeypatch.setenv(name, value)
    for name in _PFCTL_VARS:
        monkeypatch.delenv(name, raising=False)
    return home


class ServerHandle:
    """A local server running as a subprocess."""

    user = "root"
    password = "paddleflow"

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
        """Block until the server has written its pid file and answers HTTP."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        pid_file = self.data_dir / "server.pid"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}: "
                    f"{self.log_path.read_text(errors='replace')}"
                )
            if not self.port:
                try:
                    recorded = json.loads(pid_file.read_text())
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
        """SIGTERM the server and wait for a clean exit (SIGKILL after 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def launch_pf_server(
    data_dir: Path, env: dict[str, str], port: int | None = None, args: Sequence[str] = ()
) -> ServerHandle:
    """Start ``pfctl server run`` on ``data_dir`` (port 0: a free one) and wait until it answers;
    ``args`` are extra options. The caller stops it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-server-{time.monotonic_ns()}.log"
    command = [
        sys.executable,
        "-m",
        "pfctl",
        "server",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port or 0),
        "--data-dir",
        str(data_dir),
        *args,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    handle = ServerHandle(process, data_dir, log_path)
    handle.wait_ready()
    return handle


@pytest.fixture(scope="session")
def pf_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """One local server for the whole test session."""
    home = tmp_path_factory.mktemp("pf-server-home")
    env = {**os.environ, **_isolated_environ(home)}
    handle = launch_pf_server(tmp_path_factory.mktemp("pf-server") / "data", env)
    yield handle
    handle.stop()


@pytest.fixture
def start_pf_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., ServerHandle]]:
    """A factory for private servers: ``start(data_dir=None, port=None, args=()) -> handle``;
    ``args`` are extra ``pfctl server run`` options (e.g. ``["--token-lifetime", "60"]``)."""
    started: list[ServerHandle] = []

    def start(
        data_dir: Path | None = None, port: int | None = None, args: Sequence[str] = ()
    ) -> ServerHandle:
        directory = data_dir or tmp_path_factory.mktemp("pf-private-server") / "data"
        handle = launch_pf_server(directory, dict(os.environ), port, args)
        started.append(handle)
        return handle

    yield start
    for handle in started:
        handle.stop()
