"""Fixtures for the client tests: clients of the session's real local server, job bodies, and
tiny socket servers that misbehave the way a network or a gateway can (which the local server
cannot be made to do)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pfctl.client import ClientSettings, PaddleFlowClient, TokenCache

from .helpers import RecordingTCPServer, Reply


@pytest.fixture
def settings(pf_server: Any) -> ClientSettings:
    """Root's settings for the session server."""
    return ClientSettings.for_server(pf_server.url, pf_server.user, pf_server.password)


@pytest.fixture
def client(settings: ClientSettings) -> Iterator[PaddleFlowClient]:
    """A client of the session server with an in-memory token cache."""
    with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as api:
        yield api


@pytest.fixture
def dropping_server() -> Iterator[RecordingTCPServer]:
    """A server that drops every request after reading it."""
    server = RecordingTCPServer()
    yield server
    server.close()


@pytest.fixture
def scripted_server() -> Iterator[Callable[[list[Reply]], tuple[str, list[str]]]]:
    """``start(replies)`` serves login, then the scripted (status, body) replies in order to every
    other request; returns the base URL and the list of "METHOD path" lines received."""
    servers: list[ThreadingHTTPServer] = []

    def start(replies: list[Reply]) -> tuple[str, list[str]]:
        received: list[str] = []
        queue = list(replies)

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                received.append(f"{self.command} {self.path}")
                if self.path.endswith("/login"):
                    status, body = 200, {"authorization": "scripted-token"}
                else:
                    status, body = queue.pop(0) if queue else (500, None)
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _reply

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", received

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
