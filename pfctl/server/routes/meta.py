"""PaddleFlow's ``GET /version`` (``router/v1/version.go``), and pfctl's own routes: request
statistics and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from pfctl.server.endpoint import API_PREFIX, Call, endpoint

STATS_PATH = "/api/pfctl/v1/stats"
OPENAPI_PATH = "/api/pfctl/v1/openapi.json"


def stats(call: Call) -> dict[str, Any]:
    """Requests served since start, in total and per route (root only; not counted itself)."""
    call.require_root()
    return call.state.stats.snapshot()


def openapi(call: Call) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route."""
    return call.state.openapi()


#: The PaddleFlow release whose API the local server follows (PADDLEFLOW_API.md).
PADDLEFLOW_VERSION = "v1.4.7"


def version(call: Call) -> list[str]:
    """PaddleFlow's version answer: ``"Name: value"`` lines, as its ``version.Info`` builds them
    (PaddleFlow, GitVersion, GitCommit, BuildDate, GoVersion, Compiler, Platform), here naming
    the pfctl server that answers."""
    import platform
    import sys

    from pfctl import __version__

    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return [
        f"PaddleFlow: {PADDLEFLOW_VERSION}",
        f"GitVersion: pfctl-server-{__version__}",
        "GitCommit: unknown",
        "BuildDate: unknown",
        f"GoVersion: none (Python {platform.python_version()})",
        f"Compiler: {sys.implementation.name}",
        f"Platform: {sys.platform}/{machine}",
    ]


def routes() -> list[Route]:
    """``/version`` and the pfctl-specific routes."""
    return [
        Route(f"{API_PREFIX}/version", endpoint(version), methods=["GET"]),
        Route(STATS_PATH, endpoint(stats), methods=["GET"]),
        Route(OPENAPI_PATH, endpoint(openapi, public=True), methods=["GET"]),
    ]
