"""The Starlette application of the local PaddleFlow-compatible server.

``create_app(config)`` builds it; the job runtime comes from ``runtime_factory`` (the one place
that chooses it is ``default_runtime_factory``). Around every request a small ASGI middleware
echoes or generates ``x-pf-request-id``, enforces the body size limit (413 in PaddleFlow's error
form) and counts requests per route for ``GET /api/pfctl/v1/stats``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, REQUEST_ID_HEADER, json_response
from pfctl.server.gojson import json_bytes
from pfctl.server.hooks import BasicRuntime, JobRuntime
from pfctl.server.paging import MarkerCodec
from pfctl.server.routes.meta import STATS_PATH
from pfctl.server.state import RequestStats, ServerConfig, ServerState
from pfctl.server.store.storage import Store

logger = logging.getLogger("pfctl.server")

RuntimeFactory = Callable[[Store, Path], JobRuntime]


def no_executor_factory(store: Store, data_dir: Path) -> JobRuntime:
    """API only: jobs stay ``init`` until stopped (``pfctl server run --no-executor``)."""
    return BasicRuntime(store)


def default_runtime_factory(store: Store, data_dir: Path) -> JobRuntime:
    """The job runtime the server uses unless told otherwise: the local process executor."""
    from pfctl.server.runtime.runner import create_runtime

    return create_runtime(store, data_dir)


class _BodyTooLarge(Exception):
    pass


class PaddleFlowMiddleware:
    """Request id, body size limit and request counting, around the whole app."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, stats: RequestStats) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get(REQUEST_ID_HEADER) or str(uuid.uuid4())
        scope["pf_request_id"] = request_id
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-pf-request-id"
                ]
                raw.append((REQUEST_ID_HEADER.encode(), request_id.encode("latin-1")))
                if not any(k.lower() == b"content-type" for k, _ in raw):
                    raw.append((b"content-type", b"application/json"))
                message = {**message, "headers": raw}
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        async def send_error(status: int, code: str, message: str) -> None:
            body = json_bytes({"requestID": request_id, "code": code, "message": message})
            start: Message = {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-length", str(len(body)).encode())],
            }
            await send_with_headers(start)
            await send_with_headers({"type": "http.response.body", "body": body})

        declared = headers.get("content-length", "")
        try:
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                raise _BodyTooLarge
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            if started:
                raise
            limit = f"request body is larger than the limit of {self.max_body_bytes} bytes"
            await send_error(413, "InvalidHTTPRequest", limit)
        except ClientDisconnect:
            pass  # the client left (or was timed out) before its body arrived: nobody to answer
        except Exception:
            if started:
                raise
            logger.exception("unexpected error serving %s %s", scope["method"], scope["path"])
            await send_error(500, "InternalError", "server panic. recovered.")
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None)
            if path != STATS_PATH:
                template = path.removeprefix(API_PREFIX) if path else "(no route)"
                self.stats.count(f"{scope['method']} {template}")


def _error_response(request: Request, code: str, message: str, status: int) -> Response:
    body = {"requestID": request.scope.get("pf_request_id", ""), "code": code, "message": message}
    return json_response(body, status)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(request, exc.code, exc.message, exc.status)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (RFC 9110's ``Allow``; Starlette names only
    the first route that matched the path, and a path may have one route per method)."""
    from starlette.routing import Route

    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.path_regex.match(request.url.path):
            methods |= route.methods or set()
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        response = _error_response(request, "MethodNotAllowed", "", 405)
        response.headers["allow"] = ", ".join(_allowed_methods(request))
        return response
    if exc.status_code == 404:
        return _error_response(request, "PathNotFound", "", 404)
    return _error_response(request, "InvalidHTTPRequest", str(exc.detail), exc.status_code)


def create_app(
    config: ServerConfig, runtime_factory: RuntimeFactory = default_runtime_factory
) -> Starlette:
    """The ASGI app: opens storage and starts the runtime on startup, closes both on shutdown."""
    from pfctl.server.openapi import build_openapi
    from pfctl.server.routes import all_routes
    from pfctl.server.ui import routes as ui_routes

    stats = RequestStats()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store(config.data_dir)
        runtime = runtime_factory(store, config.data_dir)
        app.state.pf = ServerState(
            config=config,
            store=store,
            runtime=runtime,
            markers=MarkerCodec(store.marker_secret()),
            stats=stats,
            openapi=build_openapi,
        )
        runtime.start()
        try:
            yield
        finally:
            runtime.close()
            store.close()

    app = Starlette(
        routes=[*all_routes(), *ui_routes()],  # the web view (/ui/) after the API
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.add_middleware(PaddleFlowMiddleware, max_body_bytes=config.max_body_bytes, stats=stats)
    return app
