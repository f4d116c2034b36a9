"""Queue grants through the SDK facade and the typed client, against the local server: what a
script that grants a queue to a user before the user works with it does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pfctl.client import (
    Client,
    ClientSettings,
    GrantInfo,
    NotFoundError,
    PaddleFlowClient,
    PaddleFlowSDKException,
    PermissionDeniedError,
    QueueInfo,
    TokenCache,
)

from .helpers import unique_id


@pytest.fixture
def sdk(pf_server: Any) -> Iterator[Client]:
    client = Client(pf_server.host, pf_server.user, pf_server.password, pf_server.port)
    assert client.login("root", "paddleflow") == (True, None)
    yield client
    client.close()


@pytest.fixture
def scene(sdk: Client, pf_server: Any) -> Iterator[tuple[str, str, Client]]:
    """A fresh queue, a fresh user who is not root, and that user's logged-in client."""
    queue, user = unique_id("q"), unique_id("u").replace("-", "")
    assert sdk.add_queue(queue, "default", None, {"cpu": "1", "mem": "1Gi"}) == (True, None)
    assert sdk.add_user(user, "secret123") == (True, None)
    client = Client(pf_server.host, user, "secret123", pf_server.port)
    assert client.login(user, "secret123") == (True, None)
    yield queue, user, client
    client.close()
    sdk.del_user(user)
    sdk.del_queue(queue)


def test_a_grant_opens_a_queue_to_its_user(sdk: Client, scene: tuple[str, str, Client]) -> None:
    queue, user, as_user = scene
    ok, message = as_user.show_queue(queue)
    assert ok is False and isinstance(message, str) and message
    ok, listed, _ = as_user.list_queue()
    assert ok and isinstance(listed, list) and queue not in {q.name for q in listed}

    assert sdk.grant_queue(user, queue) == (True, None)
    ok, grants = sdk.show_queue_grant(user)
    assert ok and grants == [GrantInfo(user, queue)]
    ok, everyone = sdk.show_queue_grant()
    assert ok and isinstance(everyone, list) and GrantInfo(user, queue) in everyone
    ok, info = as_user.show_queue(queue)
    assert ok and isinstance(info, QueueInfo) and info.name == queue
    ok, listed, _ = as_user.list_queue()
    assert ok and isinstance(listed, list) and queue in {q.name for q in listed}

    ok, message = sdk.grant_queue(user, queue)
    assert ok is False and message  # granted already

    assert sdk.ungrant_queue(user, queue) == (True, None)
    assert sdk.show_queue_grant(user) == (True, [])
    assert as_user.show_queue(queue)[0] is False
    ok, message = sdk.ungrant_queue(user, queue)
    assert ok is False and message


def test_only_root_grants(sdk: Client, scene: tuple[str, str, Client]) -> None:
    queue, user, as_user = scene
    ok, message = as_user.grant_queue(user, queue)
    assert ok is False and message
    ok, message = as_user.show_queue_grant(user)
    assert ok is False and message
    assert sdk.grant_queue(user, queue) == (True, None)
    ok, message = as_user.ungrant_queue(user, queue)
    assert ok is False and message
    assert sdk.show_queue_grant(user) == (True, [GrantInfo(user, queue)])


def test_grants_of_what_does_not_exist_are_refused(
    sdk: Client, scene: tuple[str, str, Client]
) -> None:
    queue, user, _ = scene
    ok, message = sdk.grant_queue(user, "no-such-queue")
    assert ok is False and message
    ok, message = sdk.grant_queue("nosuchuser", queue)
    assert ok is False and message
    for arguments in (("", queue), (user, " ")):
        with pytest.raises(PaddleFlowSDKException):
            sdk.grant_queue(*arguments)
        with pytest.raises(PaddleFlowSDKException):
            sdk.ungrant_queue(*arguments)
    with pytest.raises(PaddleFlowSDKException):
        sdk.show_queue_grant(" ")
    with pytest.raises(PaddleFlowSDKException):
        sdk.show_queue_grant(None, 0)


def test_typed_client_grant_calls(
    client: PaddleFlowClient, sdk: Client, scene: tuple[str, str, Client]
) -> None:
    queue, user, _ = scene
    grant_id = client.create_grant(user, queue)
    assert grant_id
    page = client.grant_page(user_name=user)
    listed = [(g["grantID"], g["userName"], g["resourceType"], g["resourceID"]) for g in page.items]
    assert listed == [(grant_id, user, "queue", queue)]
    assert page.next_marker is None
    # A user the route names that does not exist is "not found", not a refused login.
    with pytest.raises(NotFoundError):
        client.create_grant("nosuchuser", queue)
    with pytest.raises(NotFoundError):
        client.delete_grant("nosuchuser", queue)
    client.delete_grant(user, queue)
    assert client.grant_page(user_name=user).items == []
    settings = ClientSettings.for_server(client.settings.server_url, user, "secret123")
    with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as as_user:
        with pytest.raises(PermissionDeniedError):
            as_user.grant_page()
        with pytest.raises(PermissionDeniedError):
            as_user.create_grant(user, queue)
