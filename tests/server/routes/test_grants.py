"""The grant routes (``POST``, ``GET``, ``DELETE /grant``): shapes, every refusal in PaddleFlow's
order with its code, status and text, paging, and what happens to grants when their queue or
user goes."""

from __future__ import annotations

import re

import pytest

from tests.helpers.api import Api, assert_error, grant_queue, new_queue

GRANT_KEYS = ["grantID", "userName", "resourceType", "resourceID", "createTime", "updateTime"]
# Go's time.Time in JSON: RFC 3339 with optional fractional seconds and a zone.
GO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)")


def _body(user: str, resource_id: str, resource_type: str = "queue") -> dict[str, str]:
    return {"userName": user, "resourceType": resource_type, "resourceID": resource_id}


def _query(user: str, resource_id: str, resource_type: str = "queue") -> dict[str, str]:
    return {"username": user, "resourceType": resource_type, "resourceID": resource_id}


def _grants_of(root: Api, user: str) -> list[dict[str, str]]:
    response = root.get("/grant", params={"username": user, "maxKeys": 1000})
    assert response.status_code == 200, response.text
    return list(response.json()["grantList"])


def test_root_creates_lists_and_deletes_a_grant(root_api, make_user):
    user = make_user("grantee").user_name
    queue = new_queue(root_api)
    created = root_api.post("/grant", json=_body(user, queue))
    assert created.status_code == 200, created.text
    assert list(created.json()) == ["grantID"]
    assert re.fullmatch(r"grant-[0-9a-f]{8}", created.json()["grantID"])

    listing = root_api.get("/grant", params={"username": user}).json()
    assert list(listing) == ["maxKeys", "isTruncated", "grantList"]
    assert listing["maxKeys"] == 50 and listing["isTruncated"] is False
    [grant] = listing["grantList"]
    assert list(grant) == GRANT_KEYS
    assert grant["grantID"] == created.json()["grantID"]
    assert (grant["userName"], grant["resourceType"], grant["resourceID"]) == (user, "queue", queue)
    assert GO_TIME.fullmatch(grant["createTime"]) and GO_TIME.fullmatch(grant["updateTime"])

    deleted = root_api.delete("/grant", params=_query(user, queue))
    assert deleted.status_code == 200 and deleted.content == b""
    assert deleted.headers["content-type"] == "application/json"
    assert _grants_of(root_api, user) == []


def test_the_sdk_spelling_of_the_body_and_user_grants(root_api, make_user):
    """Go matches body keys case-insensitively: the PaddleFlow SDK sends ``username``. A grant
    may also name a user as its resource."""
    user = make_user("sdkgrant").user_name
    other = make_user("granted").user_name
    queue = new_queue(root_api)
    sdk_body = {"username": user, "resourceType": "queue", "resourceID": queue}
    assert root_api.post("/grant", json=sdk_body).status_code == 200
    assert root_api.post("/grant", json=_body(user, other, "user")).status_code == 200
    kinds = {(g["resourceType"], g["resourceID"]) for g in _grants_of(root_api, user)}
    assert kinds == {("queue", queue), ("user", other)}


def test_create_refusals_in_paddleflow_order(root_api, make_user):
    plain = make_user("nogrant")
    user = plain.user_name
    queue = new_queue(root_api)
    # BaseAuth first: a non-root caller naming another user; then the controller's root check.
    assert_error(plain.post("/grant", json=_body("root", queue)), 400, "AuthIllegalUser")
    assert_error(
        plain.post("/grant", json=_body(user, queue)),
        403,
        "OnlyRootAllowed",
        "This operation is only allowed for root user",
    )
    assert_error(
        root_api.post("/grant", json=_body("ROOT", "no-such-queue", "cluster")),
        400,
        "GrantRootActionNotSupport",
        "Can not delete or create root's grant",
    )
    assert_error(
        root_api.post("/grant", json=_body("nobody-here", queue, "cluster")),
        400,
        "GrantResourceTypeNotFound",
        "This kind of resource is not exist",
    )
    assert_error(
        root_api.post("/grant", json=_body("nobody-here", "no-such-queue")),
        400,
        "QueueNameNotFound",
        "QueueName does not exist",
    )
    assert_error(
        root_api.post("/grant", json=_body(user, "nobody-here", "user")),
        400,
        "UserNotExist",
        "User not exist",
    )
    # No file system is registered here; PaddleFlow answers a missing fs with UserNotExist.
    assert_error(root_api.post("/grant", json=_body(user, "fs-x", "fs")), 400, "UserNotExist")
    assert_error(root_api.post("/grant", json=_body("nobody-here", queue)), 400, "UserNotExist")
    assert_error(root_api.post("/grant", json=_body("", queue)), 400, "UserNotExist")
    grant_queue(root_api, user, queue)
    assert_error(
        root_api.post("/grant", json=_body(user, queue)),
        400,
        "GrantAlreadyExist",
        "This user already have the grant of the resource",
    )
    assert len(_grants_of(root_api, user)) == 1


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[]", b'{"userName": 7}', b'{"resourceID": ["q"]}'],
    ids=["empty", "broken", "array", "number", "list"],
)
def test_create_refuses_malformed_json_with_the_fixed_text(root_api, body):
    assert_error(
        root_api.post("/grant", data=body),
        400,
        "MalformedJSON",
        "The JSON provided was not well-formatted",
    )


