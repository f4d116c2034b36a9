"""Login and users: ``POST /login``, ``POST/GET /user``, ``PUT/DELETE /user/{username}``.

As PaddleFlow's ``router/v1/user.go``: only root creates, lists and deletes users; a user may
change their own password; root cannot be deleted; names match ``^[A-Za-z0-9-]{4,16}$``;
passwords need 6+ characters with a digit and a lower-case letter.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import Route

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, Call, endpoint
from pfctl.server.paging import max_keys
from pfctl.server.store.accounts import UserExists, UserRecord, is_root
from pfctl.server.store.timefmt import format_time

USER_NAME_PATTERN = re.compile(r"[A-Za-z0-9-]{4,16}")


def _credentials(call: Call) -> tuple[str, str]:
    # Go's decoder matches "username"/"password" case-insensitively.
    body = {str(key).lower(): value for key, value in call.json_object().items()}
    name, password = body.get("username", ""), body.get("password", "")
    if not isinstance(name, str) or not isinstance(password, str):
        raise ApiError("MalformedJSON")
    return name, password


def _password_is_weak(password: str) -> bool:
    return (
        len(password) < 6
        or re.search("[0-9]", password) is None
        or re.search("[a-z]", password) is None
    )


def _user_view(user: UserRecord) -> dict[str, Any]:
    return {"createTime": format_time(user.created_at), "name": user.name}


def login(call: Call) -> dict[str, Any]:
    """Exchange a user name and password for a token (``{"authorization": TOKEN}``)."""
    try:
        name, password = _credentials(call)
    except ApiError as exc:
        raise ApiError("MalformedJSON") from exc
    accounts = call.state.store.accounts
    matches = accounts.check_password(name, password)
    if matches is None:
        raise ApiError("UserNotExist")
    if not matches:
        raise ApiError("AuthFailed")
    user = accounts.get_user(name)
    assert user is not None
    token = accounts.issue_token(
        user.name, lifetime_seconds=call.state.config.token_lifetime_seconds
    )
    return {"authorization": token}


def create_user(call: Call) -> dict[str, Any]:
    """Create a user (root only); ``{"username": NAME}``."""
    name, password = _credentials(call)
    if not USER_NAME_PATTERN.fullmatch(name):
        raise ApiError("InvalidNamePattern")
    if _password_is_weak(password):
        raise ApiError("UserPasswordWeak")
    call.require_root()
    try:
        user = call.state.store.accounts.create_user(name, password)
    except UserExists as exc:
        raise ApiError("UserNameDuplicated") from exc
    return {"username": user.name}


def list_users(call: Call) -> dict[str, Any]:
    """List users (root only), or show one with ``?user=NAME``."""
    accounts = call.state.store.accounts
    wanted = call.query.get("user", "")
    if wanted:
        if not call.is_root:
            raise ApiError("AccessDenied")
        user = accounts.get_user(wanted)
        if user is None:
            raise ApiError("UserNotExist")
        return _user_view(user)
    limit = max_keys(call.query)
    if not call.is_root:
        raise ApiError("AccessDenied")
    users = accounts.list_users(after_pk=call.state.markers.position(call.query), limit=limit + 1)
    return call.state.markers.envelope(users, limit, "userList", _user_view)


def update_user(call: Call) -> None:
    """Change a password (root for anyone, others for themselves); revokes the user's tokens."""
    name = call.path_params["username"]
    body = call.json_object()
    password = body.get("password", "")
    if not isinstance(password, str):
        raise ApiError("MalformedJSON")
    if _password_is_weak(password):
        raise ApiError("UserPasswordWeak")
    accounts = call.state.store.accounts
    if accounts.get_user(name) is None:
        raise ApiError("UserNotExist")
    if not call.is_root and call.user_name.lower() != name.lower():
        raise ApiError("AccessDenied")
    accounts.set_password(name, password)


def delete_user(call: Call) -> None:
    """Delete a user (root only; root itself cannot be deleted)."""
    name = call.path_params["username"]
    if not call.is_root:
        raise ApiError("AccessDenied")
    accounts = call.state.store.accounts
    if accounts.get_user(name) is None:
        raise ApiError("UserNotExist")
    if is_root(name):
        raise ApiError("AccessDenied")
    accounts.delete_user(name)


def routes() -> list[Route]:
    """The login and user routes."""
    return [
        Route(f"{API_PREFIX}/login", endpoint(login, public=True), methods=["POST"]),
        Route(f"{API_PREFIX}/user", endpoint(create_user), methods=["POST"]),
        Route(f"{API_PREFIX}/user", endpoint(list_users), methods=["GET"]),
        Route(f"{API_PREFIX}/user/{{username}}", endpoint(update_user), methods=["PUT"]),
        Route(f"{API_PREFIX}/user/{{username}}", endpoint(delete_user), methods=["DELETE"]),
    ]
