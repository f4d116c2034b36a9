"""pfctl's own routes: request statistics and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from pfctl.server.endpoint import Call, endpoint

STATS_PATH = "/api/pfctl/v1/stats"
OPENAPI_PATH = "/api/pfctl/v1/openapi.json"


def stats(call: Call) -> dict[str, Any]:
    """Requests served since start, in total and per route (root only; not counted itself)."""
    call.require_root()
    return call.state.stats.snapshot()


def openapi(call: Call) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route."""
    return call.state.openapi()


def routes() -> list[Route]:
    """The pfctl-specific routes."""
    return [
        Route(STATS_PATH, endpoint(stats), methods=["GET"]),
        Route(OPENAPI_PATH, endpoint(openapi, public=True), methods=["GET"]),
    ]
