"""Sending requests to a PaddleFlow server: timeouts, retries with backoff, typed errors.

Reads (``RetryPolicy.IDEMPOTENT``) are retried on connection failures, timeouts and HTTP
502/503/504; other requests (``RetryPolicy.UNSENT_ONLY``) only when the connection failed before
anything was sent, so a create is never sent twice. Every failure becomes an error of
``pfctl.client.errors``; an unreachable local server gets the hint to start it.

Each request is bounded: it ends, retries included, within the settings' ``request_timeout``
(a server that trickles its answer is given up on too: ``pfctl.client.bounded``), its answer
may hold at most ``max_response_bytes``, and redirects are not followed, so that the token
never reaches another server.
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

from pfctl.client.bounded import ResponseTooLarge, deadline_in_force, new_session, read_body
from pfctl.client.config import ENV_REQUEST_TIMEOUT, ClientSettings
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
#: The most bytes of one answer: a page of 1,000 jobs is a few megabytes.
DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024
# A read timeout this close to the deadline was the deadline's.
_DEADLINE_SLACK = 0.05

__all__ = [
    "API_PREFIX",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "HEADER_REQUEST_ID",
    "HEADER_TOKEN",
    "RetryPolicy",
    "Transport",
    "new_request_id",
    "new_session",
    "server_time",
]


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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_response_bytes = max_response_bytes
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
        """Send one logical request with retries; raise the typed error of a failed response.

        The whole of it, retries and reading the answer included, ends within the settings'
        ``request_timeout``."""
        url = self.base_url + path
        headers = {HEADER_REQUEST_ID: new_request_id()}
        if token is not None:
            headers[HEADER_TOKEN] = token
        query = {key: value for key, value in (params or {}).items() if value is not None}
        deadline = time.monotonic() + self.settings.request_timeout
        attempt = 0
        while True:
            answered = False
            try:
                with deadline_in_force(deadline):
                    response = self.session.request(
                        method,
                        url,
                        params=query,
                        json=json_body,
                        headers=headers,
                        timeout=self._timeouts(deadline),
                        stream=True,
                        allow_redirects=False,  # the token is for this server only
                    )
                    answered = True
                    self._count(True)
                    if (
                        response.status_code in _RETRY_STATUSES
                        and policy is RetryPolicy.IDEMPOTENT
                        and self._retry(attempt, deadline)
                    ):
                        response.close()
                        attempt += 1
                        continue
                    if response.is_redirect:
                        response.close()
                        raise self._redirect_error(response)
                    read_body(response, self.max_response_bytes)
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
                server = self.settings.server_url
                raise ConfigError(f"invalid server address {server}: {exc}") from None
            except ResponseTooLarge as exc:
                raise self._too_large_error(exc.limit, method) from None
            except requests.RequestException as exc:
                sent = answered or not _failed_before_sending(exc)
                if not answered:
                    self._count(sent)
                may_repeat = policy is RetryPolicy.IDEMPOTENT or not sent
                if may_repeat and self._retry(attempt, deadline):
                    attempt += 1
                    continue
                raise self._connection_error(
                    exc, sent=sent, method=method, deadline=deadline
                ) from None
            if response.status_code >= 400:
                raise self._response_error(response)
            return response

    def _timeouts(self, deadline: float) -> tuple[float, float]:
        """(connect, read) timeouts of one attempt: the configured ones, at most the time left."""
        remaining = max(deadline - time.monotonic(), 0.001)
        return min(self.timeout[0], remaining), min(self.timeout[1], remaining)

    def _retry(self, attempt: int, deadline: float) -> bool:
        """Sleep before attempt ``attempt + 1`` and return True, unless no retry is left or the
        deadline would pass first."""
        if attempt >= self.retries:
            return False
        delay = min(self.backoff * (2**attempt), 5.0) * (0.5 + random.random() / 2)
        if time.monotonic() + delay >= deadline:
            return False
        time.sleep(delay)
        return True

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
        self, exc: requests.RequestException, *, sent: bool, method: str, deadline: float
    ) -> ServerConnectionError:
        server = self.settings.server_url
        if time.monotonic() >= deadline - _DEADLINE_SLACK:
            message = (
                f"no complete answer from the PaddleFlow server at {server} within the request "
                f"timeout of {self.settings.request_timeout:g} s (--request-timeout, "
                f"{ENV_REQUEST_TIMEOUT})"
            )
        elif isinstance(exc, requests.exceptions.ConnectTimeout):
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

    def _redirect_error(self, response: requests.Response) -> ServerConnectionError:
        location = response.headers.get("Location", "")
        return ServerConnectionError(
            f"the PaddleFlow server at {self.settings.server_url} answered HTTP "
            f"{response.status_code}, a redirect to {location}; pfctl follows no redirect, so "
            "that the login token goes to no other server: set the server address to the one "
            "that serves the API",
            sent=True,
        )

    def _too_large_error(self, limit: int, method: str) -> ServerConnectionError:
        message = (
            f"the answer of the PaddleFlow server at {self.settings.server_url} is larger than "
            f"{limit / (1024 * 1024):g} MiB; pfctl stopped reading it"
        )
        if method not in ("GET", "HEAD"):
            message += " (the request may have been carried out)"
        return ServerConnectionError(message, sent=True)


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


def server_time(response: requests.Response) -> float | None:
    """The server's clock when it answered, in Unix seconds, from the HTTP ``Date`` header;
    None when the answer has none or it does not parse.

    The header has whole seconds and a server may send it a little late or early (uvicorn
    refreshes it once a second), so a caller comparing it with the server's record times
    leaves a margin."""
    from email.utils import parsedate_to_datetime

    text = response.headers.get("Date")
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
        from datetime import timezone

        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


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
