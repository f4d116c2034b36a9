"""Helpers for the server tests: logged-in HTTP sessions against the real server.

Fixtures: ``api_server`` and ``root_api`` (a session server that serves the API only),
``make_user``, and ``runtime_server``: a factory ``start(data_dir=None, grace_seconds=1.0,
reserve_after_seconds=60.0)`` of servers running the local runtime
(``tests.server.runtime.helpers.RuntimeServer``), all stopped after the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ServerHandle, launch_pf_server
from tests.server.runtime.helpers import RuntimeServer, launch_runtime_server

PREFIX = "/api/paddleflow/v1"


class Api:
    """A requests session bound to one server and (optionally) one user's token."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token:
            self.session.headers["x-pf-authorization"] = token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base_url}{PREFIX}{path}"
        return self.session.request(method, url, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def login(base_url: str, user: str = "root", password: str = "paddleflow") -> Api:
    """An Api logged in as ``user``."""
    response = requests.post(
        f"{base_url}{PREFIX}/login", json={"username": user, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    return Api(base_url, response.json()["authorization"])


def assert_error(
    response: requests.Response, status: int, code: str, message: str | None = None
) -> None:
    """The response is PaddleFlow's error form with this status, code (and message)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["requestID", "code", "message"], body
    assert body["code"] == code, body
    assert body["requestID"] == response.headers["x-pf-request-id"]
    if message is not None:
        assert body["message"] == message, body


NO_EXECUTOR = ("--no-executor",)


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """A session server that serves the API only (``--no-executor``): jobs stay ``init``, so the
    API's rules can be tested whatever executor the default server runs."""
    home = tmp_path_factory.mktemp("api-server-home")
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    handle = launch_pf_server(tmp_path_factory.mktemp("api-server") / "data", env, args=NO_EXECUTOR)
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def root_api(api_server: ServerHandle) -> Api:
    """The API-only session server, logged in as root."""
    return login(api_server.url)


@pytest.fixture
def make_user(root_api: Api) -> Callable[[str], Api]:
    """Create a user with a fresh unique name and return an Api logged in as them."""
    import uuid

    def make(prefix: str = "user") -> Api:
        name = f"{prefix}{uuid.uuid4().hex[:8]}"
        response = root_api.post("/user", json={"username": name, "password": "secret123"})
        assert response.status_code == 200, response.text
        api = login(root_api.base_url, name, "secret123")
        api.user_name = name  # type: ignore[attr-defined]
        return api

    return make


@pytest.fixture
def runtime_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., RuntimeServer]]:
    """A factory of servers running the local runtime; all are stopped after the test."""
    started: list[RuntimeServer] = []

    def start(
        data_dir: Path | None = None,
        grace_seconds: float = 1.0,
        reserve_after_seconds: float = 60.0,
    ) -> RuntimeServer:
        directory = data_dir or tmp_path_factory.mktemp("runtime-server") / "data"
        server = launch_runtime_server(directory, grace_seconds, reserve_after_seconds)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
