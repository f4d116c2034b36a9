"""The server's storage API: jobs, queues, flavours, users and tokens in one SQLite file.

This is what the HTTP routes and the job runtime (``pfctl.server.runtime``) use. Every method is
thread-safe (one SQLite connection per thread, write transactions serialised by SQLite). The job
records and the SQL of a list page are in ``jobrecords``; users and tokens in ``accounts``; queues
and flavours in ``catalog``; grants in ``grants``.

Jobs (``JobRecord``) keep the create body as received, normalised (see
``pfctl.server.jobs.create``): ``spec["members"]`` always lists the members (a single job has
one ``worker`` member), each with its flavour resolved to ``cpu``/``mem``/``scalarResources``;
``spec["schedulingPolicy"]`` holds the job's queue and upper-case priority; a workflow job keeps
``extensionTemplate``.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pfctl.server.store.accounts import Accounts
from pfctl.server.store.catalog import Catalog, QueueRecord
from pfctl.server.store.database import Database, json_text
from pfctl.server.store.events import JobEvents, WaitingReason
from pfctl.server.store.grants import Grants
from pfctl.server.store.group_commit import GroupCommit
from pfctl.server.store.jobinserts import insert_job
from pfctl.server.store.jobrecords import (
    JOB_COLUMNS,
    JOB_LIST_COLUMNS,
    JobFilter,
    JobIdTaken,
    JobListRow,
    JobRecord,
    NewJob,
    job_from_row,
    job_page_sql,
    label_count_sql,
    rarest_label_first,
)
from pfctl.server.store.timefmt import now
from pfctl.spec import statuses


class Store:
    """All of the server's persistent state, in ``<data_dir>/pfctl-server.sqlite3``.

    Opening a new data directory seeds PaddleFlow's initial state: user ``root`` (password
    ``paddleflow``), queue ``default-queue`` and flavours ``flavour1..3``.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.db = Database(data_dir)
        self.accounts = Accounts(self.db)
        self.catalog = Catalog(self.db)
        self.events = JobEvents(self.db)
        self.grants = Grants(self.db)
        self._creates: GroupCommit[NewJob, JobRecord] = GroupCommit(
            self.db, lambda conn, job: insert_job(conn, self.events, job)
        )
        self.accounts.seed()
        self.catalog.seed()

    def close(self) -> None:
        """Close the database connections of every thread."""
        self.db.close()

    def marker_secret(self) -> bytes:
        """The secret that signs list markers (``pfctl.server.paging``): made with the database,
        so markers stay valid across restarts."""
        conn = self.db.connection()
        row = conn.execute("SELECT value FROM meta WHERE key = 'marker_secret'").fetchone()
        if row is None:
            with self.db.write() as wconn:
                wconn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('marker_secret', ?)",
                    (secrets.token_hex(16),),
                )
            row = conn.execute("SELECT value FROM meta WHERE key = 'marker_secret'").fetchone()
        return bytes.fromhex(row["value"])

    # -- jobs: reads -------------------------------------------------------------------------

    def get_job(self, job_id: str) -> JobRecord | None:
        """The live (not deleted) job with this id, or None."""
        row = (
            self.db.connection()
            .execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ? AND deleted_at IS NULL", (job_id,)
            )
            .fetchone()
        )
        return None if row is None else job_from_row(row)

    def list_job_rows(self, job_filter: JobFilter, limit: int) -> list[JobListRow]:
        """Up to ``limit`` jobs matching ``job_filter``, newest first (pk descending), as plain
        tuples of ``JOB_LIST_COLUMNS``: equal tuples mean equal list elements, which is what the
        list cache (``pfctl.server.jobs.listing``) relies on; ``job_from_list_row`` turns one into
        a ``JobRecord``."""
        if job_filter.labels and len(job_filter.labels) > 1:
            conn = self.db.connection()
            counts = {
                key: conn.execute(label_count_sql(), (key, value)).fetchone()[0]
                for key, value in job_filter.labels.items()
            }
            job_filter = rarest_label_first(job_filter, counts)
        sql, params = job_page_sql(job_filter, limit, JOB_LIST_COLUMNS)
        cursor = self.db.connection().cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchall()

    def list_jobs_in_status(self, wanted_statuses: Iterable[str]) -> list[JobRecord]:
        """Every live job whose status is one of ``wanted_statuses``, oldest first."""
        wanted = list(wanted_statuses)
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = (
            self.db.connection()
            .execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE deleted_at IS NULL "
                f"AND status IN ({marks}) ORDER BY pk",
                wanted,
            )
            .fetchall()
        )
        return [job_from_row(row) for row in rows]

    def list_jobs_updated_since(self, since: float) -> list[JobRecord]:
        """Every live job updated at or after ``since`` (epoch seconds), oldest update first."""
        rows = (
            self.db.connection()
            .execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE updated_at >= ? AND deleted_at IS NULL "
                "ORDER BY updated_at, pk",
                (since,),
            )
            .fetchall()
        )
        return [job_from_row(row) for row in rows]

    def queue_has_live_jobs(self, queue: str) -> bool:
        """True when some non-deleted job of the queue is not in a final status."""
        finals = sorted(statuses.FINAL_STATUSES)
        marks = ",".join("?" * len(finals))
        row = (
            self.db.connection()
            .execute(
                "SELECT 1 FROM jobs WHERE queue = ? AND deleted_at IS NULL "
                f"AND status NOT IN ({marks}) LIMIT 1",
                [queue, *finals],
            )
            .fetchone()
        )
        return row is not None

    # -- jobs: writes ------------------------------------------------------------------------

    def create_job(self, job: NewJob) -> JobRecord:
        """Store a new job in status ``init``; JobIdTaken if a live job has the same id.
        Concurrent calls share a transaction (``group_commit``); each returns once its job is
        committed."""
        try:
            return self._creates.submit(job)
        except sqlite3.IntegrityError as exc:
            raise JobIdTaken(str(exc)) from exc

    def create_jobs(self, jobs: Sequence[NewJob]) -> list[JobRecord]:
        """Store several new jobs in one transaction (all or none); JobIdTaken on a duplicate."""
        stamp = now()
        try:
            with self.db.write() as conn:
                return [insert_job(conn, self.events, job, stamp) for job in jobs]
        except sqlite3.IntegrityError as exc:
            raise JobIdTaken(str(exc)) from exc

    def set_job_status(
        self,
        job_id: str,
        status: str,
        message: str,
        *,
        runtime: dict[str, Any] | None = None,
    ) -> JobRecord | None:
        """Write a status through PaddleFlow's transition rule (``statuses.transition``).

        A job in a final status keeps its status and message (``runtime`` is still stored when
        given). ``startTime`` is set the first time the job becomes ``running``, ``finishTime``
        the first time it becomes final. Returns the job as stored, or None if it does not exist.
        """
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT pk, status, activated_at, finished_at FROM jobs "
                "WHERE id = ? AND deleted_at IS NULL",
                (job_id,),
            ).fetchone()
            if row is None:
                return None
            stamp = now()
            sets = ["updated_at = ?"]
            params: list[Any] = [stamp]
            if not statuses.is_final(row["status"]):
                new_status, new_message = statuses.transition(row["status"], status, message)
                sets += ["status = ?", "message = ?"]
                params += [new_status, new_message]
                if new_status == statuses.RUNNING and row["activated_at"] is None:
                    sets.append("activated_at = ?")
                    params.append(stamp)
                if statuses.is_final(new_status) and row["finished_at"] is None:
                    sets.append("finished_at = ?")
                    params.append(stamp)
                if statuses.is_final(new_status):
                    self._finished_event(conn, row["pk"], new_status, new_message)
            if runtime is not None:
                sets.append("runtime = ?")
                params.append(json_text(runtime))
            conn.execute(
                f"UPDATE jobs SET {', '.join(sets)} WHERE id = ? AND deleted_at IS NULL",
                [*params, job_id],
            )
        return self.get_job(job_id)

    def set_waiting(self, reasons: Sequence[WaitingReason]) -> int:
        """Pending jobs' reasons to wait, each its ``message`` and a ``waiting`` event, in one
        transaction; a job no longer ``pending`` is left as it is. How many were written."""
        written = 0
        with self.db.write() as conn:
            for reason in reasons:
                row = conn.execute(
                    "SELECT pk FROM jobs WHERE id = ? AND deleted_at IS NULL AND status = ?",
                    (reason.job_id, statuses.PENDING),
                ).fetchone()
                if row is None:
                    continue
                conn.execute(
                    "UPDATE jobs SET message = ?, updated_at = ? WHERE pk = ?",
                    (reason.message, now(), row["pk"]),
                )
                self.events.append(
                    conn, row["pk"], "waiting", reason.event_message, **reason.fields
                )
                written += 1
        return written

    def update_job_fields(
        self,
        job_id: str,
        *,
        priority: str | None = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> tuple[JobRecord | None, str | None]:
        """Change priority and merge labels/annotations key by key (an empty value deletes).

        Returns ``(job, refused_status)``: when a priority is given and the job is scheduled
        already (not in ``statuses.PRIORITY_MUTABLE_STATUSES``), nothing changes and
        ``refused_status`` is its status.
        """
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT status, priority, labels, annotations, spec FROM jobs "
                "WHERE id = ? AND deleted_at IS NULL",
                (job_id,),
            ).fetchone()
            if row is None:
                return None, None
            if priority is not None and row["status"] not in statuses.PRIORITY_MUTABLE_STATUSES:
                return self._job_in(conn, job_id), row["status"]
            new_labels = _merge(json.loads(row["labels"]), labels)
            new_annotations = _merge(json.loads(row["annotations"]), annotations)
            new_priority = row["priority"] if priority is None else priority
            spec = json.loads(row["spec"])
            spec.setdefault("schedulingPolicy", {})["priority"] = new_priority
            conn.execute(
                "UPDATE jobs SET priority = ?, labels = ?, annotations = ?, spec = ?, "
                "updated_at = ? WHERE id = ? AND deleted_at IS NULL",
                (
                    new_priority,
                    json_text(new_labels),
                    json_text(new_annotations),
                    json_text(spec),
                    now(),
                    job_id,
                ),
            )
            return self._job_in(conn, job_id), None

    def request_stop(self, job_id: str, by: str = "") -> tuple[JobRecord | None, str]:
        """The stop API's write: ``init`` -> ``terminated`` at once; another non-final status ->
        ``terminating`` (the runtime then ends it); ``terminating`` -> ``terminated``. A
        ``stop-requested`` event names ``by``, the user who asked.

        Returns ``(job, previous_status)``; a job already final is returned unchanged.
        """
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT pk, status FROM jobs WHERE id = ? AND deleted_at IS NULL", (job_id,)
            ).fetchone()
            if row is None:
                return None, ""
            previous = row["status"]
            stamp = now()
            if not statuses.is_final(previous):
                who = f"user {by}" if by else "the server"
                self.events.append(
                    conn, row["pk"], "stop-requested", f"stop requested by {who}", by=by or None
                )
            if previous in (statuses.INIT, statuses.TERMINATING):
                self._finished_event(conn, row["pk"], statuses.TERMINATED, "job is terminated")
            if previous == statuses.INIT:
                conn.execute(
                    "UPDATE jobs SET status = ?, message = ?, updated_at = ?, finished_at = ? "
                    "WHERE id = ? AND deleted_at IS NULL",
                    (statuses.TERMINATED, "job is terminated.", stamp, stamp, job_id),
                )
            elif previous == statuses.TERMINATING:
                conn.execute(
                    "UPDATE jobs SET status = ?, message = ?, updated_at = ?, "
                    "finished_at = COALESCE(finished_at, ?) WHERE id = ? AND deleted_at IS NULL",
                    (statuses.TERMINATED, "job is terminated", stamp, stamp, job_id),
                )
            elif not statuses.is_final(previous):
                conn.execute(
                    "UPDATE jobs SET status = ?, message = ?, updated_at = ? "
                    "WHERE id = ? AND deleted_at IS NULL",
                    (statuses.TERMINATING, "job is terminating.", stamp, job_id),
                )
            return self._job_in(conn, job_id), previous

    def delete_job(self, job_id: str) -> tuple[JobRecord | None, bool]:
        """Soft-delete a job in a final status; its id is free again afterwards.

        Returns ``(job, deleted)``: ``deleted`` is False (and nothing changes) when the job is
        not in a final status.
        """
        with self.db.write() as conn:
            job = self._job_in(conn, job_id)
            if job is None or not statuses.is_final(job.status):
                return job, False
            conn.execute("UPDATE jobs SET deleted_at = ? WHERE pk = ?", (now(), job.pk))
            return job, True

    def _finished_event(
        self, conn: sqlite3.Connection, job_pk: int, status: str, message: str
    ) -> None:
        self.events.append(
            conn, job_pk, "finished", f"job {status}: {message}", detail={"status": status}
        )

    @staticmethod
    def _job_in(conn: sqlite3.Connection, job_id: str) -> JobRecord | None:
        row = conn.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ? AND deleted_at IS NULL", (job_id,)
        ).fetchone()
        return None if row is None else job_from_row(row)

    # -- queues, for the runtime ----------------------------------------------------------------

    def get_queue(self, name: str) -> QueueRecord | None:
        """The queue with this name, or None (see ``QueueRecord`` for parsed resources)."""
        return self.catalog.get_queue(name)

    def set_queue_used_resources(self, name: str, used: Mapping[str, str]) -> None:
        """Record what the queue's running jobs use, e.g. ``{"cpu": "3", "mem": "6Gi",
        "nvidia.com/gpu": "1"}``; shown as ``usedResources``/``idleResources``."""
        self.catalog.set_used_resources(name, used)


def _merge(current: dict[str, str], changes: Mapping[str, str] | None) -> dict[str, str]:
    merged = dict(current)
    for key, value in (changes or {}).items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
