"""PaddleFlowClient against the real local server over its socket (and misbehaving sockets)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from pfctl.client import (
    AuthenticationError,
    ClientSettings,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PaddleFlowClient,
    PermissionDeniedError,
    ServerConnectionError,
    TokenCache,
)
from pfctl.errors import UsageError

from .helpers import (
    RecordingTCPServer,
    Reply,
    free_port,
    single_body,
    stop_and_wait,
    unique_id,
)


def test_job_lifecycle(client: PaddleFlowClient) -> None:
    body = single_body(labels={"suite": "client", "case": "lifecycle"})
    job_id = client.create_job("single", body)
    assert job_id == body["id"]

    job = client.get_job(job_id)
    assert job["id"] == job_id
    assert job["name"] == "client-test"
    assert job["schedulingPolicy"]["queue"] == "default-queue"
    assert job["labels"]["case"] == "lifecycle"
    assert job["status"] in {"init", "pending", "running"}

    client.update_job(job_id, labels={"case": "updated", "extra": "1"}, annotations={"a": "b"})
    updated = client.get_job(job_id)
    assert updated["labels"]["case"] == "updated"
    assert updated["labels"]["extra"] == "1"
    assert updated["annotations"]["a"] == "b"

    final = stop_and_wait(client, job_id)
    assert final["status"] == "terminated"
    client.delete_job(job_id)
    with pytest.raises(NotFoundError):
        client.get_job(job_id)


def test_generated_id_and_list_filters(client: PaddleFlowClient) -> None:
    label = unique_id("lbl")
    ids = [
        client.create_job("single", single_body(id="", labels={"batch": label})) for _ in range(3)
    ]
    assert all(job_id.startswith("job-") for job_id in ids)
    page = client.list_jobs(labels={"batch": label}, max_keys=2)
    assert len(page.jobs) == 2
    assert page.truncated and page.next_marker
    second = client.list_jobs(labels={"batch": label}, max_keys=2, marker=page.next_marker)
    listed = {job["id"] for job in page.jobs + second.jobs}
    assert listed == set(ids)
    assert not second.truncated and second.next_marker is None

    every = list(client.iter_jobs(page_size=1, labels={"batch": label}))
    assert sorted(job["id"] for job in every) == sorted(ids)
    assert client.list_jobs(queue="default-queue", max_keys=1).jobs
    for job_id in ids:
        client.stop_job(job_id)


def test_iter_jobs_is_lazy(client: PaddleFlowClient) -> None:
    label = unique_id("lazy")
    ids = [client.create_job("single", single_body(labels={"batch": label})) for _ in range(3)]
    client.login()
    before = client.request_count
    iterator = client.iter_jobs(page_size=1, labels={"batch": label})
    assert client.request_count == before
    next(iterator)
    assert client.request_count == before + 1
    for job_id in ids:
        client.stop_job(job_id)


def one_slot_queue(client: PaddleFlowClient) -> str:
    """A new queue with room for exactly one flavour1 job (so a second one cannot start)."""
    name = unique_id("q")
    response = requests.post(
        f"{client.base_url}/queue",
        json={"name": name, "namespace": "default", "maxResources": {"cpu": "1", "mem": "1Gi"}},
        headers={"x-pf-authorization": client.login()},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return name


def test_priority_updates_follow_the_job_status(client: PaddleFlowClient) -> None:
    queue = one_slot_queue(client)
    policy = {"queue": queue}
    first = client.create_job("single", single_body(schedulingPolicy=policy))
    second = client.create_job("single", single_body(schedulingPolicy=policy))
    statuses = {job_id: client.get_job(job_id)["status"] for job_id in (first, second)}
    waiting = [job_id for job_id, status in statuses.items() if status in {"init", "pending"}]
    assert waiting, statuses  # the queue has room for one job only

    client.update_job(waiting[-1], priority="high")
    assert client.get_job(waiting[-1])["schedulingPolicy"]["priority"] == "HIGH"
    client.update_job(waiting[-1], priority="Very_Low")
    assert client.get_job(waiting[-1])["schedulingPolicy"]["priority"] == "VERY_LOW"

    running = [job_id for job_id, status in statuses.items() if status == "running"]
    for job_id in running:  # only once an executor runs jobs
        with pytest.raises(ConflictError) as caught:
            client.update_job(job_id, priority="low")
        assert "job priority cannot be updated" in caught.value.message
    for job_id in (first, second):
        stop_and_wait(client, job_id)
    final = client.get_job(first)
    with pytest.raises(ConflictError):
        client.update_job(first, priority="low")
    assert final["status"] == "terminated"


def test_queue_and_flavour_reads(client: PaddleFlowClient) -> None:
    queue = client.get_queue("default-queue")
    assert queue["name"] == "default-queue"
    assert "default-queue" in {item["name"] for item in client.list_queues()}
    flavour = client.get_flavour("flavour1")
    assert (flavour["cpu"], flavour["mem"]) == ("1", "1Gi")
    names = {item["name"] for item in client.list_flavours()}
    assert {"flavour1", "flavour2", "flavour3"} <= names
    with pytest.raises(NotFoundError):
        client.get_flavour("no-such-flavour")


# --- the error paths of PADDLEFLOW_API.md §6, as typed errors -------------------------------


def test_unknown_job(client: PaddleFlowClient) -> None:
    missing = unique_id("missing")
    with pytest.raises(NotFoundError) as caught:
        client.get_job(missing)
    error = caught.value
    assert (error.status, error.code) == (404, "JobNotFound")
    assert missing in error.message
    assert error.request_id
    assert f"JobNotFound: {error.message} (HTTP 404, request id {error.request_id})" == str(error)
    for call in (client.stop_job, client.delete_job):
        with pytest.raises(NotFoundError):
            call(missing)
    with pytest.raises(NotFoundError):
        client.update_job(missing, labels={"a": "b"})


def test_stop_of_a_final_job_is_a_conflict_with_an_empty_code(client: PaddleFlowClient) -> None:
    job_id = client.create_job("single", single_body())
    stop_and_wait(client, job_id)
    with pytest.raises(ConflictError) as caught:
        client.stop_job(job_id)
    assert (caught.value.status, caught.value.code) == (500, "")
    assert "cannot be stopped" in caught.value.message
    assert str(caught.value).startswith("stop job failed, err: job ")
    assert "(HTTP 500, request id " in str(caught.value)


def test_delete_of_a_live_job_is_a_conflict(client: PaddleFlowClient) -> None:
    job_id = client.create_job("single", single_body())
    with pytest.raises(ConflictError) as caught:
        client.delete_job(job_id)
    assert (caught.value.status, caught.value.code) == (403, "ActionNotAllowed")
    assert "please stop it first" in caught.value.message
    client.stop_job(job_id)


def test_invalid_update_and_create(client: PaddleFlowClient) -> None:
    job_id = client.create_job("single", single_body())
    with pytest.raises(InvalidRequestError) as caught:
        client.update_job(job_id, priority="urgent")
    assert caught.value.code == "InvalidArguments"
    assert caught.value.message.lower() == "the priorty urgent is invalid"
    client.stop_job(job_id)

    with pytest.raises(InvalidRequestError) as create_error:
        client.create_job("single", single_body(schedulingPolicy={"priority": "VERY_HIGH"}))
    assert create_error.value.code == "JobCreateFailed"
    assert "invalid job priority VERY_HIGH" in create_error.value.message
    with pytest.raises(InvalidRequestError) as malformed:
        client.create_job("single", single_body(env=[]))
    assert malformed.value.code == "MalformedJSON"


def test_duplicate_id_is_a_conflict(client: PaddleFlowClient) -> None:
    body = single_body()
    client.create_job("single", body)
    with pytest.raises(ConflictError) as caught:
        client.create_job("single", body)
    assert caught.value.code == "JobCreateFailed"
    client.stop_job(body["id"])


def test_client_side_argument_checks(client: PaddleFlowClient) -> None:
    with pytest.raises(UsageError):
        client.create_job("batch", {})
    with pytest.raises(UsageError):
        client.get_job("")


def test_another_users_job_is_forbidden(client: PaddleFlowClient, settings: ClientSettings) -> None:
    name, password = f"u{unique_id('')[2:10]}", "secret123"
    response = requests.post(
        f"{client.base_url}/user",
        json={"username": name, "password": password},
        headers={"x-pf-authorization": client.login()},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    root_job = client.create_job("single", single_body())
    other = ClientSettings.for_server(settings.server_url, name, password)
    with PaddleFlowClient(other, token_cache=TokenCache.in_memory()) as alice:
        with pytest.raises(PermissionDeniedError) as caught:
            alice.get_job(root_job)
        assert caught.value.code == "ActionNotAllowed"
        with pytest.raises(PermissionDeniedError):
            alice.stop_job(root_job)
        own = alice.create_job("single", single_body())
        assert {job["id"] for job in alice.iter_jobs()} == {own}
        alice.stop_job(own)
    client.stop_job(root_job)


# --- login and the token cache ---------------------------------------------------------------


def test_wrong_password(settings: ClientSettings) -> None:
    wrong = ClientSettings.for_server(settings.server_url, "root", "not-the-password")
    with (
        PaddleFlowClient(wrong, token_cache=TokenCache.in_memory()) as api,
        pytest.raises(AuthenticationError) as caught,
    ):
        api.list_jobs()
    assert caught.value.code == "AuthFailed"
    assert caught.value.message == "Username or password not correct"


def test_unknown_user(settings: ClientSettings) -> None:
    nobody = ClientSettings.for_server(settings.server_url, "nobody-here", "pw")
    with (
        PaddleFlowClient(nobody, token_cache=TokenCache.in_memory()) as api,
        pytest.raises(AuthenticationError) as caught,
    ):
        api.login()
    assert caught.value.code == "UserNotExist"


def test_token_is_cached_between_clients(settings: ClientSettings, tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens")
    with PaddleFlowClient(settings, token_cache=cache) as first:
        first.list_jobs(max_keys=1)
        assert first.request_count == 2  # login + list
    with PaddleFlowClient(settings, token_cache=cache) as second:
        second.list_jobs(max_keys=1)
        assert second.request_count == 1  # the cached token, no login


def test_a_refused_cached_token_logs_in_exactly_once(
    settings: ClientSettings, tmp_path: Path
) -> None:
    cache = TokenCache(tmp_path / "tokens")
    cache.put(settings.server_url, settings.user, settings.password, "expired-or-revoked")
    with PaddleFlowClient(settings, token_cache=cache) as api:
        api.list_jobs(max_keys=1)
        assert api.request_count == 3  # refused list, login, list again
    fresh = cache.get(settings.server_url, settings.user, settings.password)
    assert fresh and fresh != "expired-or-revoked"


def test_a_wrong_password_never_uses_a_cached_token(
    settings: ClientSettings, tmp_path: Path
) -> None:
    cache = TokenCache(tmp_path / "tokens")
    with PaddleFlowClient(settings, token_cache=cache) as api:
        api.login()
    wrong = ClientSettings.for_server(settings.server_url, settings.user, "wrong-password")
    with PaddleFlowClient(wrong, token_cache=cache) as api, pytest.raises(AuthenticationError):
        api.list_jobs()


# --- connection failures, timeouts and retries ------------------------------------------------


def test_unreachable_local_server_hints_at_server_start() -> None:
    settings = ClientSettings.for_server(f"127.0.0.1:{free_port()}", "root", "paddleflow")
    with (
        PaddleFlowClient(
            settings, token_cache=TokenCache.in_memory(), retries=1, backoff=0.01
        ) as api,
        pytest.raises(ServerConnectionError) as caught,
    ):
        api.list_jobs()
    assert "connection refused" in str(caught.value)
    assert str(caught.value).endswith('run "pfctl server start"')
    assert not caught.value.sent
    assert api.request_count == 0


def test_unreachable_remote_server_has_no_local_hint() -> None:
    settings = ClientSettings.for_server("http://pf.invalid:8999", "root", "paddleflow")
    with (
        PaddleFlowClient(settings, token_cache=TokenCache.in_memory(), retries=0) as api,
        pytest.raises(ServerConnectionError) as caught,
    ):
        api.login()
    assert "pfctl server start" not in str(caught.value)


def _scripted_client(url: str, **options: Any) -> PaddleFlowClient:
    settings = ClientSettings.for_server(url, "root", "paddleflow")
    return PaddleFlowClient(settings, token_cache=TokenCache.in_memory(), backoff=0.01, **options)


def test_a_dropped_create_is_never_resent(dropping_server: RecordingTCPServer) -> None:
    with _scripted_client(dropping_server.url, retries=3) as api:
        api._token = "preset"  # skip login: the server under test only drops connections
        with pytest.raises(ServerConnectionError) as caught:
            api.create_job("single", single_body())
    assert caught.value.sent
    assert "may have been carried out" in str(caught.value)
    assert len(dropping_server.requests) == 1
    assert dropping_server.requests[0].startswith(b"POST /api/paddleflow/v1/job/single")


def test_a_dropped_read_is_retried(dropping_server: RecordingTCPServer) -> None:
    with _scripted_client(dropping_server.url, retries=2) as api:
        api._token = "preset"
        with pytest.raises(ServerConnectionError):
            api.get_job("job-1")
    assert len(dropping_server.requests) == 3


def test_read_timeout(scripted_server: Callable[[list[Reply]], tuple[str, list[str]]]) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with _scripted_client(url, retries=0, timeout=(1.0, 0.3)) as api:
            api._token = "preset"
            with pytest.raises(ServerConnectionError, match=r"did not answer within 0\.3 s"):
                api.get_job("job-1")


def test_gateway_errors_are_retried_for_reads_only(
    scripted_server: Callable[[list[Reply]], tuple[str, list[str]]],
) -> None:
    job = {"id": "job-1", "status": "init"}
    url, received = scripted_server([(503, None), (200, job), (503, None)])
    with _scripted_client(url, retries=2) as api:
        assert api.get_job("job-1") == job
        with pytest.raises(Exception) as caught:
            api.stop_job("job-1")
    assert getattr(caught.value, "status", None) == 503
    assert received == [
        "POST /api/paddleflow/v1/login",
        "GET /api/paddleflow/v1/job/job-1",
        "GET /api/paddleflow/v1/job/job-1",
        "PUT /api/paddleflow/v1/job/job-1?action=stop",
    ]


def test_error_without_message_names_the_request(
    scripted_server: Callable[[list[Reply]], tuple[str, list[str]]],
) -> None:
    url, _ = scripted_server([(404, {"requestID": "r1", "code": "PathNotFound", "message": ""})])
    with _scripted_client(url) as api, pytest.raises(NotFoundError) as caught:
        api.get_queue("q")
    assert str(caught.value) == (
        "PathNotFound: GET /api/paddleflow/v1/queue/q (HTTP 404, request id r1)"
    )
