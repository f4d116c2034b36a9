"""Bounds on the server's HTTP connections, which uvicorn does not set: a deadline for each
request to arrive whole, and a cap on the connections open at once.

uvicorn times out only an idle keep-alive connection, after a response: a client that opens a
connection and never finishes its headers (or its body) holds it, and a descriptor, for as long
as it likes, and 300 of them made a server under ``ulimit -n`` unreachable (issue 14). The
protocol ``guarded_protocol(limits)`` builds is uvicorn's h11 protocol with:

- a deadline: a request, headers and body, must arrive within ``request_timeout`` seconds of the
  connection being ready for it (opened, or the previous response sent); otherwise the server
  answers ``408`` (or just closes a connection that sent nothing) and closes it;
- a cap: at most ``max_connections`` connections are open. One more closes the connection that
  has waited longest for its request (a slow or idle client), so a client that sends its request
  at once is served whatever the slow ones do; when every connection is busy with a request, the
  new one is answered ``503`` and closed.

asyncio accepts as many connections per turn of the loop as the server's ``backlog`` (uvicorn's
default 2,048), each a descriptor before the protocol above sees it: a burst of 300 used up 128
descriptors at once. So uvicorn is given ``accept_batch(limits)`` as its backlog, and
``ListeningServer`` sets the kernel's queue of connections waiting to be accepted back to
``LISTEN_BACKLOG`` once it listens.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

#: seconds a request may take to arrive whole (headers and body); loopback clients take
#: milliseconds, a 4 MiB body at 1 Mbit/s about 35 s.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60.0
#: the cap on connections is a quarter of the descriptor limit, within these bounds: the rest is
#: for the database, the jobs' logs and pipes, and the accept() of the connection to close.
MIN_CONNECTIONS, MAX_CONNECTIONS = 16, 1024
#: connections the kernel holds for the server until it accepts them (no descriptor of ours)
LISTEN_BACKLOG = 2048

logger = logging.getLogger("pfctl.server")


@dataclass(frozen=True)
class ConnectionLimits:
    """The deadline for a request to arrive, and the cap on open connections."""

    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_SECONDS
    max_connections: int = MAX_CONNECTIONS


def default_max_connections() -> int:
    """A quarter of this process's descriptor limit, between 16 and 1,024."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(MIN_CONNECTIONS, min(MAX_CONNECTIONS, soft // 4))


def accept_batch(limits: ConnectionLimits) -> int:
    """How many connections to accept per turn of the event loop: an eighth of the cap (a few
    turns' worth can be accepted before their protocols run)."""
    return max(4, limits.max_connections // 8)


def guarded_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with ``limits`` (``uvicorn.Config(http=...)``); the connections
    of one server share one queue of those waiting for a request."""

    class Guarded(GuardedH11Protocol):
        _limits = limits
        _waiting: ClassVar[dict[GuardedH11Protocol, None]] = {}

    return Guarded


class ListeningServer(uvicorn.Server):
    """uvicorn's server, with the kernel's accept queue set to ``LISTEN_BACKLOG`` once it
    listens (uvicorn's ``backlog`` is the accept batch, see the module docstring), and
    ``on_shutdown`` called once it has shut down (uvicorn then re-raises a SIGTERM it caught,
    so code after ``run`` does not run)."""

    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_shutdown = on_shutdown

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        for sock in sockets or []:
            sock.listen(LISTEN_BACKLOG)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().shutdown(sockets)
        finally:
            self._on_shutdown()


_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
)
_BUSY_BODY = (
    b'{"requestID":"","code":"InternalError",'
    b'"message":"the server has too many connections open; try again"}'
)
_BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n"
    b"content-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
) % (len(_BUSY_BODY), _BUSY_BODY)


class GuardedH11Protocol(H11Protocol):
    """One connection, bounded as the module says (``guarded_protocol`` sets the class
    variables)."""

    _limits: ClassVar[ConnectionLimits]
    #: connections waiting for their next request, oldest first (a dict keeps insertion order)
    _waiting: ClassVar[dict[GuardedH11Protocol, None]]

    _deadline: asyncio.TimerHandle | None = None
    _partial = False  # some of the awaited request has arrived

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._limits.max_connections and not self._close_oldest():
            logger.warning(
                "%d connections are open and all busy: refused one (503)", len(self.connections)
            )
            self._close(_BUSY_RESPONSE)
            return
        self._await_request()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self not in self.connections:  # closed, or upgraded to a WebSocket
            self._stop_waiting()
        elif self._deadline is not None:
            if self._request_arrived():
                self._stop_waiting()
            else:
                self._partial = True

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self._request_arrived():
            self._await_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _request_arrived(self) -> bool:
        cycle = self.cycle
        return cycle is not None and not cycle.response_complete and not cycle.more_body

    def _await_request(self) -> None:
        self._stop_waiting()
        self._waiting[self] = None
        self._partial = False
        self._deadline = self.loop.call_later(self._limits.request_timeout, self._time_out)

    def _stop_waiting(self) -> None:
        self._waiting.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _time_out(self) -> None:
        self._deadline = None
        self._close(_TIMEOUT_RESPONSE if self._partial else b"")

    def _close_oldest(self) -> bool:
        """Close the connection that has waited longest for its request; False when none
        waits."""
        oldest = next(iter(self._waiting), None)
        if oldest is None:
            return False
        logger.warning(
            "%d connections are open: closed the one waiting longest for its request",
            len(self.connections),
        )
        oldest._close(_TIMEOUT_RESPONSE if oldest._partial else b"")
        return True

    def _close(self, response: bytes) -> None:
        self._stop_waiting()
        self.connections.discard(self)  # counted out now, not when the loop gets to it
        if not self.transport.is_closing():
            if response:
                self.transport.write(response)
            self.transport.close()
