"""Helpers shared by the client tests: ids, job bodies, PaddleFlow-example-shaped documents, and
a socket server that drops requests the way a broken network or gateway does."""

from __future__ import annotations

import socket
import threading
import uuid
from typing import Any

from pfctl.client import PaddleFlowClient

# Shaped like PaddleFlow's own example/job/single_job/single_job.json: empty id, {} and [] values,
# the docs' old `fileSystem`/`extraFileSystems` keys, port 0 and an empty extensionTemplate.
SINGLE_EXAMPLE = {
    "id": "",
    "name": "example-single",
    "labels": {},
    "annotations": {},
    "schedulingPolicy": {"queue": "default-queue"},
    "flavour": {"cpu": "", "mem": "", "name": "flavour1"},
    "fileSystem": {},
    "extraFileSystems": [],
    "image": "python:3.11",
    "env": [],
    "command": "sleep 40",
    "args": [],
    "port": 0,
    "extensionTemplate": {},
}

# Shaped like example/job/distributed_job/paddle_ps/paddle_ps_job.json: null labels, pworker role,
# members with their own schedulingPolicy and null values.
PADDLE_PS_EXAMPLE = {
    "id": "",
    "name": "",
    "labels": None,
    "annotations": None,
    "framework": "paddle",
    "schedulingPolicy": {"queue": "default-queue", "priority": "NORMAL"},
    "members": [
        {
            "role": "pserver",
            "replicas": 1,
            "labels": {},
            "annotations": {},
            "schedulingPolicy": {"queue": "default-queue"},
            "flavour": {"cpu": "", "mem": "", "name": "flavour1"},
            "fileSystem": {},
            "extraFileSystems": None,
            "image": "paddle:2.0",
            "env": None,
            "command": "sleep 30",
            "args": None,
            "port": 0,
            "extensionTemplate": {},
        },
        {
            "role": "pworker",
            "replicas": 1,
            "flavour": {"cpu": "", "mem": "", "name": "flavour1"},
            "image": "paddle:2.0",
            "env": None,
            "command": "sleep 20",
        },
    ],
}


#: A scripted HTTP reply: (status, JSON body or None for an empty body).
Reply = tuple[int, dict[str, Any] | None]


def unique_id(prefix: str = "t") -> str:
    """A fresh job id (DNS-1123, short)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def single_body(**overrides: Any) -> dict[str, Any]:
    """A valid single-job create body; its command keeps the job busy if an executor runs it."""
    body: dict[str, Any] = {
        "id": unique_id(),
        "name": "client-test",
        "schedulingPolicy": {"queue": "default-queue"},
        "flavour": {"name": "flavour1"},
        "image": "python:3.11",
        "command": "sleep 600",
        "labels": {"suite": "client"},
    }
    body.update(overrides)
    return body


def stop_and_wait(api: PaddleFlowClient, job_id: str) -> dict[str, Any]:
    """Stop a job and wait for its final status."""
    from pfctl.client import wait_for_jobs

    api.stop_job(job_id)
    result = wait_for_jobs(api, [job_id], timeout=60, poll_interval=0.2)
    assert not result.pending
    return result.jobs[job_id]


class RecordingTCPServer:
    """Accepts connections, reads one request, then closes without answering."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            with connection:
                data = connection.recv(65536)
                if data:
                    self.requests.append(data)

    def close(self) -> None:
        self.sock.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
