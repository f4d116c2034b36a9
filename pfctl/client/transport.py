"""Sending requests to a PaddleFlow server: timeouts, retries with backoff, typed errors.

Reads (``RetryPolicy.IDEMPOTENT``) are retried on connection failures, timeouts and HTTP
502/503/504; other requests (``RetryPolicy.UNSENT_ONLY``) only when the connection failed before
anything was sent, so a create is never sent twice. Every failure becomes an error of
``pfctl.client.errors``; an unreachable local server gets the hint to start it.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Mapping
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from pfctl.client.config import ClientSettings
from pfctl.client.errors import (
    PaddleFlowError,
    ServerConnectionError,
    ServerError,
    error_from_response,
)
from pfctl.errors import ConfigError

API_PREFIX = "/api/paddleflow/v1"
HEADER_TOKEN = "x-pf-authorization"
HEADER_REQUEST_ID = "x-pf-request-id"
_RETRY_STATUSES = frozenset({502, 503, 504})
_SERVER_START_HINT = 'is the local server running? run "pfctl server start"'


class RetryPolicy(Enum):
    """When a failed attempt may be sent again."""

    #: Safe to repeat: retry connection failures, timeouts and 502/503/504.
    IDEMPOTENT = "idempotent"
    #: Not safe to repeat: retry only when nothing reached the server.
    UNSENT_ONLY = "unsent-only"


class Transport:
    """Sends requests to one server's API root and counts what it sent."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        session: requests.Session | None,
        timeout: tuple[float, float],
        retries: int,
        backoff: float,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.owns_session = session is None
        self.session = session if session is not None else new_session()
        self.base_url = settings.server_url + API_PREFIX
        self.request_count = 0
        self._lock = threading.Lock()

    def close(self) -> None:
        """Release the connections of a session this transport created."""
        if self.owns_session:
            self.session.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        policy: RetryPolicy,
        token: str | None = None,
    ) -> requests.Response:
        """Send one logical request with retries; raise the typed error of a failed response."""
        url = self.base_url + path
        headers = {HEADER_REQUEST_ID: new_request_id()}
        if token is not None:
            headers[HEADER_TOKEN] = token
        query = {key: value for key, value in (params or {}).items() if value is not None}
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    method,
                    url,
                    params=query,
                    json=json_body,
                    headers=headers,
                    timeout=self.timeout,
                )
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
                server = self.settings.server_url
                raise ConfigError(f"invalid server address {server}: {exc}") from None
            except requests.RequestException as exc:
                sent = not _failed_before_sending(exc)
                self._count(sent)
                if attempt < self.retries and (policy is RetryPolicy.IDEMPOTENT or not sent):
                    self._sleep(attempt)
                    attempt += 1
                    continue
                raise self._connection_error(exc, sent=sent, method=method) from None
            self._count(True)
            if (
                response.status_code in _RETRY_STATUSES
                and policy is RetryPolicy.IDEMPOTENT
                and attempt < self.retries
            ):
                self._sleep(attempt)
                attempt += 1
                continue
            if response.status_code >= 400:
                raise self._response_error(response)
            return response

    @staticmethod
    def decode(response: requests.Response) -> Any:
        """The JSON body of a successful response (None when empty)."""
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ServerError(
                f"the server sent a response that is not JSON (HTTP {response.status_code})",
                status=response.status_code,
                request_id=response.headers.get(HEADER_REQUEST_ID, ""),
            ) from None

    def _count(self, sent: bool) -> None:
        if sent:
            with self._lock:
                self.request_count += 1

    def _sleep(self, attempt: int) -> None:
        delay = min(self.backoff * (2**attempt), 5.0)
        time.sleep(delay * (0.5 + random.random() / 2))

    def _response_error(self, response: requests.Response) -> PaddleFlowError:
        request_id = response.headers.get(HEADER_REQUEST_ID, "")
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text or response.reason
        error = error_from_response(response.status_code, body, request_id=request_id)
        if not error.message:  # e.g. PathNotFound, MethodNotAllowed: say which request failed
            path = urlsplit(response.url).path
            error.message = f"{response.request.method} {path}"
        return error

    def _connection_error(
        self, exc: requests.RequestException, *, sent: bool, method: str
    ) -> ServerConnectionError:
        server = self.settings.server_url
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            message = f"cannot reach the PaddleFlow server at {server}: connection timed out"
        elif isinstance(exc, requests.exceptions.ReadTimeout):
            message = (
                f"the PaddleFlow server at {server} did not answer within {self.timeout[1]:g} s"
            )
        elif sent:
            message = f"the connection to the PaddleFlow server at {server} failed: {_reason(exc)}"
        else:
            message = f"cannot reach the PaddleFlow server at {server}: {_reason(exc)}"
        if sent and method not in ("GET", "HEAD"):
            message += " (the request may have been carried out)"
        hint = _SERVER_START_HINT if self.settings.is_local and not sent else ""
        return ServerConnectionError(message, hint=hint, sent=sent)


def new_request_id() -> str:
    """A random UUID (version 4) in its usual text form, as ``str(uuid.uuid4())`` gives.

    Made here because importing ``uuid`` (and with it ``platform``) would add a few
    milliseconds to every import of the client.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def new_session() -> requests.Session:
    """A session with a connection pool large enough for parallel applies."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _failed_before_sending(exc: requests.RequestException) -> bool:
    """True when the connection could not be opened, so the server saw nothing."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    reason: object = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    unopened = (
        urllib3.exceptions.NewConnectionError,
        urllib3.exceptions.ConnectTimeoutError,
        urllib3.exceptions.NameResolutionError,
    )
    return isinstance(reason, unopened)


def _reason(exc: requests.RequestException) -> str:
    """A short human reason, e.g. "connection refused", from a requests/urllib3 error."""
    text = str(exc)
    lowered = text.lower()
    for known in (
        "connection refused",
        "name or service not known",
        "temporary failure in name resolution",
        "nodename nor servname provided",
        "no route to host",
        "network is unreachable",
        "connection reset by peer",
        "remote end closed connection without response",
        "connection aborted",
    ):
        if known in lowered:
            return known
    return text.splitlines()[0][:200] if text else type(exc).__name__
