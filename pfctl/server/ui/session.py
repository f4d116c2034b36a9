"""Who is signed in to the web view, CSRF tokens, and the security headers of every answer.

The session is the API's own login token, kept in an HttpOnly, SameSite=Strict cookie scoped to
``/ui`` (scripts cannot read it, other sites cannot send it). Every request looks the token up as
the API does (``Accounts.user_for_token``: unknown, revoked and expired tokens all fail). The CSRF
token of a form is an HMAC of the session token under the database's marker secret: it changes
with each login and cannot be made without the cookie.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

from pfctl.server.state import ServerState

COOKIE = "pfctl_ui"
COOKIE_PATH = "/ui"

#: Scripts, styles and images only from this server; no inline script or style, no framing, forms
#: post only here, and fetches go only back to this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


def session_token(request: Request) -> str:
    """The token in the session cookie ("" when there is none)."""
    return request.cookies.get(COOKIE, "")


def user_for(state: ServerState, token: str) -> str | None:
    """The signed-in user of ``token``, as the API authenticates it; None when not valid."""
    if not token:
        return None
    return state.store.accounts.user_for_token(token)


def csrf_token(state: ServerState, token: str) -> str:
    """The CSRF token of the forms of the session with ``token``."""
    key = state.store.marker_secret()
    return hmac.new(key, b"pfctl-ui-csrf:" + token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(state: ServerState, token: str, offered: str) -> bool:
    """Whether ``offered`` is the CSRF token of the session with ``token``."""
    return bool(token) and hmac.compare_digest(csrf_token(state, token), offered)


def same_origin(request: Request) -> bool:
    """A write must come from a page of this server: its ``Origin`` (when the browser sends one,
    as browsers do on a POST) names this host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def set_session(response: Response, token: str, lifetime_seconds: float | None) -> None:
    """Keep ``token`` in the session cookie (for the token's lifetime, else the browser's)."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=None if lifetime_seconds is None else int(lifetime_seconds),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
    )


def clear_session(response: Response) -> None:
    """Forget the session cookie."""
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")


def secure(response: Response) -> Response:
    """``response`` with the security headers (and no caching of pages with user data)."""
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("cache-control", "no-store")
    return response
