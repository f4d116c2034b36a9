"""Helpers of the client tests: their job body, ``stop_and_wait``, and a socket server that drops
requests the way a broken network or gateway does. ``unique_id``, ``free_port`` and the
PaddleFlow-example-shaped documents (``SINGLE_EXAMPLE``, ``PADDLE_PS_EXAMPLE``) and ``Reply`` (of
the ``scripted_server`` fixture) come from ``tests.helpers``."""

from __future__ import annotations

import socket
import threading
from typing import Any

from pfctl.client import PaddleFlowClient
from tests.helpers.fixtures import Reply
from tests.helpers.jobs import PADDLE_PS_EXAMPLE, SINGLE_EXAMPLE, fresh_single, unique_id
from tests.helpers.server import free_port

__all__ = [
    "PADDLE_PS_EXAMPLE",
    "SINGLE_EXAMPLE",
    "RecordingTCPServer",
    "Reply",
    "free_port",
    "single_body",
    "stop_and_wait",
    "unique_id",
]


def single_body(**overrides: Any) -> dict[str, Any]:
    """A valid single-job create body; its command keeps the job busy if an executor runs it."""
    defaults = {"command": "sleep 600", "name": "client-test", "id_prefix": "t"}
    return fresh_single(**{**defaults, "labels": {"suite": "client"}, **overrides})


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
