"""`pfctl queue grant|ungrant|grantlist` end to end against the real local server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from pfctl.client import PaddleFlowClient
from tests.helpers.cli import in_process_pfctl
from tests.helpers.jobs import unique_id


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    return in_process_pfctl(pf_server, capsys, monkeypatch)


@pytest.fixture
def scene(client: PaddleFlowClient) -> Iterator[tuple[str, str]]:
    """A fresh queue and a fresh user who is not root (password secret123)."""
    queue, user = unique_id("q"), unique_id("u").replace("-", "")
    client.create_queue(queue, namespace="default", max_resources={"cpu": "1", "mem": "1Gi"})
    client.create_user(user, "secret123")
    yield queue, user
    client.delete_user(user)
    client.delete_queue(queue)


def test_grant_list_and_ungrant(pfctl: Any, scene: tuple[str, str]) -> None:
    queue, user = scene
    as_user = ("--user", user, "--password", "secret123")
    hidden = pfctl("queue", "show", queue, *as_user)
    assert hidden.code == 1 and "Traceback" not in hidden.err

    granted = pfctl("queue", "grant", user, queue)
    assert granted.code == 0, granted.err
    assert granted.out.strip() == f"queue[{queue}] add username[{user}] success"
    assert pfctl("queue", "show", queue, "-o", "name", *as_user).code == 0
    names = pfctl("queue", "list", "--all", "-o", "name", *as_user).out.split()
    assert queue in names

    table = pfctl("queue", "grantlist", "-u", user, "-o", "table")
    assert table.code == 0
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in table.out.splitlines()
        if line.startswith("|")
    ]
    assert rows == [["user name", "queue name"], [user, queue]]
    listed = json.loads(pfctl("queue", "grantlist", "-u", user, "-o", "json").out)
    assert [(g["userName"], g["resourceID"]) for g in listed["grantList"]] == [(user, queue)]
    everyone = pfctl("queue", "grantlist", "-m", "1000", "-o", "jsonpath={.grantList[*].userName}")
    assert user in everyone.out.split()

    again = pfctl("queue", "grant", user, queue)
    assert again.code == 1 and "Traceback" not in again.err

    ungranted = pfctl("queue", "ungrant", user, queue, "-o", "json")
    assert ungranted.code == 0, ungranted.err
    assert json.loads(ungranted.out)[0]["message"] == (
        f"queue[{queue}] delete username[{user}] success"
    )
    assert json.loads(pfctl("queue", "grantlist", "-u", user, "-o", "json").out)["grantList"] == []
    assert pfctl("queue", "show", queue, *as_user).code == 1
    assert pfctl("queue", "ungrant", user, queue).code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["queue", "grant", "nosuchuser", "{queue}"],
        ["queue", "grant", "{user}", "no-such-queue"],
        ["queue", "ungrant", "nosuchuser", "{queue}"],
    ],
)
def test_what_does_not_exist_is_exit_1(pfctl: Any, scene: tuple[str, str], args: list[str]) -> None:
    queue, user = scene
    result = pfctl(*(arg.format(queue=queue, user=user) for arg in args))
    assert result.code == 1, result.err
    assert result.err.startswith("error: ") and "Traceback" not in result.err


def test_only_root_grants(pfctl: Any, client: PaddleFlowClient, scene: tuple[str, str]) -> None:
    queue, user = scene
    as_user = ("--user", user, "--password", "secret123")
    for args in (
        ["queue", "grant", user, queue],
        ["queue", "ungrant", user, queue],
        ["queue", "grantlist"],
    ):
        result = pfctl(*args, *as_user)
        assert result.code == 1, (args, result.err)
        assert "Traceback" not in result.err
    assert client.grant_page(user_name=user).items == []
