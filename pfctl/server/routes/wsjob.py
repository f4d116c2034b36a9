"""``GET /api/paddleflow/v1/wsjob``: PaddleFlow's job watch stream, a websocket.

As PaddleFlow's ``GetJobByWebsocket`` and ``controller/job/connection*.go``: the connection is
registered under the ``x-pf-client-id`` header (or ``conn-`` and 8 hex digits when it is empty);
every 3 seconds, while any connection is open, one query lists the jobs updated since the
previous poll, and each is pushed as one text frame holding the job as ``GET /job/{id}`` shows it
(runtime included); every frame the client sends is echoed back as text (the heartbeat).

The upgrade is authenticated like every route, as PaddleFlow's JWT middleware does (the
``x-pf-authorization`` header; a refusal is PaddleFlow's error body, before the upgrade).
pfctl's differences, on purpose: a connection receives only its user's jobs (root: all), where
PaddleFlow pushes every job to every connection. A poll looks 1 second back past the previous one
(what PaddleFlow's second-resolution times do) so a write committed during a poll is not missed,
and never pushes the same job version twice. A connection whose client does not read falls
behind by at most 1,000 frames, then is closed; nothing of a closed connection is kept, and the
poller stops with the last connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, TOKEN_HEADER, Call, authenticate, json_response
from pfctl.server.gojson import json_bytes
from pfctl.server.jobs.view import job_view
from pfctl.server.state import ServerState
from pfctl.server.store.accounts import is_root
from pfctl.server.store.timefmt import now

logger = logging.getLogger("pfctl.server")

CLIENT_ID_HEADER = "x-pf-client-id"
POLL_SECONDS = 3.0  # PaddleFlow's GetGroupData
LOOK_BACK_SECONDS = 1.0
QUEUE_FRAMES = 1000  # PaddleFlow's InformChan
_CLOSED = object()


@dataclass(eq=False)
class _Connection:
    id: str
    user_name: str
    websocket: WebSocket
    frames: asyncio.Queue[Any] = field(default_factory=lambda: asyncio.Queue(QUEUE_FRAMES + 1))
    closing: bool = False

    @property
    def sees_all(self) -> bool:
        return is_root(self.user_name)

    def push(self, text: str) -> bool:
        """Queue a frame; False when the client is too far behind (the connection is closed)."""
        if self.closing:
            return False
        if self.frames.qsize() >= QUEUE_FRAMES:
            self.closing = True
            self.frames.put_nowait(_CLOSED)
            return False
        self.frames.put_nowait(text)
        return True

    async def write_loop(self) -> None:
        """Send the queued frames in order until the connection closes."""
        while True:
            frame = await self.frames.get()
            if frame is _CLOSED:
                with contextlib.suppress(Exception):
                    await self.websocket.close(1008, "client too slow")
                return
            await self.websocket.send_text(frame)


class WatchHub:
    """The open ``/wsjob`` connections of one app and the one poller that feeds them."""

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self.connections: dict[str, _Connection] = {}
        self._poller: asyncio.Task[None] | None = None

    def register(self, connection: _Connection) -> None:
        """PaddleFlow's ``Register``: a later connection with the same id takes its place."""
        self.connections[connection.id] = connection
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll_loop())

    def exit(self, connection: _Connection) -> None:
        """PaddleFlow's ``Exit``: forget the connection (not one that took its id since)."""
        if self.connections.get(connection.id) is connection:
            del self.connections[connection.id]

    async def _poll_loop(self) -> None:
        since = now()
        sent: set[tuple[str, float]] = set()
        while self.connections:
            await asyncio.sleep(POLL_SECONDS)
            if not self.connections:
                break
            polled_at = now()
            try:
                jobs = await run_in_threadpool(self._updated_jobs, since - LOOK_BACK_SECONDS)
            except Exception:  # a failed poll (a locked or full disk) is tried again next time
                logger.exception("wsjob: listing the updated jobs failed")
                continue
            since = polled_at
            fresh = [(key, owner, text) for key, owner, text in jobs if key not in sent]
            sent = {key for key, _, _ in jobs}
            for connection in list(self.connections.values()):
                for _, owner, text in fresh:
                    if (connection.sees_all or owner == connection.user_name) and not (
                        connection.push(text)
                    ):
                        break

    def _updated_jobs(self, since: float) -> list[tuple[tuple[str, float], str, str]]:
        """((id, updated_at), owner, frame text) of every job updated at or after ``since``."""
        jobs = self._state.store.list_jobs_updated_since(since)
        return [
            (
                (job.id, job.updated_at),
                job.user_name,
                json_bytes(job_view(job, with_runtime=True)).decode(),
            )
            for job in jobs
        ]


def _hub(websocket: WebSocket) -> WatchHub:
    app_state = websocket.app.state
    hub: WatchHub | None = getattr(app_state, "pf_watch", None)
    if hub is None:
        hub = WatchHub(app_state.pf)
        app_state.pf_watch = hub
    return hub


def _user_of(state: ServerState, connection: HTTPConnection) -> str:
    call = Call(
        state=state,
        request_id=connection.scope.get("pf_request_id", ""),
        method="GET",
        user_name="",
        path_params={},
        query=dict(connection.query_params),
        body=b"",
    )
    return authenticate(call, connection.headers.get(TOKEN_HEADER, ""))


async def refuse_plain_request(request: Request) -> Response:
    """A plain HTTP ``GET /wsjob``: authenticated as every route, then refused as PaddleFlow's
    websocket upgrader refuses a request that asks for no upgrade (400, ``Bad Request``)."""
    await run_in_threadpool(_user_of, request.app.state.pf, request)
    return PlainTextResponse(
        "Bad Request\n", status_code=400, headers={"sec-websocket-version": "13"}
    )


async def watch_jobs(websocket: WebSocket) -> None:
    """The ``/wsjob`` stream (see the module docstring)."""
    state: ServerState = websocket.app.state.pf
    try:
        user_name = await run_in_threadpool(_user_of, state, websocket)
    except ApiError as error:
        body = {"requestID": str(uuid.uuid4()), "code": error.code, "message": error.message}
        await websocket.send_denial_response(json_response(body, error.status))
        return
    await websocket.accept()
    client_id = websocket.headers.get(CLIENT_ID_HEADER, "") or f"conn-{secrets.token_hex(4)}"
    connection = _Connection(client_id, user_name, websocket)
    hub = _hub(websocket)
    hub.register(connection)
    writer = asyncio.create_task(connection.write_loop())
    try:
        while not writer.done():
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            data = message.get("text")
            if data is None:
                data = (message.get("bytes") or b"").decode("utf-8", "replace")
            if not connection.push(data):
                break
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away mid-frame
    finally:
        hub.exit(connection)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer


def routes() -> list[BaseRoute]:
    """The watch stream, to add to ``pfctl.server.routes.all_routes``."""
    path = f"{API_PREFIX}/wsjob"
    return [
        WebSocketRoute(path, watch_jobs),
        Route(path, refuse_plain_request, methods=["GET"], include_in_schema=False),
    ]
