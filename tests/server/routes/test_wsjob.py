"""The ``/wsjob`` watch stream on real servers over real sockets: its frames (a job as
``GET /job/{id}`` shows it, pushed when it changes), the heartbeat echo, one user never sees
another's jobs, and clients that leave, politely or not, leave nothing behind in the server."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.helpers.api import FINAL, Api
from tests.helpers.jobs import single_body
from tests.helpers.server import RuntimeServer, ServerHandle

StartServer = Callable[..., RuntimeServer]
WSJOB = "/api/paddleflow/v1/wsjob"


@contextmanager
def stream(api: Api, client_id: str = "") -> Iterator[ClientConnection]:
    headers = {"x-pf-authorization": api.session.headers["x-pf-authorization"]}
    if client_id:
        headers["x-pf-client-id"] = client_id
    url = api.base_url.replace("http://", "ws://") + WSJOB
    with connect(url, additional_headers=headers, open_timeout=30, close_timeout=1) as websocket:
        yield websocket


def frames_until(
    websocket: ClientConnection, done: Callable[[Any], bool], timeout: float = 60.0
) -> list[Any]:
    """Every frame received (JSON parsed when it is JSON) up to the first that is ``done``."""
    received: list[Any] = []
    deadline = time.monotonic() + timeout
    while True:
        text = websocket.recv(timeout=max(0.1, deadline - time.monotonic()))
        try:
            frame: Any = json.loads(text)
        except ValueError:
            frame = text
        received.append(frame)
        if done(frame):
            return received


def is_job(job_id: str, statuses: set[str] | None = None) -> Callable[[Any], bool]:
    def check(frame: Any) -> bool:
        return (
            isinstance(frame, dict)
            and frame.get("id") == job_id
            and (statuses is None or frame.get("status") in statuses)
        )

    return check


def test_the_stream_pushes_changed_jobs_and_echoes_heartbeats(
    runtime_server: StartServer,
) -> None:
    server = runtime_server()
    with stream(server.api, client_id="pfctl-test-client") as websocket:
        websocket.send("heartbeat-1")
        assert frames_until(websocket, lambda frame: frame == "heartbeat-1")[-1] == "heartbeat-1"
        websocket.send(b"binary-heartbeat")  # echoed as text, as PaddleFlow writes it back
        assert frames_until(websocket, lambda frame: frame == "binary-heartbeat")
        job_id = server.create("single", single_body("echo hi"))
        frames = frames_until(websocket, is_job(job_id, FINAL))
        pushed = [frame for frame in frames if is_job(job_id)(frame)]
        final = pushed[-1]
        assert final == server.job(job_id)  # the job as GET /job/{id} shows it, runtime too
        assert final["status"] == "succeeded" and "runtime" in final


def test_a_user_sees_only_their_own_jobs_on_the_stream(
    api_server: ServerHandle, root_api: Api, make_user: Callable[[str], Api]
) -> None:
    alice, bob = make_user("wsalice"), make_user("wsbob")
    with stream(root_api) as root_ws, stream(bob) as bob_ws:
        alices = alice.create("single", single_body("true", image="busybox"))
        seen_by_root = frames_until(root_ws, is_job(alices))
        assert seen_by_root[-1]["UserName"] == alice.user_name
        # Bob's frames come in poll order: his own job, created after root saw Alice's, comes
        # after anything of Alice's that could have been sent to him.
        bobs = bob.create("single", single_body("true", image="busybox"))
        seen_by_bob = frames_until(bob_ws, is_job(bobs))
        assert all(frame.get("UserName") == bob.user_name for frame in seen_by_bob)
        assert alices not in json.dumps(seen_by_bob)


def _open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def _connect_and_leave(server: RuntimeServer, count: int) -> None:
    """``count`` clients: a third close politely, a third drop the socket, a third stop
    reading in the middle of heartbeats."""
    for index in range(count):
        with stream(server.api) as websocket:
            websocket.send("ping")
            assert frames_until(websocket, lambda frame: frame == "ping")
            if index % 3 == 1:
                websocket.socket.shutdown(socket.SHUT_RDWR)
            elif index % 3 == 2:
                for _ in range(20):
                    websocket.send("unread")


def test_clients_that_leave_leave_nothing_behind(runtime_server: StartServer) -> None:
    server = runtime_server()
    pid = server.process.pid
    _connect_and_leave(server, 30)  # the worker threads and their connections exist now
    time.sleep(4.0)  # one poll period: the poller ends with the last connection
    baseline = (_open_descriptors(pid), _threads(pid))
    _connect_and_leave(server, 60)
    deadline = time.monotonic() + 30
    while _open_descriptors(pid) > baseline[0] or _threads(pid) > baseline[1]:
        assert time.monotonic() < deadline, (
            f"server holds {_open_descriptors(pid)} descriptors and {_threads(pid)} threads "
            f"after its clients left, {baseline} before"
        )
        time.sleep(0.2)
    # The server still serves a new watcher.
    with stream(server.api) as websocket:
        websocket.send("still-here")
        assert frames_until(websocket, lambda frame: frame == "still-here")


def test_a_plain_request_is_refused_as_paddleflows_upgrader_refuses(
    api_server: ServerHandle, root_api: Api
) -> None:
    response = root_api.get(WSJOB.removeprefix("/api/paddleflow/v1"))
    assert response.status_code == 400
    assert response.text == "Bad Request\n"
    assert response.headers["sec-websocket-version"] == "13"
    anonymous = Api(api_server.url).get(WSJOB.removeprefix("/api/paddleflow/v1"))
    assert anonymous.status_code == 400 and anonymous.json()["code"] == "AuthWithoutToken"
