"""JobStream against the real local server's `/wsjob`: frames of the user's jobs only, a cached
token the server no longer takes, and an upgrade the server refuses."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from pfctl.client.api import PaddleFlowClient
from pfctl.client.config import ClientSettings
from pfctl.client.stream import JobStream, StreamUnavailable
from pfctl.client.tokens import TokenCache
from tests.helpers.api import login
from tests.helpers.jobs import fresh_single
from tests.helpers.server import ServerHandle


def client_of(url: str, user: str = "root", password: str = "paddleflow") -> PaddleFlowClient:
    settings = ClientSettings.for_server(url, user, password)
    return PaddleFlowClient(settings, token_cache=TokenCache.in_memory())


@pytest.fixture
def root(pf_server: ServerHandle) -> Iterator[PaddleFlowClient]:
    with client_of(pf_server.url) as client:
        yield client


def frames_until(stream: JobStream, job_id: str, status: str) -> list[dict[str, Any]]:
    """The frames received until one shows ``job_id`` in ``status`` (at most a minute)."""
    received: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while not any(job["id"] == job_id and job["status"] == status for job in received):
        assert time.monotonic() < deadline, f"no frame of {job_id} {status}: {received}"
        news = stream.receive(1.0)
        assert not news.reconnected
        received += news.jobs
    return received


def test_frames_are_the_jobs_and_only_the_users(pf_server: ServerHandle, root: Any) -> None:
    name = f"strm{uuid.uuid4().hex[:8]}"
    admin = login(pf_server.url)
    assert admin.post("/user", json={"username": name, "password": "secret123"}).status_code == 200
    with client_of(pf_server.url, name, "secret123") as user, JobStream(root) as root_stream:
        root_stream.open()
        with JobStream(user) as user_stream:
            user_stream.open()
            roots_job = root.create_job("single", fresh_single("true"))
            mine = user.create_job("single", fresh_single("true"))
            seen_by_root = frames_until(root_stream, roots_job, "succeeded")
            seen_by_user = frames_until(user_stream, mine, "succeeded")
    finished = next(
        job for job in seen_by_root if job["id"] == roots_job and job["status"] == "succeeded"
    )
    assert finished == root.get_job(roots_job)  # the whole job object, runtime included
    assert {job["id"] for job in seen_by_user} == {mine}  # never root's job
    assert root_stream.connections == 1 and user_stream.connections == 1


def test_a_cached_token_the_server_refuses_means_one_login(pf_server: ServerHandle) -> None:
    with client_of(pf_server.url) as client:
        settings = client.settings
        client.token_cache.put(settings.server_url, settings.user, settings.password, "stale")
        with JobStream(client) as stream:
            stream.open()
            assert stream.connections == 1
        assert client.token_cache.get(settings.server_url, settings.user, settings.password) != (
            "stale"
        )


def test_an_upgrade_the_server_refuses_is_no_stream(pf_server: ServerHandle) -> None:
    # A path the server serves no websocket on: it refuses the upgrade with an HTTP answer.
    with client_of(f"{pf_server.url}/elsewhere") as client:
        settings = client.settings
        client.token_cache.put(settings.server_url, settings.user, settings.password, "token")
        with JobStream(client) as stream, pytest.raises(StreamUnavailable) as refused:
            stream.open()
    assert str(refused.value).startswith("the server refused the watch stream (")
    assert stream.connections == 0
