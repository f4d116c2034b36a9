"""The fixtures more than one test folder uses; ``tests/conftest.py`` registers this module once
(``pytest_plugins``).

- ``_isolated_home`` (autouse): HOME and the XDG directories in a fresh tmp dir, the PFCTL_*
  connection variables cleared, so no test touches the developer's ~/.paddleflow or caches.
- ``pf_server`` (session): one ``pfctl server run`` for the whole run; ``url``, ``host``, ``port``,
  ``data_dir``, ``user`` ("root"), ``password`` ("paddleflow").
- ``start_pf_server`` (function): ``start(data_dir=None, port=None, args=()) -> ServerHandle`` for
  tests that need their own server (restart, kill -9; ``args`` are extra ``pfctl server run``
  options). Every server it started is stopped after the test.
- ``api_server`` (session): a server that serves the API only (``--no-executor``); ``root_api``:
  root logged in on it; ``make_user(prefix)``: a fresh user on it, logged in (``user_name``).
- ``settings`` and ``client``: root's ``ClientSettings`` for ``pf_server`` and a
  ``PaddleFlowClient`` of it with an in-memory token cache.
- ``scripted_server``: ``start(replies) -> (url, received)``: serves login, then the scripted
  ``(status, body)`` replies in order to every other request (what a gateway can do and the local
  server cannot be made to).
- ``prefix``: a unique job-id prefix, so tests sharing a server never meet.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers.api import Api, login
from tests.helpers.server import (
    NO_EXECUTOR,
    ServerHandle,
    isolated_environ,
    launch_pf_server,
    private_server,
)

if TYPE_CHECKING:
    from pfctl.client import ClientSettings, PaddleFlowClient

_PFCTL_VARS = ("PFCTL_SERVER", "PFCTL_USER", "PFCTL_PASSWORD", "PFCTL_CACHE_DIR", "PFCTL_NO_CACHE")

#: A scripted HTTP reply: (status, JSON body or None for an empty body).
Reply = tuple[int, dict[str, Any] | None]


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point HOME and the XDG directories at a fresh tmp dir, so no test touches the developer's
    ~/.paddleflow, caches or data; clear the PFCTL_* connection variables."""
    home = tmp_path_factory.mktemp("home")
    for name, value in isolated_environ(home).items():
        monkeypatch.setenv(name, value)
    for name in _PFCTL_VARS:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def pf_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """One local server for the whole test session, set up as a user would run it: its data
    directory sits in a folder other OS users may pass through, so that a server run as root
    runs each user's jobs as that user's own OS user (docs/server.md, Security). Not run as
    root, it cannot isolate users and is told to run their jobs anyway."""
    passable = Path(tempfile.mkdtemp(prefix="pfctl-test-server-"))
    passable.chmod(0o711)
    home = tmp_path_factory.mktemp("pf-server-home")
    env = {**os.environ, **isolated_environ(home)}
    args = () if os.geteuid() == 0 else ("--allow-shared-jobs",)
    try:
        handle = launch_pf_server(passable / "data", env, args=args)
        try:
            yield handle
        finally:
            handle.stop()
    finally:
        shutil.rmtree(passable, ignore_errors=True)


@pytest.fixture
def start_pf_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., ServerHandle]]:
    """A factory for private servers: ``start(data_dir=None, port=None, args=()) -> handle``;
    ``args`` are extra ``pfctl server run`` options (e.g. ``["--token-lifetime", "60"]``)."""
    started: list[ServerHandle] = []

    def start(
        data_dir: Path | None = None, port: int | None = None, args: Sequence[str] = ()
    ) -> ServerHandle:
        directory = data_dir or tmp_path_factory.mktemp("pf-private-server") / "data"
        handle = launch_pf_server(directory, dict(os.environ), port, args)
        started.append(handle)
        return handle

    yield start
    for handle in started:
        handle.stop()


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """A session server that serves the API only (``--no-executor``): jobs stay ``init``, so the
    API's rules can be tested whatever executor the default server runs."""
    with private_server(tmp_path_factory, "api-server", NO_EXECUTOR) as handle:
        yield handle


@pytest.fixture(scope="session")
def root_api(api_server: ServerHandle) -> Api:
    """The API-only session server, logged in as root."""
    return login(api_server.url)


@pytest.fixture
def make_user(root_api: Api) -> Callable[[str], Api]:
    """Create a user with a fresh unique name and return an Api logged in as them."""

    def make(prefix: str = "user") -> Api:
        name = f"{prefix}{uuid.uuid4().hex[:8]}"
        response = root_api.post("/user", json={"username": name, "password": "secret123"})
        assert response.status_code == 200, response.text
        return login(root_api.base_url, name, "secret123")

    return make


@pytest.fixture
def settings(pf_server: ServerHandle) -> ClientSettings:
    """Root's settings for the session server."""
    from pfctl.client import ClientSettings

    return ClientSettings.for_server(pf_server.url, pf_server.user, pf_server.password)


@pytest.fixture
def client(settings: ClientSettings) -> Iterator[PaddleFlowClient]:
    """A client of the session server with an in-memory token cache."""
    from pfctl.client import PaddleFlowClient, TokenCache

    with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as api:
        yield api


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


@pytest.fixture
def prefix() -> str:
    """A prefix that keeps this test's job ids apart from every other test's."""
    return f"t{uuid.uuid4().hex[:10]}"
