"""Helpers of the runtime tests: a server subprocess with a root session, job bodies.

``launch_runtime_server(data_dir, grace_seconds=1.0, reserve_after_seconds=60.0)`` starts
``tests/server/runtime/serve.py`` as a subprocess and returns a ``RuntimeServer`` (a root session,
``create``, ``job``, ``wait_status``, ``kill()`` = SIGKILL, ``stop()`` = SIGTERM and wait); the
``runtime_server`` fixture of ``tests/server/conftest.py`` wraps it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

PREFIX = "/api/paddleflow/v1"
FINAL = {"succeeded", "failed", "terminated", "skipped", "cancelled", "preempted"}


class RuntimeServer:
    """A server subprocess and a root session on it."""

    def __init__(self, process: subprocess.Popen[bytes], data_dir: Path, log_path: Path) -> None:
        self.process = process
        self.data_dir = data_dir
        self.log_path = log_path
        self.session = requests.Session()
        self.url = ""

    def wait_ready(self) -> None:
        info_path = self.data_dir / "runtime-test-server.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log_path.read_text(errors="replace"))
            try:
                info = json.loads(info_path.read_text())
            except (OSError, ValueError):
                info = {}
            if info.get("pid") == self.process.pid:
                self.url = f"http://127.0.0.1:{info['port']}"
                try:
                    response = requests.post(
                        f"{self.url}{PREFIX}/login",
                        json={"username": "root", "password": "paddleflow"},
                        timeout=5,
                    )
                except requests.ConnectionError:
                    time.sleep(0.05)
                    continue
                token = response.json()["authorization"]
                self.session.headers["x-pf-authorization"] = token
                return
            time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.log_path.read_text(errors="replace"))

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.url}{PREFIX}{path}", timeout=30, **kwargs)

    def create(self, job_type: str, body: dict[str, Any]) -> str:
        response = self.call("POST", f"/job/{job_type}", json=body)
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/job/{job_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_status(self, job_id: str, statuses: set[str], timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in statuses:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} stayed {job['status']}: {job['message']}")
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


def single(command: str, **extra: Any) -> dict[str, Any]:
    """A single-job body on the default queue with flavour1."""
    return {
        "image": "python:3.11",
        "command": command,
        "flavour": {"name": "flavour1"},
        "schedulingPolicy": {"queue": "default-queue"},
        **extra,
    }


def process_running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return False
    return text[text.rfind(")") + 2] not in "ZX"


def launch_runtime_server(
    data_dir: Path, grace_seconds: float = 1.0, reserve_after_seconds: float = 60.0
) -> RuntimeServer:
    """Start ``serve.py`` on ``data_dir`` and wait until root is logged in."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"server-{time.monotonic_ns()}.log"
    script = Path(__file__).with_name("serve.py")
    command = [sys.executable, str(script), str(data_dir), str(grace_seconds)]
    command.append(str(reserve_after_seconds))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    server = RuntimeServer(process, data_dir, log_path)
    try:
        server.wait_ready()
    except BaseException:
        server.kill()
        raise
    return server
