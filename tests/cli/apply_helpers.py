"""Plain helpers of the apply end-to-end tests (fixtures are in this directory's conftest; the
manifest builder is ``tests.helpers.jobs.single_manifest``)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers.api import login

RunPfctl = Callable[..., subprocess.CompletedProcess[str]]
WriteManifests = Callable[..., Path]


#: A command that keeps a job running until it is stopped (tests stop every such job).
LONG_RUNNING = "sleep 300"


def server_requests(server: Any) -> int:
    """The server's own count of the requests it served (``GET /api/pfctl/v1/stats``)."""
    response = login(server.url, server.user, server.password).stats()
    assert response.status_code == 200, response.text
    return int(response.json()["requests"])


def wait_for_status(client: Any, job_id: str, wanted: tuple[str, ...], limit: float = 120) -> str:
    """Poll until the job is in one of ``wanted`` (a wait for the executor, not a timing test)."""
    deadline = time.monotonic() + limit
    status = ""
    while time.monotonic() < deadline:
        status = str(client.get_job(job_id)["status"])
        if status in wanted:
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} is still {status}, expected one of {wanted}")
