"""What one running server holds: its configuration, storage, job runtime and request counters.

``create_app`` (``pfctl.server.app``) builds a ``ServerState`` when the app starts; every handler
reaches it as ``call.state`` (``request.app.state.pf``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pfctl.server.hooks import JobRuntime
from pfctl.server.jobs.listing import JobElementCache
from pfctl.server.paging import MarkerCodec
from pfctl.server.store.storage import Store

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """How one server instance behaves."""

    data_dir: Path
    #: login token lifetime; None means tokens do not expire (PaddleFlow's default).
    token_lifetime_seconds: float | None = None
    #: request bodies larger than this are refused with 413.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: a non-root user may create jobs only in queues granted to them (PaddleFlow does not check).
    require_queue_grants: bool = False


@dataclass
class RequestStats:
    """Requests served since start, per ``"METHOD /route"`` (thread-safe)."""

    total: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, route: str) -> None:
        """Count one request to ``route``."""
        with self.lock:
            self.total += 1
            self.by_route[route] += 1

    def snapshot(self) -> dict[str, Any]:
        """``{"requests": total, "byRoute": {route: count}}``, routes sorted."""
        with self.lock:
            return {"requests": self.total, "byRoute": dict(sorted(self.by_route.items()))}


@dataclass
class ServerState:
    """What every handler can reach (``request.app.state.pf``)."""

    config: ServerConfig
    store: Store
    runtime: JobRuntime
    markers: MarkerCodec
    stats: RequestStats
    #: builds the OpenAPI document of the app's routes (the app knows its routes; handlers do not)
    openapi: Callable[[], dict[str, Any]]
    #: encoded ``GET /job`` elements of recently listed jobs (``pfctl.server.jobs.listing``)
    job_elements: JobElementCache = field(default_factory=JobElementCache)
