"""The client and the CLI facing a server that hangs, resets the connection or answers 500.

A small scripted HTTP server over a real socket answers login normally and misbehaves on job
routes. Each case must end (pytest-timeout bounds it; the client's read timeout is what ends a
hang), with a clear error and no traceback, and a create must reach the server exactly once:
a create that may have been applied is never sent again.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pfctl.client import PaddleFlowClient
from pfctl.client.config import ClientSettings
from pfctl.errors import ExitCode
from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import single_body, single_manifest, write_manifests

pytestmark = pytest.mark.timeout(120)

JOB = {"id": "faulty-job", **single_body("true", image="busybox")}


QUEUE_PAGE = {
    "maxKeys": 500,
    "isTruncated": False,
    "queueList": [
        {
            "name": "default-queue",
            "status": "open",
            "maxResources": {"cpu": "20", "mem": "20Gi"},
            "usedResources": {"cpu": "0", "mem": "0"},
            "idleResources": {"cpu": "20", "mem": "20Gi"},
        }
    ],
}
FLAVOUR_PAGE = {
    "maxKeys": 500,
    "isTruncated": False,
    "flavourList": [{"name": "flavour1", "cpu": "1", "mem": "1Gi"}],
}


class Misbehaving:
    """A one-thread-per-connection HTTP/1.1 server: ``POST /login`` works; every other request
    gets ``mode``: ``hang`` (never answers), ``reset`` (TCP RST after reading the request) or
    ``500`` (PaddleFlow's InternalError). ``GET /job`` (the apply's list) answers an empty page,
    and ``GET /queue`` and ``GET /flavour`` (the plan's preflight) one open queue and one
    flavour, unless ``break_lists``."""

    def __init__(self, mode: str, *, break_lists: bool = False) -> None:
        self.mode = mode
        self.break_lists = break_lists
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def count(self, prefix: str) -> int:
        with self.lock:
            return sum(1 for line in self.requests if line.startswith(prefix))

    def _serve(self) -> None:
        while not self.closing.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _read_request(self, connection: socket.socket) -> str | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        while len(body) < length:
            body += connection.recv(65536)
        return lines[0]

    def _answer(self, connection: socket.socket, status: str, body: dict[str, object]) -> None:
        payload = json.dumps(body).encode()
        connection.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"x-pf-request-id: scripted\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            while True:
                try:
                    line = self._read_request(connection)
                except OSError:
                    return
                if line is None:
                    return
                with self.lock:
                    self.requests.append(line)
                if line.startswith("POST /api/paddleflow/v1/login"):
                    self._answer(connection, "200 OK", {"authorization": "scripted-token"})
                elif line.startswith("GET /api/paddleflow/v1/job?") and not self.break_lists:
                    self._answer(
                        connection,
                        "200 OK",
                        {"maxKeys": 1000, "isTruncated": False, "jobList": []},
                    )
                elif line.startswith("GET /api/paddleflow/v1/queue?") and not self.break_lists:
                    self._answer(connection, "200 OK", QUEUE_PAGE)  # the plan's preflight
                elif line.startswith("GET /api/paddleflow/v1/flavour?") and not self.break_lists:
                    self._answer(connection, "200 OK", FLAVOUR_PAGE)
                elif self.mode == "hang":
                    self.closing.wait()
                    return
                elif self.mode == "reset":
                    linger = struct.pack("ii", 1, 0)  # close with RST, not FIN
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    return
                else:
                    body = {
                        "requestID": "scripted",
                        "code": "InternalError",
                        "message": "server panic. recovered.",
                    }
                    self._answer(connection, "500 Internal Server Error", body)

    def close(self) -> None:
        self.closing.set()
        self.sock.close()


@pytest.fixture
def misbehaving() -> Iterator[type[Misbehaving]]:
    servers: list[Misbehaving] = []

    class Tracked(Misbehaving):
        def __init__(self, mode: str, **kwargs: bool) -> None:
            super().__init__(mode, **kwargs)
            servers.append(self)

    yield Tracked
    for server in servers:
        server.close()


def _settings(url: str) -> ClientSettings:
    return ClientSettings(server_url=url, user="root", password="paddleflow")


@pytest.mark.parametrize("mode", ["hang", "reset", "500"])
def test_the_client_ends_with_a_clear_error_and_sends_a_create_once(
    misbehaving: type[Misbehaving], mode: str
) -> None:
    from pfctl.client.errors import PaddleFlowError

    server = misbehaving(mode)
    client = PaddleFlowClient(_settings(server.url), timeout=(2.0, 2.0), backoff=0.01)
    with client, pytest.raises(PaddleFlowError) as raised:
        client.create_job("single", JOB)
    message = str(raised.value)
    assert message and "Traceback" not in message
    assert server.count("POST /api/paddleflow/v1/job/single") == 1


@pytest.mark.parametrize("mode", ["hang", "reset", "500"])
def test_a_read_gives_up_after_its_retries(misbehaving: type[Misbehaving], mode: str) -> None:
    from pfctl.client.errors import PaddleFlowError

    server = misbehaving(mode)
    client = PaddleFlowClient(_settings(server.url), timeout=(2.0, 1.0), retries=2, backoff=0.01)
    with client, pytest.raises(PaddleFlowError):
        client.get_job("faulty-job")
    assert 1 <= server.count("GET /api/paddleflow/v1/job/faulty-job") <= 3


@pytest.mark.parametrize("mode", ["reset", "500"])
def test_pfctl_job_create_reports_the_failure_once(
    misbehaving: type[Misbehaving], mode: str, tmp_path: Path
) -> None:
    server = misbehaving(mode)
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps(JOB))
    result = run_pfctl("job", "create", "single", str(job_file), server=server, timeout=100)
    # No answer (a reset) means the command could not run; an answer of 500 is "no".
    expected = ExitCode.USAGE if mode == "reset" else ExitCode.FAILURE
    assert result.returncode == expected, result.stdout + result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert server.count("POST /api/paddleflow/v1/job/single") == 1


@pytest.mark.parametrize("mode", ["reset", "500"])
def test_pfctl_apply_reports_failed_creates_honestly(
    misbehaving: type[Misbehaving], mode: str, tmp_path: Path
) -> None:
    server = misbehaving(mode)
    documents = [single_manifest(f"faulty-{n}", image="busybox") for n in range(3)]
    manifests = write_manifests(tmp_path / "jobs.yaml", documents)
    result = run_pfctl("apply", "-f", str(manifests), server=server, timeout=100)
    assert result.returncode == 1, result.stdout + result.stderr  # ExitCode.FAILURE
    assert "3 failed" in result.stdout, result.stdout
    assert "Traceback" not in result.stderr
    assert server.count("POST /api/paddleflow/v1/job/single") == 3, server.requests
