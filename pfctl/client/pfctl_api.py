"""Requests :class:`pfctl.client.api.PaddleFlowClient` does not send itself: pfctl's own routes
(below ``/api/pfctl/v1``, which a PaddleFlow server does not have) and the login token for a
connection the HTTP transport does not make (the ``/wsjob`` watch stream).

Both authenticate as the client does: the token of the client's cache (or a login), and one fresh
login when the server refuses a cached token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from pfctl.client.errors import AuthenticationError, ServerError
from pfctl.client.transport import RetryPolicy, Transport

if TYPE_CHECKING:
    import requests

    from pfctl.client.config import ClientSettings
    from pfctl.client.tokens import TokenCache

#: Where pfctl's own routes are.
PFCTL_PREFIX = "/api/pfctl/v1"
#: ``(connect, read)`` seconds of one attempt, as the client's defaults.
TIMEOUT = (5.0, 60.0)


class TokenHolder(Protocol):
    """What these requests need of :class:`pfctl.client.api.PaddleFlowClient`."""

    settings: ClientSettings
    token_cache: TokenCache

    @property
    def session(self) -> requests.Session: ...

    def login(self) -> str: ...


def current_token(client: TokenHolder, *, fresh: bool = False) -> tuple[str, bool]:
    """The token to send and whether a login just made it: the cached one, else (or when
    ``fresh``) a new login."""
    settings = client.settings
    if not fresh:
        cached = client.token_cache.get(settings.server_url, settings.user, settings.password)
        if cached:
            return cached, False
    return client.login(), True


def get_pfctl_route(
    client: TokenHolder, path: str, params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``GET`` of a pfctl route (``path`` below :data:`PFCTL_PREFIX`), with the client's
    retries, timeouts and typed errors; the JSON object it answered."""
    transport = Transport(
        client.settings, session=client.session, timeout=TIMEOUT, retries=3, backoff=0.2
    )
    transport.base_url = client.settings.server_url + PFCTL_PREFIX
    token, fresh = current_token(client)
    try:
        response = transport.send(
            "GET", path, params=params, policy=RetryPolicy.IDEMPOTENT, token=token
        )
    except AuthenticationError:
        if fresh:
            raise
        token, _ = current_token(client, fresh=True)
        response = transport.send(
            "GET", path, params=params, policy=RetryPolicy.IDEMPOTENT, token=token
        )
    data = transport.decode(response)
    if not isinstance(data, dict):
        raise ServerError("the server's answer is not a JSON object")
    return data