def test_delete_refusals_in_paddleflow_order(root_api, make_user):
    plain = make_user("nodelete")
    user = plain.user_name
    queue = new_queue(root_api)
    grant_queue(root_api, user, queue)
    assert_error(plain.delete("/grant", params=_query(user, queue)), 403, "OnlyRootAllowed")
    assert_error(
        root_api.delete("/grant", params=_query("root", queue)), 400, "GrantRootActionNotSupport"
    )
    assert_error(
        root_api.delete("/grant", params=_query(user, queue, "cluster")),
        400,
        "GrantResourceTypeNotFound",
    )
    assert_error(root_api.delete("/grant"), 400, "GrantResourceTypeNotFound")
    assert_error(
        root_api.delete("/grant", params=_query(user, "no-such-queue")), 400, "QueueNameNotFound"
    )
    assert_error(
        root_api.delete("/grant", params=_query("nobody-here", queue)), 400, "UserNotExist"
    )
    other = make_user("other").user_name
    assert_error(
        root_api.delete("/grant", params=_query(other, queue)),
        400,
        "GrantNotFound",
        "Grant not found. check the user and resource",
    )
    assert [g["resourceID"] for g in _grants_of(root_api, user)] == [queue]
    assert root_api.delete("/grant", params=_query(user, queue)).status_code == 200
    assert_error(root_api.delete("/grant", params=_query(user, queue)), 400, "GrantNotFound")


def test_list_pages_follow_markers_and_filter_by_user(root_api, make_user):
    user = make_user("pager").user_name
    other = make_user("bystand").user_name
    queues = [new_queue(root_api) for _ in range(5)]
    ids = [grant_queue(root_api, user, queue) for queue in queues]
    grant_queue(root_api, other, queues[0])

    seen: list[str] = []
    params: dict[str, str | int] = {"username": user, "maxKeys": 2}
    while True:
        page = root_api.get("/grant", params=params).json()
        assert page["maxKeys"] == 2 and len(page["grantList"]) <= 2
        seen += [grant["grantID"] for grant in page["grantList"]]
        assert all(grant["userName"] == user for grant in page["grantList"])
        if not page["isTruncated"]:
            assert "nextMarker" not in page
            break
        params["marker"] = page["nextMarker"]
    assert seen == ids

    everyone = root_api.get("/grant", params={"maxKeys": 1000}).json()["grantList"]
    users = {grant["userName"] for grant in everyone}
    assert {user, other} <= users


def test_list_refusals(root_api, make_user):
    plain = make_user("nolist")
    assert_error(
        root_api.get("/grant", params={"maxKeys": "0"}), 400, "InvalidURI", "maxKeys[0] is invalid"
    )
    assert_error(root_api.get("/grant", params={"maxKeys": "1001"}), 400, "InvalidURI")
    assert_error(root_api.get("/grant", params={"marker": "forged"}), 400, "InvalidMarker")
    # maxKeys is read by the router, before the controller's root check.
    assert_error(plain.get("/grant", params={"maxKeys": "x"}), 400, "InvalidURI")
    assert_error(plain.get("/grant"), 403, "OnlyRootAllowed")
    assert_error(plain.get("/grant", params={"username": plain.user_name}), 403, "OnlyRootAllowed")


def test_a_deleted_queue_takes_its_grants_and_a_new_one_of_its_name_has_none(root_api, make_user):
    granted = make_user("qgone")
    queue = new_queue(root_api)
    kept = new_queue(root_api)
    grant_queue(root_api, granted.user_name, queue)
    grant_queue(root_api, granted.user_name, kept)
    assert root_api.delete(f"/queue/{queue}").status_code == 200
    assert [g["resourceID"] for g in _grants_of(root_api, granted.user_name)] == [kept]
    new_queue(root_api, queue)
    assert_error(granted.get(f"/queue/{queue}"), 403, "ActionNotAllowed")


def test_a_deleted_user_takes_their_grants_but_grants_of_them_stay(root_api, make_user):
    leaving = make_user("leaving").user_name
    holder = make_user("holder").user_name
    queue = new_queue(root_api)
    grant_queue(root_api, leaving, queue)
    assert root_api.post("/grant", json=_body(holder, leaving, "user")).status_code == 200
    assert root_api.delete(f"/user/{leaving}").status_code == 200
    assert _grants_of(root_api, leaving) == []
    # PaddleFlow deletes by user name only: a grant whose resource is the user stays.
    assert [(g["resourceType"], g["resourceID"]) for g in _grants_of(root_api, holder)] == [
        ("user", leaving)
    ]
