"""Login, tokens and the user routes."""

from __future__ import annotations

import requests

from tests.helpers.api import PREFIX, Api, assert_error, login


def test_login_returns_a_token_that_authorises_requests(api_server):
    api = login(api_server.url)
    assert api.get("/user").status_code == 200


def test_login_errors(api_server):
    url = f"{api_server.url}{PREFIX}/login"
    assert_error(requests.post(url, data=b"{", timeout=10), 400, "MalformedJSON")
    assert_error(
        requests.post(url, json={"username": "nobody1", "password": "x"}, timeout=10),
        400,
        "UserNotExist",
        "User not exist",
    )
    assert_error(
        requests.post(url, json={"username": "root", "password": "wrong"}, timeout=10),
        400,
        "AuthFailed",
        "Username or password not correct",
    )


def test_every_route_but_login_needs_a_token(api_server):
    anonymous = Api(api_server.url)
    assert_error(anonymous.get("/job"), 400, "AuthWithoutToken", "Request should login first")
    assert_error(
        Api(api_server.url, "not-a-token").get("/job"),
        400,
        "AuthInvalidToken",
        "Invalid token. Please re-login",
    )


def test_root_creates_lists_and_deletes_users(root_api):
    created = root_api.post("/user", json={"username": "alice01", "password": "secret123"})
    assert created.status_code == 200
    assert created.json() == {"username": "alice01"}
    listing = root_api.get("/user", params={"maxKeys": 1000}).json()
    names = [user["name"] for user in listing["userList"]]
    assert "root" in names and "alice01" in names
    assert list(listing["userList"][0]) == ["createTime", "name"]
    shown = root_api.get("/user", params={"user": "alice01"}).json()
    assert shown["name"] == "alice01"
    assert_error(
        root_api.post("/user", json={"username": "alice01", "password": "secret123"}),
        403,
        "UserNameDuplicated",
    )
    deleted = root_api.delete("/user/alice01")
    assert deleted.status_code == 200 and deleted.content == b""
    assert deleted.headers["content-type"] == "application/json"
    assert_error(root_api.delete("/user/alice01"), 400, "UserNotExist")


def test_user_rules(root_api, make_user):
    assert_error(
        root_api.post("/user", json={"username": "a!", "password": "secret123"}),
        400,
        "InvalidNamePattern",
    )
    assert_error(
        root_api.post("/user", json={"username": "weakling", "password": "abc"}),
        400,
        "UserPasswordWeak",
    )
    assert_error(root_api.delete("/user/root"), 403, "AccessDenied")
    bob = make_user("bob")
    assert_error(bob.get("/user"), 403, "AccessDenied")
    assert_error(
        bob.post("/user", json={"username": "carol01", "password": "secret123"}),
        400,
        "AuthIllegalUser",
    )
    assert_error(bob.delete(f"/user/{bob.user_name}"), 403, "AccessDenied")


def test_password_change_revokes_tokens(root_api, make_user):
    bob = make_user("bob")
    changed = bob.put(f"/user/{bob.user_name}", json={"password": "newsecret1"})
    assert changed.status_code == 200 and changed.content == b""
    assert_error(bob.get("/job"), 400, "AuthInvalidToken")
    again = login(root_api.base_url, bob.user_name, "newsecret1")
    assert again.get("/job").status_code == 200
    assert_error(again.put("/user/root", json={"password": "hacked123"}), 403, "AccessDenied")


def test_token_lifetime_is_configurable(start_pf_server):
    expiring = start_pf_server(args=["--token-lifetime", "0"])
    api = login(expiring.url)
    assert_error(api.get("/job"), 400, "AuthInvalidToken")
