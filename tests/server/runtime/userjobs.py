"""Helpers of the isolation and escape tests: a data directory job users can reach, users'
sessions, jobs' logs read from disk, and pids a job wrote down.

- ``passable_data_dir()``: a context manager giving ``/tmp/pfctl-jobs-XXXX/data`` with every
  parent open to other users (``0711``), as a server must have to run jobs as separate users
  (pytest's own temporary folders are ``0700``). Removed afterwards.
- ``UserApi(url, name)``: a user created by root (or root) and logged in; ``create``, ``job``,
  ``wait_status``, ``run`` (create and wait), ``logs`` (through the log route).
- ``log_of(data_dir, job_id)``: the text of a job's replica logs, read as the test (root).
- ``read_pids(path)``, ``kill_pids(pids)``: pids a job wrote one per line; cleanup.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import requests

from tests.helpers.api import LOG_PARAMS
from tests.server.runtime.helpers import FINAL, PREFIX, process_running, single

__all__ = ["UserApi", "kill_pids", "log_of", "passable_data_dir", "read_pids", "single"]


@contextlib.contextmanager
def passable_data_dir() -> Iterator[Path]:
    """A data directory whose parents others may pass through (removed afterwards)."""
    base = Path(tempfile.mkdtemp(prefix="pfctl-jobs-", dir="/tmp"))
    base.chmod(0o711)
    try:
        yield base / "data"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _login(url: str, name: str, password: str) -> str:
    response = requests.post(
        f"{url}{PREFIX}/login", json={"username": name, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    return str(response.json()["authorization"])


class UserApi:
    """A session of one user on a server (root creates the user unless it is root)."""

    def __init__(self, url: str, name: str, password: str = "secret123") -> None:
        self.url = url
        self.name = name
        if name != "root":
            root = _login(url, "root", "paddleflow")
            created = requests.post(
                f"{url}{PREFIX}/user",
                json={"username": name, "password": password},
                headers={"x-pf-authorization": root},
                timeout=30,
            )
            assert created.status_code == 200, created.text
        else:
            password = "paddleflow"
        self.session = requests.Session()
        self.session.headers["x-pf-authorization"] = _login(url, name, password)

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.url}{PREFIX}{path}", timeout=30, **kwargs)

    def create(self, body: dict[str, Any], job_type: str = "single") -> str:
        response = self.call("POST", f"/job/{job_type}", json=body)
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/job/{job_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_status(
        self, job_id: str, statuses: Iterable[str] = FINAL, timeout: float = 60.0
    ) -> dict[str, Any]:
        wanted = set(statuses)
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in wanted:
                return job
            assert time.monotonic() < deadline, f"{job_id} stayed {job['status']}"
            time.sleep(0.1)

    def logs(self, job_id: str) -> str:
        """The job's logs as the log route gives them to this user."""
        response = self.call("GET", "/log/job", params={"jobID": job_id, **LOG_PARAMS})
        assert response.status_code == 200, response.text
        return "".join(task["logInfo"]["logContent"] for task in response.json()["taskList"])

    def run(self, command: str, **extra: Any) -> dict[str, Any]:
        """Create a single job and wait until it is final."""
        return self.wait_status(self.create(single(command, **extra)))


def log_of(data_dir: Path, job_id: str) -> str:
    """Every replica log of ``job_id``, read straight from the data directory."""
    return "".join(
        path.read_text(errors="replace")
        for path in sorted(data_dir.glob(f"jobs/*-{job_id}/logs/*.log"))
    )


def read_pids(path: Path, count: int, timeout: float = 20.0) -> list[int]:
    """The first ``count`` pids a job wrote to ``path``, one per line (waits for them)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):
            lines = [line for line in path.read_text().split() if line.isdigit()]
            if len(lines) >= count:
                return [int(line) for line in lines[:count]]
        assert time.monotonic() < deadline, f"{path} has fewer than {count} pids"
        time.sleep(0.05)


def kill_pids(pids: Iterable[int]) -> None:
    """Cleanup after a failed test: kill what is still running of ``pids``."""
    for pid in pids:
        if process_running(pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
