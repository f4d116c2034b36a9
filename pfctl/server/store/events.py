"""A job's events: one timestamped row per step of its life, kept in SQLite beside the job.

Tables ``job_events`` (one row per event, keyed by the job's ``pk`` and a per-job ``seq``) and
``job_event_counters`` (per job: the last ``seq`` given, how many rows are kept and how many were
dropped). Both are in ``database``'s schema; triggers there delete a job's events when the job is
deleted (soft or hard), whoever deletes it.

Bounded: a job keeps at most ``events_per_job`` events (``PFCTL_EVENTS_PER_JOB``, default 500,
each message cut to 1,000 characters and each last log line to 500), so a job whose replicas
restart in a loop cannot fill the disk. Past the bound the oldest events but the first
(``accepted``) are dropped and the job's ``dropped`` counter grows; ``seq`` keeps increasing and is
never reused.

Readers (the pfctl events route, the log route's ``eventList``, the web view) call
``Store.events.page(job_pk, after=...)``; writers call ``record`` (by job id) or, inside a write
transaction of their own, ``append_event``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pfctl.server.store.database import Database, json_text
from pfctl.server.store.timefmt import now

__all__ = [
    "EVENT_FIELDS",
    "EVENT_KINDS",
    "WAITING_REASONS",
    "EventPage",
    "JobEvent",
    "JobEvents",
    "WaitingReason",
    "append_event",
    "event_time",
]

#: Every kind of event, in the order a job's life meets them.
EVENT_KINDS = (
    "accepted",
    "queued",
    "waiting",
    "scheduled",
    "replica-started",
    "replica-exited",
    "replica-restarted",
    "stop-requested",
    "term-sent",
    "kill-sent",
    "finished",
    "failed-to-start",
)
#: Why a ``waiting`` job waits (its ``reason``).
WAITING_REASONS = ("capacity", "priority", "reservation")
#: The optional structured fields an event may carry, as the wire names them.
EVENT_FIELDS = (
    "member",
    "replica",
    "pid",
    "workDir",
    "exitCode",
    "signal",
    "lastLogLine",
    "by",
    "reason",
    "detail",
)
EVENTS_PER_JOB_ENV = "PFCTL_EVENTS_PER_JOB"
DEFAULT_EVENTS_PER_JOB = 500
MAX_MESSAGE_CHARS = 1000
MAX_LOG_LINE_CHARS = 500
#: The smallest bound: the first event plus one more.
_MIN_EVENTS_PER_JOB = 2


def event_time(epoch_seconds: float) -> str:
    """RFC 3339 UTC with milliseconds, e.g. ``2026-12-04T21:10:03.123Z``."""
    moment = datetime.fromtimestamp(epoch_seconds, timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class JobEvent:
    """One event of a job."""

    seq: int
    time: float  # epoch seconds
    kind: str
    message: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The event as the pfctl events route shows it."""
        return {
            "seq": self.seq,
            "time": event_time(self.time),
            "kind": self.kind,
            "message": self.message,
            **self.fields,
        }


@dataclass(frozen=True)
class EventPage:
    """A job's events after some ``seq``, oldest first."""

    job_id: str
    events: list[JobEvent]
    dropped: int  # events dropped over the bound, ever
    last_seq: int  # the newest event's seq (0: none yet)

    def to_json(self) -> dict[str, Any]:
        """The body of ``GET /api/pfctl/v1/job/{jobID}/events``."""
        return {
            "jobID": self.job_id,
            "events": [event.to_json() for event in self.events],
            "dropped": self.dropped,
            "lastSeq": self.last_seq,
        }


def events_per_job_from_environment() -> int:
    """``PFCTL_EVENTS_PER_JOB`` when it is a whole number >= 2, else the default (500)."""
    text = os.environ.get(EVENTS_PER_JOB_ENV, "")
    try:
        value = int(text) if text else DEFAULT_EVENTS_PER_JOB
    except ValueError:
        return DEFAULT_EVENTS_PER_JOB
    return value if value >= _MIN_EVENTS_PER_JOB else DEFAULT_EVENTS_PER_JOB


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown event fields: {', '.join(sorted(unknown))}")
    cleaned = {name: value for name, value in fields.items() if value is not None}
    line = cleaned.get("lastLogLine")
    if isinstance(line, str) and len(line) > MAX_LOG_LINE_CHARS:
        cleaned["lastLogLine"] = line[: MAX_LOG_LINE_CHARS - 1] + "…"
    return cleaned


