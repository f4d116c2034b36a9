"""Every request ends: a deadline over retries and slow answers, a bound on the size of an answer,
and no redirect followed (the token goes to no other server).

Each misbehaving server is a tiny socket server (``ScriptedSocketServer``) that answers login
and then does one bad thing to every other request.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pfctl.client import ClientSettings, PaddleFlowClient, TokenCache
from pfctl.client.config import resolve_settings
from pfctl.client.errors import ServerConnectionError
from pfctl.errors import ConfigError
from tests.helpers.cli import run_pfctl

pytestmark = pytest.mark.timeout(60)

Behaviour = Callable[[socket.socket, str], None]


class ScriptedSocketServer:
    """Answers ``POST .../login`` with a token; hands every other request to ``behaviour``
    (the connection and the request head), one thread per connection. Records every request
    head it receives."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.heads: list[str] = []
        self.closing = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def requests_to(self, path: str) -> list[str]:
        return [head for head in self.heads if f" {path}" in head.split("\r\n", 1)[0]]

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            while not self.closing.is_set():
                head = _read_request(connection)
                if head is None:
                    return
                self.heads.append(head)
                if head.startswith("POST /api/paddleflow/v1/login"):
                    answer(connection, 200, {"authorization": "scripted-token"})
                    continue
                with contextlib.suppress(OSError):
                    self.behaviour(connection, head)
                return

    def close(self) -> None:
        self.closing.set()
        self.sock.close()


def _read_request(connection: socket.socket) -> str | None:
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = connection.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    text = head.decode("latin-1")
    length = 0
    for line in text.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        body += connection.recv(65536)
    return text


def answer(connection: socket.socket, status: int, body: object, **headers: str) -> None:
    payload = json.dumps(body).encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    connection.sendall(
        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}"
        f"Content-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )


@pytest.fixture
def socket_server() -> Iterator[Callable[[Behaviour], ScriptedSocketServer]]:
    servers: list[ScriptedSocketServer] = []

    def start(behaviour: Behaviour) -> ScriptedSocketServer:
        server = ScriptedSocketServer(behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _client(
    url: str,
    request_timeout: float,
    *,
    timeout: tuple[float, float] = (5.0, 60.0),
    retries: int = 3,
    max_response_bytes: int = 128 * 1024 * 1024,
) -> PaddleFlowClient:
    settings = ClientSettings.for_server(url, "root", "paddleflow", request_timeout=request_timeout)
    return PaddleFlowClient(
        settings,
        token_cache=TokenCache.in_memory(),
        timeout=timeout,
        retries=retries,
        max_response_bytes=max_response_bytes,
    )


def _silent(connection: socket.socket, head: str) -> None:
    time.sleep(30)  # accepts, reads, never answers


def _trickling_body(connection: socket.socket, head: str) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    connection.sendall(b"Content-Length: 100000\r\n\r\n")
    for _ in range(200):
        connection.sendall(b" ")
        time.sleep(0.1)


def _trickling_headers(connection: socket.socket, head: str) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    for _ in range(200):
        connection.sendall(b"a")
        time.sleep(0.1)


def test_a_silent_server_costs_one_request_timeout_retries_included(
    socket_server: Callable[[Behaviour], ScriptedSocketServer],
) -> None:
    server = socket_server(_silent)
    started = time.monotonic()
    with (
        _client(server.url, 1.5, timeout=(5.0, 60.0), retries=3) as client,
        pytest.raises(ServerConnectionError) as raised,
    ):
        client.get_job("job-a")
    elapsed = time.monotonic() - started
    assert elapsed < 4, elapsed  # the login and the read share nothing: 1.5 s for the read
    assert "within the request timeout of 1.5 s" in str(raised.value)
    assert len(server.requests_to("/api/paddleflow/v1/job/job-a")) == 1


@pytest.mark.parametrize("trickle", [_trickling_body, _trickling_headers])
def test_a_server_that_trickles_its_answer_is_given_up_on(
    socket_server: Callable[[Behaviour], ScriptedSocketServer], trickle: Behaviour
) -> None:
    server = socket_server(trickle)
    started = time.monotonic()
    with (
        _client(server.url, 1.5, timeout=(5.0, 5.0), retries=3) as client,
        pytest.raises(ServerConnectionError) as raised,
    ):
        client.get_job("job-a")
    assert time.monotonic() - started < 4
    assert "within the request timeout of 1.5 s" in str(raised.value)


def _huge_declared(connection: socket.socket, head: str) -> None:
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1500000000\r\n\r\n{"jobList": ['
    )
    time.sleep(5)


def _huge_chunked(connection: socket.socket, head: str) -> None:
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b" " * 65536
    for _ in range(1000):  # 64 MiB unless the client stops reading
        connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))


