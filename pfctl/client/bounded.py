"""Bounds on one request: a deadline that every read from the socket respects, and the most bytes
an answer may hold.

A read timeout bounds each read, not the answer: a server that sends a byte every few seconds
would be waited on forever. Within :func:`deadline_in_force`, the connections of a session made
by :func:`new_session` read the status line, the headers and the body with a socket timeout of
at most the time left, and fail with ``TimeoutError`` (which requests reports as a read timeout
or a connection error) once the deadline has passed. :func:`read_body` reads an answer to its
end, refusing it past a size.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import ProxyManager

__all__ = ["ResponseTooLarge", "deadline_in_force", "new_session", "read_body"]

_CHUNK = 64 * 1024
_state = threading.local()


class ResponseTooLarge(Exception):
    """The answer holds more bytes than the bound."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


@contextlib.contextmanager
def deadline_in_force(deadline: float) -> Iterator[None]:
    """Reads of this thread's requests end at ``deadline`` (a ``time.monotonic()`` value)."""
    previous = getattr(_state, "deadline", None)
    _state.deadline = deadline
    try:
        yield
    finally:
        _state.deadline = previous


def read_body(response: requests.Response, limit: int) -> None:
    """Read the whole (streamed) body of ``response`` so that ``.content`` holds it; raise
    ``ResponseTooLarge``, closing the connection, once it holds more than ``limit`` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise ResponseTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > limit:
            response.close()
            raise ResponseTooLarge(limit)
        chunks.append(chunk)
    response._content = b"".join(chunks)


def new_session() -> requests.Session:
    """A session whose connections respect :func:`deadline_in_force`, with a connection pool
    large enough for parallel applies."""
    session = requests.Session()
    adapter = _DeadlineAdapter(pool_connections=4, pool_maxsize=32)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _DeadlineReader(io.RawIOBase):
    """A socket's reader whose every read ends by the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # counted by the socket, as http.client's
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._sock.fileno()

    def readinto(self, buffer: Any) -> int | None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request timeout has passed")
        timeout = self._sock.gettimeout()
        self._sock.settimeout(remaining if timeout is None else min(timeout, remaining))
        try:
            return self._raw.readinto(buffer)
        finally:
            self._sock.settimeout(timeout)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """What ``http.client.HTTPResponse`` asks of its socket (``makefile``), bound by a deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(
        self, sock: Any, debuglevel: int = 0, method: str | None = None, url: str | None = None
    ) -> None:
        deadline = getattr(_state, "deadline", None)
        if deadline is not None:
            sock = _DeadlineSocket(sock, deadline)
        super().__init__(sock, debuglevel, method, url)


class _HTTPConnection(HTTPConnection):
    response_class = _DeadlineResponse


class _HTTPSConnection(HTTPSConnection):
    response_class = _DeadlineResponse


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS: dict[str, type[HTTPConnectionPool]] = {"http": _HTTPPool, "https": _HTTPSPool}


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, its pools making connections that respect the deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is ProxyManager:  # an http(s) proxy; a SOCKS one has its own pools
            manager.pool_classes_by_scheme = _POOLS
        return manager
