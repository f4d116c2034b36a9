"""Plain helpers of the apply end-to-end tests (fixtures are in this directory's conftest)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

RunPfctl = Callable[..., subprocess.CompletedProcess[str]]
WriteManifests = Callable[..., Path]


#: A command that keeps a job running until it is stopped (tests stop every such job).
LONG_RUNNING = "sleep 300"


def single(job_id: str, **fields: Any) -> dict[str, Any]:
    """A single-job manifest; its command ends at once (the executor runs it), so the job does
    not hold queue room on the shared server. Pass ``command=LONG_RUNNING`` for a live job."""
    return {"type": "single", "id": job_id, "image": "python:3.11", "command": "true", **fields}


def server_requests(server: Any) -> int:
    """The server's own count of the requests it served (``GET /api/pfctl/v1/stats``)."""
    token = _login(server)
    request = urllib.request.Request(
        f"{server.url}/api/pfctl/v1/stats", headers={"x-pf-authorization": token}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(json.load(response)["requests"])


def _login(server: Any) -> str:
    body = json.dumps({"username": server.user, "password": server.password}).encode()
    request = urllib.request.Request(
        f"{server.url}/api/paddleflow/v1/login",
        data=body,
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["authorization"])


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
