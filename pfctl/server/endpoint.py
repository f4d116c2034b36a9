"""How a route handler is written: a plain function of a ``Call``, run in Starlette's threadpool.

``endpoint(handler)`` turns ``handler(call) -> dict | list | EncodedJson | None`` into a Starlette
endpoint that reads the body, authenticates the caller (every route but login), runs the handler
in a worker thread (SQLite is synchronous), and renders the result as PaddleFlow does: a JSON
body, or an empty 200 body for ``None``. Failures raise ``ApiError``; the app's handlers render
them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pfctl.server.apierrors import ApiError, storage_error
from pfctl.server.gojson import EncodedJson, go_json_kind, json_bytes, parse_json
from pfctl.server.state import ServerState
from pfctl.server.store.accounts import is_root

API_PREFIX = "/api/paddleflow/v1"
TOKEN_HEADER = "x-pf-authorization"
REQUEST_ID_HEADER = "x-pf-request-id"


def json_response(value: Any, status: int = 200) -> Response:
    """A JSON response (``None`` gives an empty body, still typed ``application/json``)."""
    if isinstance(value, EncodedJson):
        body = value.body
    else:
        body = b"" if value is None else json_bytes(value)
    return Response(body, status_code=status, media_type="application/json")


@dataclass
class Call:
    """One request as a handler sees it."""

    state: ServerState
    request_id: str
    method: str
    user_name: str  # the authenticated user ("" on login)
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes

    @property
    def is_root(self) -> bool:
        """True when the caller is the root user."""
        return is_root(self.user_name)

    def require_root(self) -> None:
        """``OnlyRootAllowed`` unless the caller is the root user."""
        if not self.is_root:
            raise ApiError("OnlyRootAllowed")

    def json_body(self) -> Any:
        """The body parsed as JSON; ``MalformedJSON`` when it is empty or not JSON."""
        try:
            return parse_json(self.body)
        except ValueError as exc:
            raise ApiError("MalformedJSON", _go_syntax_error(self.body, exc)) from exc

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object (``null`` counts as ``{}``, as the Go decoder treats it)."""
        value = self.json_body()
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ApiError(
                "MalformedJSON",
                f"json: cannot unmarshal {go_json_kind(value)} into Go value of type struct",
            )
        return value


def _go_syntax_error(body: bytes, exc: Exception) -> str:
    if not body.strip():
        return "EOF"
    return f"invalid character in JSON body: {exc}"


Handler = Callable[[Call], Any]


def endpoint(handler: Handler, *, public: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """Wrap ``handler`` as a Starlette endpoint (see the module docstring)."""

    async def run(request: Request) -> Response:
        state: ServerState = request.app.state.pf
        body = await request.body()
        call = Call(
            state=state,
            request_id=request.scope.get("pf_request_id", ""),
            method=request.method,
            user_name="",
            path_params={k: str(v) for k, v in request.path_params.items()},
            query=dict(request.query_params),
            body=body,
        )
        token = request.headers.get(TOKEN_HEADER, "")
        result = await run_in_threadpool(_authenticate_and_handle, handler, call, token, public)
        return json_response(result)

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def _authenticate_and_handle(handler: Handler, call: Call, token: str, public: bool) -> Any:
    try:
        if not public:
            call.user_name = _authenticate(call, token)
        return handler(call)
    except (sqlite3.Error, OSError) as error:
        # A full disk is the client's to know about, as its own error; anything else is a bug.
        refused = storage_error(error)
        if refused is None:
            raise
        raise refused from error


def _authenticate(call: Call, token: str) -> str:
    if not token:
        raise ApiError("AuthWithoutToken")
    user_name = call.state.store.accounts.user_for_token(token)
    if user_name is None:
        raise ApiError("AuthInvalidToken")
    claimed = _claimed_user_name(call)
    if claimed and claimed != user_name and not is_root(user_name):
        raise ApiError("AuthIllegalUser")
    return user_name


def authenticate(call: Call, token: str) -> str:
    """The user ``token`` logs in (the check of every route but login); ``ApiError`` if none."""
    return _authenticate(call, token)


def _claimed_user_name(call: Call) -> str:
    """The ``userName`` a request names (body key for POST/PUT, matched case-insensitively as the
    Go decoder does; query parameter otherwise); PaddleFlow refuses a non-root caller naming
    another user."""
    if call.method in ("POST", "PUT"):
        try:
            body = parse_json(call.body)
        except ValueError:
            return ""
        if isinstance(body, dict):
            for key, value in body.items():
                if key.lower() == "username" and isinstance(value, str):
                    return value
        return ""
    return call.query.get("userName", "")
