"""The SDK facade's user, log and version methods against the local server, called as
PaddleFlow's SDK documents them."""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pfctl.client import Client, JobInfo, LogInfoByLimit, PaddleFlowSDKException, UserInfo

from .helpers import unique_id

EMPTY = inspect.Parameter.empty


@pytest.fixture
def sdk(pf_server: Any) -> Iterator[Client]:
    client = Client(pf_server.host, pf_server.user, pf_server.password, pf_server.port)
    assert client.login("root", "paddleflow") == (True, None)
    yield client
    client.close()


def _signature(function: Any) -> list[tuple[str, Any]]:
    return [(p.name, p.default) for p in inspect.signature(function).parameters.values()][1:]


def test_signatures_and_defaults_are_the_sdk_ones() -> None:
    assert _signature(Client.get_version) == []
    assert _signature(Client.add_user) == [("user_name", EMPTY), ("password", EMPTY)]
    assert _signature(Client.del_user) == [("user_name", EMPTY)]
    assert _signature(Client.list_user) == [("maxsize", 100)]
    assert _signature(Client.update_password) == [("name", EMPTY), ("password", EMPTY)]
    assert [name for name, _ in _signature(Client.show_log_by_limit)] == [
        "job_id",
        "name",
        "namespace",
        "cluster_name",
        "read_from_tail",
        "line_limit",
        "size_limit",
        "type",
        "framework",
    ]
    assert all(default is None for _, default in _signature(Client.show_log_by_limit))
    assert list(inspect.signature(UserInfo).parameters) == ["name", "create_time"]
    assert list(inspect.signature(LogInfoByLimit).parameters) == [
        "job_id",
        "task_id",
        "name",
        "has_next_page",
        "truncated",
        "line_limit",
        "size_limit",
        "log_content",
    ]


def test_version_is_the_servers_answer(sdk: Client) -> None:
    ok, lines = sdk.get_version()
    assert ok and isinstance(lines, list) and lines
    assert all(isinstance(line, str) and ": " in line for line in lines)


def test_user_lifecycle(sdk: Client, pf_server: Any) -> None:
    name = unique_id("u").replace("-", "")
    assert sdk.add_user(name, "secret123") == (True, None)
    ok, message = sdk.add_user(name, "secret123")
    assert ok is False and isinstance(message, str) and message

    ok, users = sdk.list_user()
    assert ok and isinstance(users, list)
    listed = {user.name: user for user in users}
    assert "root" in listed and name in listed
    assert listed[name].create_time
    ok, one = sdk.list_user(1)
    assert ok and isinstance(one, list) and len(one) == 1

    assert sdk.update_password(name, "secret456") == (True, None)
    with Client(pf_server.host, name, "secret123", pf_server.port) as user:
        ok, message = user.login(name, "secret123")
        assert ok is False and message
        assert user.login(name, "secret456") == (True, None)
        # A user may change its own password, and nothing that is root's business.
        assert user.update_password(name, "secret789") == (True, None)
        ok, message = user.list_user()
        assert ok is False and message
        ok, message = user.add_user(unique_id("u").replace("-", ""), "secret123")
        assert ok is False and message
        ok, message = user.del_user("root")
        assert ok is False and message

    assert sdk.del_user(name) == (True, None)
    ok, users = sdk.list_user()
    assert ok and isinstance(users, list) and name not in {user.name for user in users}
    ok, message = sdk.del_user(name)
    assert ok is False and message


def test_user_client_side_checks_raise_as_the_sdk(sdk: Client) -> None:
    with pytest.raises(PaddleFlowSDKException) as raised:
        sdk.add_user(" ", "secret123")
    assert raised.value.code == "InvalidUser"
    with pytest.raises(PaddleFlowSDKException) as raised:
        sdk.add_user("someone", "")
    assert raised.value.code == "InvalidPassWord"
    with pytest.raises(PaddleFlowSDKException):
        sdk.del_user("")
    with pytest.raises(PaddleFlowSDKException):
        sdk.update_password("someone", None)  # type: ignore[arg-type]
    with pytest.raises(PaddleFlowSDKException) as raised:
        sdk.list_user(0)
    assert raised.value.code == "InvalidRequest"


def _finished_job(sdk: Client, command: str) -> str:
    request = {
        "id": unique_id("sdklog"),
        "schedulingPolicy": {"queue": "default-queue"},
        "flavour": {"name": "flavour1"},
        "image": "python:3.11",
        "command": command,
    }
    ok, job_id = sdk.create_job("single", request)
    assert ok, job_id
    for _ in range(600):
        ok, info = sdk.show_job(job_id)
        assert ok and isinstance(info, JobInfo)
        if info.status in {"succeeded", "failed"}:
            assert info.status == "succeeded", info.message
            return job_id
        time.sleep(0.1)
    raise AssertionError(f"{job_id} did not finish")


def test_logs_by_limit(sdk: Client) -> None:
    job_id = _finished_job(sdk, "echo one; echo two; echo three")
    # No line_limit: nothing is sent for it and the server's default (1000 lines) applies.
    ok, answer = sdk.show_log_by_limit(job_id=job_id, cluster_name="default-cluster")
    assert ok and isinstance(answer, dict), answer
    assert set(answer) == {"eventList", "logs"}
    logs = answer["logs"]
    assert logs and all(isinstance(log, LogInfoByLimit) for log in logs)
    first = logs[0]
    assert (first.job_id, first.line_limit, first.size_limit) == (job_id, 1000, "100KB")
    assert first.task_id
    assert "one\ntwo\nthree" in first.log_content

    ok, answer = sdk.show_log_by_limit(
        job_id=job_id, cluster_name="default-cluster", read_from_tail=True, line_limit=1
    )
    assert ok and isinstance(answer, dict)
    tail = answer["logs"][0]
    assert tail.line_limit == 1
    assert tail.log_content.strip() == "three"

    # PaddleFlow's log route needs the job's cluster: without it the server says why.
    ok, message = sdk.show_log_by_limit(job_id=job_id)
    assert ok is False and isinstance(message, str) and "cluster" in message
    ok, message = sdk.show_log_by_limit(job_id="job-does-not-exist", cluster_name="default-cluster")
    assert ok is False and "job-does-not-exist" in str(message)
