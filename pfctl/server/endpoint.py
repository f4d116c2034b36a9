"""How a route handler is written: a plain function of a ``Call``, run in Starlette's threadpool.

``endpoint(handler)`` turns ``handler(call) -> dict | list | EncodedJson | None`` into a Starlette
endpoint that reads the body, authenticates the caller (every route but login), runs the handler
in a worker thread (SQLite is synchronous), and renders the result as PaddleFlow does: a JSON
body, or an empty 200 body for ``None``. Failures raise ``ApiError``; the app's handlers render
them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pfctl.server.apierrors import ApiError
from pfctl.server.store.accounts import is_root

if TYPE_CHECKING:
    from pfctl.server.app import ServerState

API_PREFIX = "/api/paddleflow/v1"
TOKEN_HEADER = "x-pf-authorization"
USER_HEADER = "x-pf-user-name"
REQUEST_ID_HEADER = "x-pf-request-id"
NO_BODY = object()
#: JSON nested deeper than this is refused as malformed: Python's recursive decoders, validators
#: and encoders would hit the interpreter's recursion limit near 1000 levels (a 500), and no
#: real job body comes close (an Argo workflow template is about 10 levels deep).
MAX_JSON_DEPTH = 128


def json_bytes(value: Any) -> bytes:
    """Compact JSON, as Go's encoder writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def parse_json(data: bytes | str) -> Any:
    """JSON as Go's decoder reads it: bytes are UTF-8 with invalid sequences and lone UTF-16
    surrogates (``"\\ud800"``) replaced by U+FFFD, never an error nor a string that cannot be
    stored or echoed. Raises ``ValueError`` for bad JSON and for nesting deeper than
    ``MAX_JSON_DEPTH``."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("exceeded max depth") from None
    if _nesting_depth(value) > MAX_JSON_DEPTH:
        raise ValueError("exceeded max depth")
    if _SURROGATE_ESCAPE.search(text):
        value = _without_surrogates(value)
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def _nesting_depth(value: Any) -> int:
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        pending.extend((child, depth + 1) for child in item)
    return deepest


@dataclass(frozen=True)
class EncodedJson:
    """A handler result that is JSON already (``body`` is what ``json_bytes`` would give): sent
    as it is, for responses built from pre-encoded parts (the job list)."""

    body: bytes


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


def go_json_kind(value: Any) -> str:
    """The word Go's decoder uses for a JSON value's kind in its error texts."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


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
    if not public:
        call.user_name = _authenticate(call, token)
    return handler(call)


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
