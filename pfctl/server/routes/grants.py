"""Grants: ``POST``, ``GET`` and ``DELETE /grant``, as PaddleFlow's ``router/v1/grant.go`` and
``controller/grant/grant.go``.

Only root creates, lists and deletes grants (``OnlyRootAllowed`` 403 for anyone else, even for
their own grants), and root's own grants cannot be made or taken back
(``GrantRootActionNotSupport``). A grant names a ``queue``, a ``user`` or an ``fs``; the resource
and the user must exist. The checks run in the controller's order, each with its code and
PaddleFlow's fixed text for it. What a grant allows is checked where PaddleFlow checks it: a
non-root user sees and shows only the queues granted to them (``pfctl.server.routes.queues``);
submitting a job does not check grants (``validateQueue`` in ``controller/job/create.go`` reads
none).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.routing import Route

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, Call, endpoint
from pfctl.server.paging import max_keys
from pfctl.server.store.accounts import is_root
from pfctl.server.store.grants import (
    RESOURCE_FS,
    RESOURCE_QUEUE,
    RESOURCE_USER,
    GrantExists,
    GrantRecord,
)

#: The keys of PaddleFlow's ``CreateGrantRequest``, by their lower-case spelling (Go's decoder
#: matches keys case-insensitively: the PaddleFlow SDK sends ``username``).
_REQUEST_KEYS = {"username": "userName", "resourcetype": "resourceType", "resourceid": "resourceID"}


def go_time(epoch_seconds: float) -> str:
    """A stored time as Go marshals a ``time.Time``: RFC 3339 in local time, fractional seconds
    without trailing zeros (the grant object's ``createTime``/``updateTime``)."""
    moment = datetime.fromtimestamp(epoch_seconds).astimezone()
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "")
    offset = moment.strftime("%z")
    return text + ("Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}")


def grant_view(grant: GrantRecord) -> dict[str, Any]:
    """The grant object (``model.Grant``'s JSON keys, in its order)."""
    return {
        "grantID": grant.id,
        "userName": grant.user_name,
        "resourceType": grant.resource_type,
        "resourceID": grant.resource_id,
        "createTime": go_time(grant.created_at),
        "updateTime": go_time(grant.updated_at),
    }


def _grant_request(call: Call) -> dict[str, str]:
    """``userName``, ``resourceType`` and ``resourceID`` of the body, decoded as Go does (the last
    of two spellings wins, ``null`` leaves ``""``); any other failure is ``MalformedJSON`` with
    its fixed text, as ``createGrant`` renders it."""
    try:
        body = call.json_object()
    except ApiError as exc:
        raise ApiError("MalformedJSON") from exc
    fields = dict.fromkeys(_REQUEST_KEYS.values(), "")
    for key, value in body.items():
        field = _REQUEST_KEYS.get(str(key).lower())
        if field is None or value is None:
            continue
        if not isinstance(value, str):
            raise ApiError("MalformedJSON")
        fields[field] = value
    return fields


def _check_target(call: Call, user_name: str, resource_type: str, resource_id: str) -> None:
    """The checks ``CreateGrant`` and ``DeleteGrant`` share, in their order."""
    call.require_root()
    if is_root(user_name):
        raise ApiError("GrantRootActionNotSupport")
    store = call.state.store
    if resource_type == RESOURCE_QUEUE:
        if store.get_queue(resource_id) is None:
            raise ApiError("QueueNameNotFound")
    elif resource_type == RESOURCE_USER:
        if store.accounts.get_user(resource_id) is None:
            raise ApiError("UserNotExist")
    elif resource_type == RESOURCE_FS:
        # No file-system registry here, so no fs exists; PaddleFlow's checkFs answers a missing
        # fs with UserNotExist.
        raise ApiError("UserNotExist")
    else:
        raise ApiError("GrantResourceTypeNotFound")
    if store.accounts.get_user(user_name) is None:
        raise ApiError("UserNotExist")


def create_grant(call: Call) -> dict[str, Any]:
    """Grant a user a queue, a user or a file system (root only); ``{"grantID": ID}``.

    The body is ``{"userName", "resourceType", "resourceID"}`` (keys in any case: the PaddleFlow
    SDK sends ``username``)."""
    request = _grant_request(call)
    user_name, resource_type = request["userName"], request["resourceType"]
    resource_id = request["resourceID"]
    _check_target(call, user_name, resource_type, resource_id)
    try:
        grant = call.state.store.grants.create(user_name, resource_type, resource_id)
    except GrantExists as exc:
        raise ApiError("GrantAlreadyExist") from exc
    return {"grantID": grant.id}


def list_grants(call: Call) -> dict[str, Any]:
    """A page of grants in creation order (root only); ``username`` shows one user's."""
    limit = max_keys(call.query)
    call.require_root()
    grants = call.state.store.grants.list_grants(
        after_pk=call.state.markers.position(call.query),
        limit=limit + 1,
        user_name=call.query.get("username") or None,
    )
    return call.state.markers.envelope(grants, limit, "grantList", grant_view)


def delete_grant(call: Call) -> None:
    """Take a grant back (root only): ``?username=&resourceType=&resourceID=``."""
    user_name = call.query.get("username", "")
    resource_type = call.query.get("resourceType", "")
    resource_id = call.query.get("resourceID", "")
    _check_target(call, user_name, resource_type, resource_id)
    if not call.state.store.grants.delete(user_name, resource_type, resource_id):
        raise ApiError("GrantNotFound")


def routes() -> list[Route]:
    """The grant routes."""
    grant = f"{API_PREFIX}/grant"
    return [
        Route(grant, endpoint(create_grant), methods=["POST"]),
        Route(grant, endpoint(list_grants), methods=["GET"]),
        Route(grant, endpoint(delete_grant), methods=["DELETE"]),
    ]
