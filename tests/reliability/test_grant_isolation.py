"""Isolation of queue grants between users, against a real server: only root reads or changes
grants (PaddleFlow's ``controller/grant`` refuses everyone else, even for their own grants), one
user's grant opens a queue to that user only, and a user made again under a deleted user's name
inherits none of the old grants."""

from __future__ import annotations

from collections.abc import Callable

from tests.helpers.api import Api, assert_error, grant_queue, login, new_queue


def _visible(api: Api) -> set[str]:
    response = api.get("/queue", params={"maxKeys": 1000})
    assert response.status_code == 200, response.text
    return {queue["name"] for queue in response.json()["queueList"]}


def _grants_of(root: Api, user: str) -> list[tuple[str, str]]:
    listing = root.get("/grant", params={"username": user, "maxKeys": 1000}).json()
    return [(grant["resourceType"], grant["resourceID"]) for grant in listing["grantList"]]


def test_a_user_can_neither_read_nor_change_anyones_grants(
    root_api: Api, make_user: Callable[[str], Api]
) -> None:
    alice, mallory = make_user("alice"), make_user("mallory")
    queue, wanted = new_queue(root_api), new_queue(root_api)
    grant_queue(root_api, alice.user_name, queue)
    theirs = {"username": alice.user_name, "resourceType": "queue", "resourceID": queue}
    mine = {"userName": mallory.user_name, "resourceType": "queue", "resourceID": wanted}
    refusals = [
        (mallory.get("/grant"), 403, "OnlyRootAllowed"),
        (mallory.get("/grant", params={"username": alice.user_name}), 403, "OnlyRootAllowed"),
        (alice.get("/grant", params={"username": alice.user_name}), 403, "OnlyRootAllowed"),
        (mallory.delete("/grant", params=theirs), 403, "OnlyRootAllowed"),
        (alice.delete("/grant", params=theirs), 403, "OnlyRootAllowed"),
        (mallory.post("/grant", json=mine), 403, "OnlyRootAllowed"),
        (
            mallory.post("/grant", json={**mine, "userName": alice.user_name}),
            400,
            "AuthIllegalUser",
        ),
    ]
    for response, status, code in refusals:
        assert_error(response, status, code)
    assert _grants_of(root_api, alice.user_name) == [("queue", queue)]
    assert _grants_of(root_api, mallory.user_name) == []
    assert alice.get(f"/queue/{queue}").status_code == 200
    assert_error(mallory.get(f"/queue/{wanted}"), 403, "ActionNotAllowed")


def test_one_users_grant_opens_the_queue_to_that_user_only(
    root_api: Api, make_user: Callable[[str], Api]
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    queue = new_queue(root_api)
    grant_queue(root_api, alice.user_name, queue)
    assert queue in _visible(alice)
    assert queue not in _visible(bob)
    assert_error(bob.get(f"/queue/{queue}"), 403, "ActionNotAllowed")


def test_a_user_made_again_under_a_deleted_name_inherits_no_grant(
    api_server, root_api: Api, make_user: Callable[[str], Api]
) -> None:
    first = make_user("reborn")
    name = first.user_name
    queue = new_queue(root_api)
    grant_queue(root_api, name, queue)
    assert root_api.delete(f"/user/{name}").status_code == 200
    created = root_api.post("/user", json={"username": name, "password": "other123"})
    assert created.status_code == 200, created.text
    again = login(api_server.url, name, "other123")
    assert _grants_of(root_api, name) == []
    assert queue not in _visible(again)
    assert_error(again.get(f"/queue/{queue}"), 403, "ActionNotAllowed")
