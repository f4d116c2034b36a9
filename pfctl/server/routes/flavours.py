"""The flavour routes of PaddleFlow's ``router/v1/flavour.go``: create, list, show, update,
delete. Changing flavours is root's business here (PaddleFlow leaves it to its grants)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.routing import Route

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, Call, endpoint
from pfctl.server.paging import max_keys
from pfctl.server.store.catalog import FlavourRecord, NameTaken
from pfctl.server.store.timefmt import format_time
from pfctl.spec import resources


def flavour_object(flavour: FlavourRecord) -> dict[str, Any]:
    """The flavour object of the flavour routes."""
    return {
        "id": flavour.id,
        "name": flavour.name,
        "cpu": flavour.cpu,
        "mem": flavour.mem,
        "scalarResources": flavour.scalar_resources or None,
        "createTime": format_time(flavour.created_at),
        "updateTime": format_time(flavour.updated_at),
    }


def _positive(key: str, value: Any) -> str:
    text = str(value)
    try:
        amount = resources.parse_amount(text)
    except ValueError as exc:
        raise ApiError("FlavourInvalidField", f"{key}[{text}] is invalid: {exc}") from exc
    if amount <= 0:
        raise ApiError("FlavourInvalidField", f"{key}[{text}] must be greater than 0")
    return text


def _scalars(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ApiError("MalformedJSON")
    scalars = {str(k): str(v) for k, v in value.items()}
    for name, text in scalars.items():
        try:
            amount = resources.parse_amount(text)
        except ValueError as exc:
            raise ApiError("FlavourInvalidField", f"{name}[{text}] is invalid: {exc}") from exc
        if amount < 0:
            raise ApiError("FlavourInvalidField", f"{name}[{text}] cannot be negative")
    return scalars


def _flavour_or_404(call: Call, name: str) -> FlavourRecord:
    flavour = call.state.store.catalog.get_flavour(name)
    if flavour is None:
        raise ApiError("FlavourNotFound", f"flavour[{name}] not found")
    return flavour


def create_flavour(call: Call) -> dict[str, Any]:
    """Register a flavour (root only); ``{"name": NAME}``."""
    body = call.json_object()
    call.require_root()
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise ApiError("FlavourNameEmpty")
    cpu = _positive("cpu", body.get("cpu", ""))
    mem = _positive("mem", body.get("mem", ""))
    scalars = _scalars(body.get("scalarResources"))
    try:
        call.state.store.catalog.create_flavour(
            name, cpu, mem, scalars, str(body.get("clusterName") or "")
        )
    except NameTaken as exc:
        raise ApiError("DuplicatedName", f"flavour[{name}] already exists") from exc
    return {"name": name}


def list_flavours(call: Call) -> dict[str, Any]:
    """A page of flavours in creation order (``name`` filters by a part of the name)."""
    limit = max_keys(call.query)
    flavours = call.state.store.catalog.list_flavours(
        after_pk=call.state.markers.position(call.query),
        limit=limit + 1,
        name_like=call.query.get("name") or None,
    )
    return call.state.markers.envelope(flavours, limit, "flavourList", flavour_object)


def show_flavour(call: Call) -> dict[str, Any]:
    """One flavour."""
    return flavour_object(_flavour_or_404(call, call.path_params["flavourName"]))


def update_flavour(call: Call) -> dict[str, Any]:
    """Change a flavour's cpu, mem or scalar resources (root only); returns the flavour."""
    body = call.json_object()
    call.require_root()
    name = call.path_params["flavourName"]
    _flavour_or_404(call, name)
    updated = call.state.store.catalog.update_flavour(
        name,
        cpu=None if body.get("cpu") in (None, "") else _positive("cpu", body["cpu"]),
        mem=None if body.get("mem") in (None, "") else _positive("mem", body["mem"]),
        scalar_resources=None
        if body.get("scalarResources") is None
        else _scalars(body["scalarResources"]),
    )
    assert updated is not None
    return flavour_object(updated)


def delete_flavour(call: Call) -> None:
    """Delete a flavour (root only)."""
    call.require_root()
    name = call.path_params["flavourName"]
    _flavour_or_404(call, name)
    call.state.store.catalog.delete_flavour(name)


def routes() -> list[Route]:
    """The flavour routes."""
    flavour = f"{API_PREFIX}/flavour"
    return [
        Route(flavour, endpoint(create_flavour), methods=["POST"]),
        Route(flavour, endpoint(list_flavours), methods=["GET"]),
        Route(f"{flavour}/{{flavourName}}", endpoint(show_flavour), methods=["GET"]),
        Route(f"{flavour}/{{flavourName}}", endpoint(update_flavour), methods=["PUT"]),
        Route(f"{flavour}/{{flavourName}}", endpoint(delete_flavour), methods=["DELETE"]),
    ]
