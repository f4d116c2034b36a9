"""The server's route table: PaddleFlow's v1 routes plus pfctl's own under ``/api/pfctl/v1``."""

from __future__ import annotations

from starlette.routing import BaseRoute


def all_routes() -> list[BaseRoute]:
    """Every route the server serves, in matching order."""
    from pfctl.server.routes import events, flavours, grants, jobs, logs, meta, queues, users, wsjob

    return [
        *users.routes(),
        *jobs.routes(),
        *queues.routes(),
        *grants.routes(),
        *flavours.routes(),
        *meta.routes(),
        *logs.routes(),
        *events.routes(),
        *wsjob.routes(),
    ]
