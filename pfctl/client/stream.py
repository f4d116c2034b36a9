"""PaddleFlow's job watch stream: ``GET /api/paddleflow/v1/wsjob``, a websocket.

The server looks every few seconds (3 on PaddleFlow) for the jobs updated since its previous look
and sends each one as a text frame holding the job object of ``GET /job/{id}``; a text frame the
client sends comes back as it was (a heartbeat). The request carries the login token as every
request does (``x-pf-authorization``) and ``x-pf-client-id``, the connection's name.

:class:`JobStream` reads it with the ``websockets`` library's synchronous client:

* the first connection either opens, or raises :class:`StreamUnavailable` when the server has no
  stream (a 404 or any other refused upgrade, a server that does not answer): the caller then
  polls instead;
* a connection the server or the network cuts is opened again, after 0.5 s, 1 s, 2 s ... (at most
  :data:`MAX_BACKOFF`), each attempt said on ``notice`` (stderr in the CLI); a reconnection is
  reported (:attr:`StreamNews.reconnected`) because the jobs updated while it was cut were not
  sent: the caller reads them with one list request;
* nothing here catches ``KeyboardInterrupt``: Ctrl-C ends a wait for frames at once.

A frame that is not a JSON object with an ``id`` (the heartbeat's echo) is ignored.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pfctl.client.errors import AuthenticationError, PaddleFlowError, error_from_response
from pfctl.client.pfctl_api import TokenHolder, current_token

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

#: The stream's path below the API root.
WSJOB_PATH = "/wsjob"
#: The header that names the connection (PaddleFlow's ``HeaderClientIDKey``).
HEADER_CLIENT_ID = "x-pf-client-id"
#: The token's header, as on every request.
HEADER_TOKEN = "x-pf-authorization"
#: Seconds before the first reconnection attempt; each next one waits twice as long.
FIRST_BACKOFF = 0.5
#: The longest wait between two reconnection attempts.
MAX_BACKOFF = 8.0
#: Seconds a connection may take to open.
OPEN_TIMEOUT = 10.0
#: Seconds of silence after which a websocket ping checks that the connection still lives.
PING_INTERVAL = 20.0
#: The largest frame accepted (a job object with a long runtime).
MAX_FRAME_BYTES = 16 * 1024 * 1024

#: ``poll`` makes every watch poll even where the server offers a stream (``auto``: the stream).
ENV_WATCH = "PFCTL_WATCH"

Notice = Callable[[str], None]


class StreamUnavailable(Exception):
    """The server offers no watch stream (its answer to the upgrade says why)."""


@dataclass
class StreamNews:
    """What one :meth:`JobStream.receive` got: the job objects of the frames, in order, and
    whether the stream was opened again (so updates may have been missed)."""

    jobs: list[dict[str, Any]] = field(default_factory=list)
    reconnected: bool = False


class JobStream:
    """One watch stream of ``client``'s server, opened by :meth:`open`; close it (or use it as
    a context manager)."""

    def __init__(
        self,
        client: TokenHolder,
        *,
        notice: Notice | None = None,
        first_backoff: float = FIRST_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.notice: Notice = notice or (lambda _line: None)
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.client_id = f"pfctl-{uuid.uuid4().hex[:12]}"
        #: Connections opened, the first included.
        self.connections = 0
        self._connection: ClientConnection | None = None

    @property
    def url(self) -> str:
        """``ws://HOST:PORT/api/paddleflow/v1/wsjob`` (``wss://`` for an https server)."""
        base = self.client.settings.server_url.rstrip("/")
        scheme, _, rest = base.partition("://")
        from pfctl.client.transport import API_PREFIX

        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{API_PREFIX}{WSJOB_PATH}"

    def __enter__(self) -> JobStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Open the first connection; :class:`StreamUnavailable` when the server has none."""
        try:
            self._connection = self._connect()
        except OSError as exc:
            raise StreamUnavailable(f"cannot open the watch stream: {_reason(exc)}") from None

    def close(self) -> None:
        """Close the connection (at once: the close handshake is not waited for long)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def receive(self, timeout: float) -> StreamNews:
        """The job frames that arrive within ``timeout`` seconds: returns at the first one (with
        any others already there), or empty when none came; a cut connection is opened again
        first (:class:`StreamUnavailable` if the server no longer offers the stream)."""
        from websockets.exceptions import ConnectionClosed

        news = StreamNews()
        if self._connection is None:
            self._reconnect("the watch stream is closed")
            news.reconnected = True
            return news
        deadline = time.monotonic() + max(timeout, 0.0)
        try:
            wait = max(deadline - time.monotonic(), 0.0)
            while True:
                frame = self._connection.recv(timeout=wait)
                job = _job_of(frame)
                if job is not None:
                    news.jobs.append(job)
                wait = 0.0 if news.jobs else max(deadline - time.monotonic(), 0.0)
        except TimeoutError:
            return news
        except (ConnectionClosed, OSError) as exc:
            self._connection = None
            if news.jobs:  # what arrived first; the reconnection comes with the next call
                return news
            self._reconnect(f"the watch stream was cut ({_reason(exc)})")
            news.reconnected = True
            return news

    def _reconnect(self, why: str) -> None:
        """Connect again until it works, waiting longer after each failure, each step said."""
        delay = self.first_backoff
        while True:
            self.notice(f"{why}; reconnecting in {delay:g} s")
            self.sleep(delay)
            try:
                self._connection = self._connect()
            except OSError as exc:
                why = f"reconnecting failed ({_reason(exc)})"
                delay = min(delay * 2, self.max_backoff)
                continue
            self.notice("watch stream reconnected")
            return

    def _connect(self) -> ClientConnection:
        """One connection, logged in (once more with a fresh login if the token is refused);
        :class:`StreamUnavailable` for an upgrade the server refuses, ``OSError`` when it
        cannot be reached."""
        from websockets.exceptions import InvalidHandshake, InvalidStatus
        from websockets.sync.client import connect

        token, fresh = current_token(self.client)
        while True:
            headers = {HEADER_TOKEN: token, HEADER_CLIENT_ID: self.client_id}
            try:
                connection = connect(
                    self.url,
                    additional_headers=headers,
                    open_timeout=OPEN_TIMEOUT,
                    ping_interval=PING_INTERVAL,
                    close_timeout=0.5,
                    max_size=MAX_FRAME_BYTES,
                    proxy=None,
                    legacy=True,  # a connection kept across calls, closed by close()
                )
            except InvalidStatus as exc:
                refusal = _refusal(exc.response.status_code, bytes(exc.response.body or b""))
                if isinstance(refusal, AuthenticationError) and not fresh:
                    token, fresh = current_token(self.client, fresh=True)
                    continue  # a cached token the server no longer takes: log in once
                raise StreamUnavailable(
                    f"the server refused the watch stream ({refusal})"
                ) from None
            except InvalidHandshake as exc:
                raise StreamUnavailable(f"the server offers no watch stream ({exc})") from None
            except TimeoutError as exc:
                raise OSError(f"timed out after {OPEN_TIMEOUT:g} s") from exc
            self.connections += 1
            return connection