def append_event(
    conn: sqlite3.Connection,
    job_pk: int,
    kind: str,
    message: str,
    fields: Mapping[str, Any] | None = None,
    *,
    limit: int = DEFAULT_EVENTS_PER_JOB,
    stamp: float | None = None,
) -> int:
    """Add an event to job ``job_pk`` inside the caller's write transaction; its ``seq``.

    Over ``limit`` kept events, the oldest but the first is dropped (and counted)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    cleaned = _clean_fields(fields or {})
    row = conn.execute(
        "SELECT last_seq, kept FROM job_event_counters WHERE job_pk = ?", (job_pk,)
    ).fetchone()
    seq, kept = (1, 1) if row is None else (row[0] + 1, row[1] + 1)
    conn.execute(
        "INSERT INTO job_events (job_pk, seq, time, kind, message, fields) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (job_pk, seq, now() if stamp is None else stamp, kind, message, json_text(cleaned)),
    )
    dropped = 0
    while kept > max(limit, _MIN_EVENTS_PER_JOB):
        conn.execute(
            "DELETE FROM job_events WHERE job_pk = ? AND seq = (SELECT seq FROM job_events "
            "WHERE job_pk = ? ORDER BY seq LIMIT 1 OFFSET 1)",
            (job_pk, job_pk),
        )
        kept -= 1
        dropped += 1
    conn.execute(
        "INSERT INTO job_event_counters (job_pk, last_seq, kept, dropped) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (job_pk) DO UPDATE SET last_seq = excluded.last_seq, kept = excluded.kept, "
        "dropped = job_event_counters.dropped + excluded.dropped",
        (job_pk, seq, kept, dropped),
    )
    return seq


@dataclass(frozen=True)
class WaitingReason:
    """Why a pending job waits (``Store.set_waiting``): its ``message``, and the ``waiting``
    event's message and fields (``reason``, ``detail``)."""

    job_id: str
    message: str
    event_message: str
    fields: dict[str, Any]


class JobEvents:
    """The events of every job (``Store.events``). Thread-safe, as the ``Database`` is."""

    def __init__(self, db: Database, *, limit: int | None = None) -> None:
        self._db = db
        self.limit = events_per_job_from_environment() if limit is None else limit

    def record(self, job_id: str, kind: str, message: str, **fields: Any) -> int | None:
        """Add an event to the live job ``job_id``; its ``seq``, or None when there is no such
        job (deleted meanwhile: its events are gone with it)."""
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT pk FROM jobs WHERE id = ? AND deleted_at IS NULL", (job_id,)
            ).fetchone()
            if row is None:
                return None
            return append_event(conn, row[0], kind, message, fields, limit=self.limit)

    def append(
        self, conn: sqlite3.Connection, job_pk: int, kind: str, message: str, **fields: Any
    ) -> int:
        """``append_event`` with this store's bound, in the caller's write transaction."""
        return append_event(conn, job_pk, kind, message, fields, limit=self.limit)

    def page(self, job_pk: int, *, after: int = 0, job_id: str = "") -> EventPage:
        """The job's events with ``seq > after``, oldest first, with its counters."""
        conn = self._db.connection()
        rows = conn.execute(
            "SELECT seq, time, kind, message, fields FROM job_events "
            "WHERE job_pk = ? AND seq > ? ORDER BY seq",
            (job_pk, after),
        ).fetchall()
        counters = conn.execute(
            "SELECT last_seq, dropped FROM job_event_counters WHERE job_pk = ?", (job_pk,)
        ).fetchone()
        events = [JobEvent(row[0], row[1], row[2], row[3], json.loads(row[4])) for row in rows]
        last_seq, dropped = (0, 0) if counters is None else (counters[0], counters[1])
        return EventPage(job_id, events, dropped, last_seq)

    def count(self, job_pk: int) -> int:
        """How many events of the job are kept (0 once the job is deleted)."""
        row = (
            self._db.connection()
            .execute("SELECT COUNT(*) FROM job_events WHERE job_pk = ?", (job_pk,))
            .fetchone()
        )
        return int(row[0])
