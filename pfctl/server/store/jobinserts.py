"""Storing a new job: the insert of its row and its ``accepted`` event, inside the caller's
write transaction, and the record of what was stored (built from what was written, without
reading the row back).

``Store.create_job`` runs ``insert_job`` through a ``GroupCommit`` (concurrent creates share a
transaction); ``Store.create_jobs`` runs it for a list in one transaction of its own.
"""

from __future__ import annotations

import sqlite3

from pfctl.server.store.database import json_text
from pfctl.server.store.events import JobEvents
from pfctl.server.store.jobrecords import JobRecord, NewJob
from pfctl.server.store.timefmt import now
from pfctl.spec import statuses

_INSERT = (
    "INSERT INTO jobs (id, name, type, framework, user_name, queue, priority, status, message, "
    "labels, annotations, spec, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?)"
)


def insert_job(
    conn: sqlite3.Connection, events: JobEvents, job: NewJob, stamp: float | None = None
) -> JobRecord:
    """Insert ``job`` in status ``init`` and record its ``accepted`` event; the job as stored.
    ``sqlite3.IntegrityError`` when a live job has the same id."""
    stamp = now() if stamp is None else stamp
    cursor = conn.execute(
        _INSERT,
        (
            job.id,
            job.name,
            job.type,
            job.framework,
            job.user_name,
            job.queue,
            job.priority,
            statuses.INIT,
            json_text(job.labels),
            json_text(job.annotations),
            json_text(job.spec),
            stamp,
            stamp,
        ),
    )
    pk = int(cursor.lastrowid or 0)
    events.append(
        conn,
        pk,
        "accepted",
        f"job accepted from user {job.user_name} for queue {job.queue}",
        by=job.user_name,
        detail={"queue": job.queue, "priority": job.priority},
    )
    return JobRecord(
        pk=pk,
        id=job.id,
        name=job.name,
        type=job.type,
        framework=job.framework,
        user_name=job.user_name,
        queue=job.queue,
        priority=job.priority,
        status=statuses.INIT,
        message="",
        labels=job.labels,
        annotations=job.annotations,
        spec=job.spec,
        runtime=None,
        accepted_at=stamp,
        updated_at=stamp,
        activated_at=None,
        finished_at=None,
    )
