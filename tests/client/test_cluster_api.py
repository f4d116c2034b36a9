"""The typed client's queue, flavour and user calls (``pfctl.client.cluster_api``) against the
local server: what they send, what they return, and the typed errors of a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from pfctl.client import (
    ClientSettings,
    ConflictError,
    NotFoundError,
    PaddleFlowClient,
    PaddleFlowError,
    PermissionDeniedError,
    TokenCache,
)
from pfctl.errors import UsageError

from .helpers import unique_id


def test_queue_calls(client: PaddleFlowClient) -> None:
    name = unique_id("q")
    client.create_queue(
        name,
        namespace="default",
        max_resources={"cpu": "4", "mem": "8Gi", "scalarResources": {"nvidia.com/gpu": "2"}},
        min_resources={"cpu": "1", "mem": "1Gi"},
        scheduling_policy=["priority"],
        location={"zone": "a"},
        quota_type="elasticQuota",
    )
    queue = client.get_queue(name)
    assert queue["maxResources"]["scalarResources"] == {"nvidia.com/gpu": "2"}
    assert (queue["minResources"]["cpu"], queue["location"]) == ("1", {"zone": "a"})
    with pytest.raises(ConflictError):
        client.create_queue(name, namespace="default", max_resources={"cpu": "1", "mem": "1Gi"})

    answered = client.update_queue(name, max_resources={"cpu": "6", "mem": "8Gi"}, location={})
    assert answered is not None and answered["maxResources"]["cpu"] == "6"
    assert client.get_queue(name)["location"] == {"zone": "a"}  # an empty location is not sent

    first = client.queue_page(max_keys=1)
    assert len(first.items) == 1 and first.truncated and first.next_marker
    second = client.queue_page(max_keys=1, marker=first.next_marker)
    assert second.items[0]["name"] != first.items[0]["name"]
    assert name in {queue["name"] for queue in client.list_queues(page_size=1)}

    client.delete_queue(name)
    with pytest.raises(PaddleFlowError) as missing:
        client.get_queue(name)
    assert missing.value.code == "QueueNameNotFound"
    with pytest.raises(UsageError):
        client.delete_queue("")


def test_flavour_calls(client: PaddleFlowClient) -> None:
    name = unique_id("f")
    client.create_flavour(name, cpu="2", mem="4Gi", scalar_resources={"nvidia.com/gpu": "1"})
    assert client.get_flavour(name)["scalarResources"] == {"nvidia.com/gpu": "1"}
    changed = client.update_flavour(name, cpu="3", mem="")
    assert (changed["name"], changed["cpu"], changed["mem"]) == (name, "3", "4Gi")
    page = client.flavour_page(name=name)
    assert [flavour["name"] for flavour in page.items] == [name]
    assert page.next_marker is None and not page.truncated
    with pytest.raises(ConflictError):
        client.create_flavour(name, cpu="1", mem="1Gi")
    client.delete_flavour(name)
    with pytest.raises(NotFoundError):
        client.get_flavour(name)
    with pytest.raises(NotFoundError):
        client.delete_flavour(name)


def test_user_calls(client: PaddleFlowClient, pf_server: Any) -> None:
    name = unique_id("u").replace("-", "")
    client.create_user(name, "secret123")
    with pytest.raises(ConflictError):
        client.create_user(name, "secret123")
    listed = client.user_page(max_keys=1000)
    assert name in {user["name"] for user in listed.items}
    assert all(set(user) >= {"name", "createTime"} for user in listed.items)

    client.update_password(name, "secret456")
    settings = ClientSettings.for_server(pf_server.url, name, "secret456")
    with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as as_user:
        with pytest.raises(PermissionDeniedError):
            as_user.user_page()
        with pytest.raises(PermissionDeniedError):
            as_user.create_queue(
                unique_id("q"), namespace="default", max_resources={"cpu": "1", "mem": "1Gi"}
            )
        with pytest.raises(PermissionDeniedError):
            as_user.create_flavour(unique_id("f"), cpu="1", mem="1Gi")

    client.delete_user(name)
    # The user the route names is missing: not found, not a refused login of the caller.
    with pytest.raises(NotFoundError):
        client.delete_user(name)
    with pytest.raises(NotFoundError):
        client.update_password(name, "secret789")
