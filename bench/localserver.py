"""A local pfctl server in a subprocess, and a minimal HTTP session for the benchmarks."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from report import PYTHON

USER = "root"
PASSWORD = "paddleflow"
API = "/api/paddleflow/v1"
STATS = "/api/pfctl/v1/stats"
DATABASE_FILE = "pfctl-server.sqlite3"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """`pfctl server run` on a data directory; `url`, `data_dir`, `database`."""

    def __init__(self, data_dir: Path, *, executor: bool, home: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = data_dir / DATABASE_FILE
        argv = [PYTHON, "-m", "pfctl", "server", "run", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--data-dir", str(data_dir)]
        argv += [] if executor else ["--no-executor"]
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=isolated_env(home),
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text(errors='replace')}")
            try:
                requests.get(f"{self.url}/api/pfctl/v1/openapi.json", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("server did not answer within 60 s")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 30 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def isolated_env(home: Path) -> dict[str, str]:
    """The environment with HOME and XDG dirs under `home` (no token cache or config leaks)."""
    env = dict(os.environ)
    for name, sub in (
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        path = home / sub if sub else home
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    for name in (
        "PFCTL_SERVER",
        "PFCTL_USER",
        "PFCTL_PASSWORD",
        "PFCTL_CACHE_DIR",
        "PFCTL_NO_CACHE",
    ):
        env.pop(name, None)
    return env


@contextlib.contextmanager
def running_server(
    data_dir: Path, *, executor: bool, home: Path | None = None
) -> Iterator[LocalServer]:
    """A server for the duration of the block."""
    with contextlib.ExitStack() as stack:
        if home is None:
            home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pfbench-home-")))
        server = LocalServer(data_dir, executor=executor, home=home)
        try:
            yield server
        finally:
            server.stop()


class Session:
    """A logged-in keep-alive HTTP session against `url` (one per thread)."""

    def __init__(self, url: str) -> None:
        import requests

        self.url = url
        self.http = requests.Session()
        token = self.call("POST", "/login", {"username": USER, "password": PASSWORD})
        self.http.headers["x-pf-authorization"] = token["authorization"]

    def call(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        """One API call; the decoded JSON answer (None for an empty body); raises on HTTP >= 400."""
        url = self.url + (path if path.startswith("/api/") else API + path)
        response = self.http.request(method, url, json=body, params=params, timeout=120)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def requests_served(self) -> int:
        """The server's total request count (the stats route is not counted itself)."""
        return int(self.call("GET", STATS)["requests"])

    def close(self) -> None:
        self.http.close()


def single_job_body(
    job_id: str, labels: dict[str, str], command: str = "echo hi"
) -> dict[str, Any]:
    """A realistic `POST /job/single` body."""
    return {
        "id": job_id,
        "name": f"bench job {job_id}",
        "labels": labels,
        "annotations": {"owner": "bench"},
        "schedulingPolicy": {"queue": "default-queue", "priority": "NORMAL"},
        "flavour": {"name": "flavour1"},
        "image": "paddlepaddle/paddle:2.4.2",
        "env": {"EPOCHS": "3", "PYTHONUNBUFFERED": "1"},
        "command": command,
    }


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of `samples` (fraction in 0..1)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def dumps(value: Any) -> str:
    """Compact JSON."""
    return json.dumps(value, separators=(",", ":"))
