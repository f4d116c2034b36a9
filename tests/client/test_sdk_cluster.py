"""The SDK facade's queue and flavour methods against the local server, called as PaddleFlow's
SDK documents them (positional arguments, camelCase queue parameters, ``(ok, result)``)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from typing import Any

import pytest

from pfctl.client import Client, FlavourInfo, PaddleFlowSDKException, QueueInfo

from .helpers import unique_id


@pytest.fixture
def sdk(pf_server: Any) -> Iterator[Client]:
    client = Client(pf_server.host, pf_server.user, pf_server.password, pf_server.port)
    assert client.login("root", "paddleflow") == (True, None)
    yield client
    client.close()


@pytest.fixture
def user_sdk(sdk: Client, pf_server: Any) -> Iterator[Client]:
    """A logged-in client of a fresh user that is not root."""
    name = unique_id("u").replace("-", "")
    assert sdk.add_user(name, "secret123") == (True, None)
    client = Client(pf_server.host, name, "secret123", pf_server.port)
    assert client.login(name, "secret123") == (True, None)
    yield client
    client.close()
    sdk.del_user(name)


def _signature(function: Any) -> list[tuple[str, Any]]:
    return [(p.name, p.default) for p in inspect.signature(function).parameters.values()][1:]


EMPTY = inspect.Parameter.empty


def test_signatures_and_defaults_are_the_sdk_ones() -> None:
    assert _signature(Client.add_queue) == [
        ("name", EMPTY),
        ("namespace", EMPTY),
        ("clusterName", EMPTY),
        ("maxResources", EMPTY),
        ("minResources", None),
        ("schedulingPolicy", None),
        ("location", None),
        ("quotaType", None),
    ]
    assert _signature(Client.update_queue) == [
        ("queuename", EMPTY),
        ("maxResources", EMPTY),
        ("minResources", None),
        ("schedulingPolicy", None),
        ("location", None),
    ]
    assert _signature(Client.del_queue) == [("queuename", EMPTY)]
    assert _signature(Client.list_queue) == [("maxsize", 100), ("marker", None)]
    assert _signature(Client.show_queue) == [("queuename", EMPTY)]
    assert _signature(Client.grant_queue) == [("username", EMPTY), ("queuename", EMPTY)]
    assert _signature(Client.ungrant_queue) == [("username", EMPTY), ("queuename", EMPTY)]
    assert _signature(Client.show_queue_grant) == [("username", None), ("maxsize", 100)]
    assert _signature(Client.list_flavour) == [
        ("maxsize", 100),
        ("marker", None),
        ("clustername", ""),
        ("key", ""),
    ]
    assert _signature(Client.show_flavour) == [("name", EMPTY)]
    assert _signature(Client.add_flavour) == [
        ("name", EMPTY),
        ("cpu", EMPTY),
        ("memory", EMPTY),
        ("scalar_resources", None),
        ("cluster_name", None),
    ]
    assert _signature(Client.del_flavour) == [("name", EMPTY)]
    assert _signature(Client.update_flavour) == [
        ("name", EMPTY),
        ("cpu", None),
        ("memory", None),
        ("scalar_resources", None),
        ("cluster_name", None),
    ]
    assert list(inspect.signature(QueueInfo).parameters) == [
        "name",
        "status",
        "namespace",
        "clusterName",
        "quotaType",
        "maxResources",
        "minResources",
        "usedResources",
        "idleResources",
        "location",
        "schedulingPolicy",
        "createTime",
        "updateTime",
    ]
    assert list(inspect.signature(FlavourInfo).parameters) == [
        "name",
        "cpu",
        "mem",
        "scalar_resources",
        "cluster_name",
        "createtime",
        "updatetime",
    ]


def test_queue_lifecycle(sdk: Client) -> None:
    name = unique_id("q")
    ok, message = sdk.add_queue(
        name,
        "default",
        "default-cluster",
        {"cpu": "4", "mem": "8Gi"},
        {"cpu": "2", "mem": "4Gi"},
        ["priority"],
        {"zone": "a"},
        "elasticQuota",
    )
    assert (ok, message) == (True, None)

    ok, info = sdk.show_queue(name)
    assert ok and isinstance(info, QueueInfo)
    assert (info.name, info.namespace, info.clusterName, info.quotaType, info.status) == (
        name,
        "default",
        "default-cluster",
        "elasticQuota",
        "open",
    )
    assert info.maxResources is not None and info.maxResources["cpu"] == "4"
    assert info.minResources is not None and info.minResources["cpu"] == "2"
    assert info.usedResources is not None and info.idleResources is not None
    assert info.schedulingPolicy == ["priority"]
    assert info.location == {"zone": "a"}
    assert info.createTime and info.updateTime

    # One page at a time, as the SDK pages: the marker leads to the next page, None after the last.
    seen: list[QueueInfo] = []
    marker = None
    while True:
        ok, page, marker = sdk.list_queue(1, marker)
        assert ok and isinstance(page, list) and len(page) <= 1
        seen += page
        if not marker:
            break
    listed = {queue.name: queue for queue in seen}
    assert name in listed and "default-queue" in listed
    assert listed[name].usedResources is None  # list_queue leaves them out, as the SDK does
    assert listed[name].maxResources == info.maxResources

    assert sdk.update_queue(name, {"cpu": "6", "mem": "8Gi"}) == (True, None)
    ok, info = sdk.show_queue(name)
    assert ok and isinstance(info, QueueInfo)
    assert info.maxResources is not None and info.maxResources["cpu"] == "6"

    ok, message = sdk.add_queue(name, "default", None, {"cpu": "1", "mem": "1Gi"})
    assert ok is False and isinstance(message, str) and message

    assert sdk.del_queue(name) == (True, None)
    ok, message = sdk.show_queue(name)
    assert ok is False and isinstance(message, str) and name in message
    ok, message = sdk.del_queue(name)
    assert ok is False and name in str(message)


def test_queue_client_side_checks_raise_as_the_sdk(sdk: Client) -> None:
    with pytest.raises(PaddleFlowSDKException) as raised:
        sdk.add_queue("", "default", None, {"cpu": "1", "mem": "1Gi"})
    assert raised.value.code == "InvalidQueueName"
    with pytest.raises(PaddleFlowSDKException) as raised:
        sdk.add_queue("q", " ", None, {"cpu": "1", "mem": "1Gi"})
    assert raised.value.code == "InvalidNameSpace"
    with pytest.raises(PaddleFlowSDKException) as raised:
        sdk.add_queue("q", "default", None, {"cpu": "1"})
    assert raised.value.code == "InvalidQueueMaxResources"
    with pytest.raises(PaddleFlowSDKException) as raised:
        sdk.list_queue(0)
    assert raised.value.code == "InvalidRequest"
    for call in (sdk.show_queue, sdk.del_queue):
        with pytest.raises(PaddleFlowSDKException) as raised:
            call("")
        assert raised.value.code == "InvalidQueueName"
    with pytest.raises(PaddleFlowSDKException):
        sdk.update_queue(" ", {"cpu": "1"})


def test_a_user_who_is_not_root_cannot_change_queues_or_flavours(
    sdk: Client, user_sdk: Client
) -> None:
    name = unique_id("q")
    ok, message = user_sdk.add_queue(name, "default", None, {"cpu": "1", "mem": "1Gi"})
    assert ok is False and isinstance(message, str) and message
    assert sdk.show_queue(name)[0] is False  # nothing was created
    ok, message = user_sdk.update_queue("default-queue", {"cpu": "1", "mem": "1Gi"})
    assert ok is False and message
    ok, message = user_sdk.del_queue("default-queue")
    assert ok is False and message
    ok, message = user_sdk.add_flavour(unique_id("f"), "1", "1Gi")
    assert ok is False and isinstance(message, str) and "error message=" in message


def test_flavour_lifecycle(sdk: Client) -> None:
    name = unique_id("f")
    assert sdk.add_flavour(name, "2", "4Gi", {"nvidia.com/gpu": "1"}) == (True, None)

    ok, info = sdk.show_flavour(name)
    assert ok and isinstance(info, FlavourInfo)
    assert (info.name, info.cpu, info.mem, info.cluster_name) == (name, "2", "4Gi", "")
    assert json.loads(info.scalar_resources) == {"nvidia.com/gpu": "1"}
    assert info.createtime and info.updatetime

    ok, flavours, marker = sdk.list_flavour(key=name)
    assert ok and isinstance(flavours, list)
    assert [flavour.name for flavour in flavours] == [name]
    assert marker is None
    ok, first, marker = sdk.list_flavour(1)
    assert ok and isinstance(first, list) and len(first) == 1 and marker
    ok, second, _ = sdk.list_flavour(1, marker)
    assert ok and isinstance(second, list) and second and second[0].name != first[0].name

    assert sdk.update_flavour(name, cpu="3") == (True, name)
    ok, info = sdk.show_flavour(name)
    assert ok and isinstance(info, FlavourInfo)
    assert (info.cpu, info.mem) == ("3", "4Gi")

    ok, message = sdk.add_flavour(name, "1", "1Gi")
    assert ok is False and isinstance(message, str)
    assert message.startswith("requestBody={") and "\nerror message=" in message

    assert sdk.del_flavour(name) == (True, None)
    ok, message = sdk.show_flavour(name)
    assert ok is False and name in str(message)
    ok, message = sdk.update_flavour(name, cpu="1")
    assert ok is False and message


def test_flavour_client_side_checks_raise_as_the_sdk(sdk: Client) -> None:
    for arguments in (("", "1", "1Gi"), ("f", "", "1Gi"), ("f", "1", " ")):
        with pytest.raises(PaddleFlowSDKException) as raised:
            sdk.add_flavour(*arguments)
        assert raised.value.code == "InvalidFlavourName"
    for call in (sdk.show_flavour, sdk.del_flavour, sdk.update_flavour):
        with pytest.raises(PaddleFlowSDKException):
            call("")
    with pytest.raises(PaddleFlowSDKException) as raised:
        sdk.list_flavour(-1)
    assert "invalid maxsize -1" in raised.value.message