def stream_wanted() -> bool:
    """Whether watches try the stream (``PFCTL_WATCH`` is not ``poll``)."""
    return os.environ.get(ENV_WATCH, "auto").strip().lower() != "poll"


def open_stream(client: TokenHolder, notice: Notice, interval: float) -> JobStream | None:
    """``client``'s server's watch stream, open; None (said on ``notice``, unless
    ``PFCTL_WATCH=poll`` asked for it) when it offers none: then the caller polls."""
    if not stream_wanted():
        return None
    stream = JobStream(client, notice=notice)
    try:
        stream.open()
    except StreamUnavailable as exc:
        notice(f"{exc}; polling every {interval:g} s instead")
        return None
    return stream


def _refusal(status: int, body: bytes) -> PaddleFlowError:
    """The error a refused upgrade means, read as a refused request is (PaddleFlow's body)."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        data = body.decode(errors="replace").strip() or f"HTTP {status}"
    return error_from_response(status, data)


def _job_of(frame: str | bytes) -> dict[str, Any] | None:
    """The job object a data frame holds; None for anything else (a heartbeat's echo)."""
    try:
        data = json.loads(frame)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return data
    return None


def _reason(exc: BaseException) -> str:
    from websockets.exceptions import ConnectionClosed

    if isinstance(exc, ConnectionClosed):
        if exc.rcvd is None:
            return "no close frame"
        return f"closed by the server, code {exc.rcvd.code}"
    text = str(exc) or type(exc).__name__
    return re.sub(r"^\[Errno \d+\] ", "", text)