@pytest.mark.parametrize("huge", [_huge_declared, _huge_chunked])
def test_an_answer_past_the_size_bound_is_refused(
    socket_server: Callable[[Behaviour], ScriptedSocketServer], huge: Behaviour
) -> None:
    server = socket_server(huge)
    with (
        _client(server.url, 20, max_response_bytes=1024 * 1024) as client,
        pytest.raises(ServerConnectionError) as raised,
    ):
        client.get_job("job-a")
    assert "is larger than 1 MiB; pfctl stopped reading it" in str(raised.value)
    assert len(server.requests_to("/api/paddleflow/v1/job/job-a")) == 1  # not retried


def test_a_redirect_to_another_server_is_not_followed_and_the_token_stays(
    socket_server: Callable[[Behaviour], ScriptedSocketServer],
) -> None:
    elsewhere = socket_server(lambda connection, head: answer(connection, 200, {"id": "x"}))

    def redirect(connection: socket.socket, head: str) -> None:
        path = head.split(" ")[1]
        answer(connection, 307, {}, Location=f"{elsewhere.url}{path}")

    server = socket_server(redirect)
    client = _client(server.url, 10)
    with client, pytest.raises(ServerConnectionError) as raised:
        client.get_job("job-a")
        with pytest.raises(ServerConnectionError):
            client.create_job("single", {"image": "x", "command": "true"})
    assert f"a redirect to {elsewhere.url}/api/paddleflow/v1/job/job-a" in str(raised.value)
    assert elsewhere.heads == []  # neither the token nor the request went there


def test_the_request_timeout_comes_from_flag_env_and_ini(tmp_path: Path) -> None:
    ini = tmp_path / "paddleflow.ini"
    ini.write_text("[server]\nrequest_timeout = 2m\n")
    env = {"PFCTL_REQUEST_TIMEOUT": "45"}
    from_ini = resolve_settings(pf_config=str(ini), environ={})
    assert (from_ini.request_timeout, from_ini.request_timeout_source) == (
        120.0,
        f"{ini} [server] request_timeout",
    )
    from_env = resolve_settings(pf_config=str(ini), environ=env)
    assert (from_env.request_timeout, from_env.request_timeout_source) == (
        45.0,
        "env PFCTL_REQUEST_TIMEOUT",
    )
    from_flag = resolve_settings(request_timeout="1.5s", environ=env)
    assert (from_flag.request_timeout, from_flag.request_timeout_source) == (
        1.5,
        "--request-timeout flag",
    )
    assert resolve_settings(environ={}).request_timeout == 60.0
    for bad in ("0", "-1", "soon", "inf", "nan"):
        with pytest.raises(ConfigError, match="invalid request timeout"):
            resolve_settings(request_timeout=bad, environ={})


def test_pfctl_gives_up_on_a_silent_server_within_the_request_timeout(
    socket_server: Callable[[Behaviour], ScriptedSocketServer],
) -> None:
    server = socket_server(_silent)
    started = time.monotonic()
    result = run_pfctl(
        "job", "show", "job-a", server=server, env={"PFCTL_REQUEST_TIMEOUT": "2"}, timeout=40
    )
    assert time.monotonic() - started < 20
    assert result.returncode == 2, result.stderr  # could not run: no answer
    assert "within the request timeout of 2 s" in result.stderr
    assert "Traceback" not in result.stderr
