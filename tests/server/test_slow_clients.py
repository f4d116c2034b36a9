"""Clients that never finish a request cannot take the server (issue 14, item 2).

300 clients that sent partial headers used to hold their connections, and the server's
descriptors, forever: under ``ulimit -n`` it stopped accepting anyone and logged an ``accept()``
error every second. Now a request must arrive whole within ``--request-timeout`` seconds, and at
most a quarter of the descriptor limit is spent on connections: one more closes the connection
that has waited longest for its request.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from tests.helpers.api import PREFIX, login
from tests.helpers.server import NO_EXECUTOR, ServerHandle
from tests.server.limits import launch_limited_server, open_descriptors, wait_until

PARTIAL_HEADERS = f"GET {PREFIX}/job HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
#: what a client may wait for an answer while the slow ones are there
ANSWER_DEADLINE_SECONDS = 10.0


@contextlib.contextmanager
def half_open(
    server: ServerHandle, count: int, data: bytes = PARTIAL_HEADERS
) -> Iterator[list[socket.socket]]:
    """``count`` connections that sent ``data`` and nothing more; closed on exit."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection((server.host, server.port), timeout=10)
            if data:
                sock.sendall(data)
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server closed ``sock`` (after a 408, or without a word)."""
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
            assert data.startswith(b"HTTP/1.1 408 "), data
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def answered_in_time(server: ServerHandle) -> None:
    """Root logs in and lists jobs, each answer within the deadline."""
    api = login(server.url)  # requests' timeout: 30 s; the deadline below is what counts
    started = time.monotonic()
    response = requests.get(
        f"{server.url}{PREFIX}/job", headers=api.session.headers, timeout=ANSWER_DEADLINE_SECONDS
    )
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < ANSWER_DEADLINE_SECONDS


def test_half_open_connections_do_not_keep_others_out(tmp_path: Path) -> None:
    server = launch_limited_server(tmp_path / "data", nofile=128, args=NO_EXECUTOR)
    try:
        pid = server.process.pid
        with half_open(server, 300) as sockets:
            answered_in_time(server)
            # At most 32 connections (128 / 4) are kept: the older half-open ones were closed.
            assert open_descriptors(pid) <= 96
            closed = wait_until(
                lambda: sum(closed_by_server(sock) for sock in sockets),
                lambda count: count >= 300 - 32,
                timeout=10,
            )
            assert closed >= 300 - 32
            time.sleep(2)  # long enough for accept() to have failed (and logged) twice
            answered_in_time(server)
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    assert "Too many open files" not in log
    assert log.count("connections are open") <= 2  # repeats collapsed into one line


def test_unfinished_requests_are_closed_after_the_timeout(tmp_path: Path) -> None:
    server = launch_limited_server(
        tmp_path / "data", nofile=256, args=[*NO_EXECUTOR, "--request-timeout", "2"]
    )
    try:
        api = login(server.url)
        token = api.session.headers["x-pf-authorization"]
        body_cut_short = (
            f"POST {PREFIX}/job/single HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"x-pf-authorization: {token}\r\ncontent-type: application/json\r\n"
            'content-length: 100\r\n\r\n{"name":'
        ).encode()
        with (
            half_open(server, 20) as headers,
            half_open(server, 5, b"") as silent,
            half_open(server, 5, body_cut_short) as bodies,
        ):
            everything = headers + silent + bodies
            assert not any(closed_by_server(sock) for sock in everything)  # not before it
            closed = wait_until(
                lambda: [closed_by_server(sock) for sock in everything],
                all,
                timeout=2 + 15,
            )
            assert all(closed), closed
            answered_in_time(server)
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log and "unexpected error" not in log, log


def test_a_keep_alive_client_is_served_request_after_request(tmp_path: Path) -> None:
    server = launch_limited_server(
        tmp_path / "data", nofile=256, args=[*NO_EXECUTOR, "--request-timeout", "2"]
    )
    try:
        api = login(server.url)
        for _ in range(3):  # the same pooled connection, with pauses shorter than the timeout
            assert api.get("/job").status_code == 200
            time.sleep(1)
    finally:
        server.stop()


def test_a_connection_beyond_the_cap_closes_the_longest_waiting(tmp_path: Path) -> None:
    server = launch_limited_server(
        tmp_path / "data", nofile=256, args=[*NO_EXECUTOR, "--max-connections", "2"]
    )
    try:
        with half_open(server, 2) as (oldest, _newer):
            answered_in_time(server)  # its connection closed the oldest waiting one
            assert wait_until(lambda: closed_by_server(oldest), bool, timeout=10)
    finally:
        server.stop()
