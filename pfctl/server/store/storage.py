"""The server's storage API: jobs, queues, flavours, users and tokens in one SQLite file.

This is what the HTTP routes and the job runtime (``pfctl.server.runtime``) use. Every method is
thread-safe (one SQLite connection per thread, write transactions serialised by SQLite).

Jobs (``JobRecord``) keep the create body as received, normalised (see
``pfctl.server.jobs.create``): ``spec["members"]`` always lists the members (a single job has
one ``worker`` member), each with its flavour resolved to ``cpu``/``mem``/``scalarResources``;
``spec["schedulingPolicy"]`` holds the job's queue and upper-case priority; a workflow job keeps
``extensionTemplate``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pfctl.server.store.accounts import Accounts
from pfctl.server.store.catalog import Catalog, FlavourRecord, QueueRecord
from pfctl.server.store.database import Database
from pfctl.server.store.timefmt import now
from pfctl.spec import statuses

__all__ = [
    "JOB_DEFINITION_WIDTH",
    "JOB_LIST_COLUMNS",
    "FlavourRecord",
    "JobFilter",
    "JobListRow",
    "JobRecord",
    "QueueRecord",
    "Store",
    "job_from_list_row",
]


@dataclass(frozen=True)
class JobRecord:
    """One stored (not deleted) job."""

    pk: int
    id: str
    name: str
    type: str  # "single" | "distributed" | "workflow"
    framework: str  # "standalone" for single jobs, "" for workflow jobs
    user_name: str
    queue: str
    priority: str  # upper case: VERY_LOW, LOW, NORMAL, HIGH, VERY_HIGH
    status: str
    message: str
    labels: dict[str, str]
    annotations: dict[str, str]
    spec: dict[str, Any]
    runtime: dict[str, Any] | None
    accepted_at: float
    updated_at: float
    activated_at: float | None
    finished_at: float | None


@dataclass(frozen=True)
class JobFilter:
    """The filters of ``GET /job``; ``None`` means not filtered."""

    user_name: str | None = None  # only this owner's jobs (non-root callers)
    status: str | None = None
    updated_since: float | None = None
    activated_since: float | None = None
    queue: str | None = None
    labels: Mapping[str, str] | None = None
    before_pk: int | None = None  # the page marker: only jobs with pk < before_pk


@dataclass(frozen=True)
class NewJob:
    """What a create stores; the store adds pk, status ``init`` and the times."""

    id: str
    name: str
    type: str
    framework: str
    user_name: str
    queue: str
    priority: str
    labels: dict[str, str]
    annotations: dict[str, str]
    spec: dict[str, Any]


class JobIdTaken(Exception):
    """A live job already has this id."""


_JOB_COLUMNS = (
    "pk, id, name, type, framework, user_name, queue, priority, status, message, labels, "
    "annotations, spec, runtime, created_at, updated_at, activated_at, finished_at"
)


#: The columns of a ``GET /job`` row (no runtime: lists do not show it): the job's definition,
#: ``pk`` first, then its status and times in the argument order of ``jobview.status_view``.
_JOB_DEFINITION_COLUMNS = (
    "pk, id, name, type, framework, user_name, queue, priority, labels, annotations, spec"
)
JOB_LIST_COLUMNS = (
    f"{_JOB_DEFINITION_COLUMNS}, status, message, created_at, updated_at, activated_at, finished_at"
)
#: How many of ``JOB_LIST_COLUMNS`` are the definition (``pk`` to ``spec``).
JOB_DEFINITION_WIDTH = len(_JOB_DEFINITION_COLUMNS.split(","))
#: One row of ``JOB_LIST_COLUMNS``, as SQLite returned it.
JobListRow = tuple[Any, ...]


def job_from_list_row(row: JobListRow) -> JobRecord:
    """The job of a ``Store.list_job_rows`` row (``runtime`` is None: lists do not show it)."""
    pk, job_id, name, job_type, framework, user_name, queue, priority = row[:8]
    labels, annotations, spec, status, message = row[8:13]
    accepted_at, updated_at, activated_at, finished_at = row[13:]
    return JobRecord(
        pk=pk,
        id=job_id,
        name=name,
        type=job_type,
        framework=framework,
        user_name=user_name,
        queue=queue,
        priority=priority,
        status=status,
        message=message,
        labels=json.loads(labels),
        annotations=json.loads(annotations),
        spec=json.loads(spec),
        runtime=None,
        accepted_at=accepted_at,
        updated_at=updated_at,
        activated_at=activated_at,
        finished_at=finished_at,
    )


def _job_from_row(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        pk=row["pk"],
        id=row["id"],
        name=row["name"],
        type=row["type"],
        framework=row["framework"],
        user_name=row["user_name"],
        queue=row["queue"],
        priority=row["priority"],
        status=row["status"],
        message=row["message"],
        labels=json.loads(row["labels"]),
        annotations=json.loads(row["annotations"]),
        spec=json.loads(row["spec"]),
        runtime=None if row["runtime"] is None else json.loads(row["runtime"]),
        accepted_at=row["created_at"],
        updated_at=row["updated_at"],
        activated_at=row["activated_at"],
        finished_at=row["finished_at"],
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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
        self.accounts.seed()
        self.catalog.seed()

    def close(self) -> None:
        """Close the database connections of every thread."""
        self.db.close()

    # -- jobs: reads -------------------------------------------------------------------------

    def get_job(self, job_id: str) -> JobRecord | None:
        """The live (not deleted) job with this id, or None."""
        row = (
            self.db.connection()
            .execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ? AND deleted_at IS NULL", (job_id,)
            )
            .fetchone()
        )
        return None if row is None else _job_from_row(row)

    def list_jobs(self, job_filter: JobFilter, limit: int) -> list[JobRecord]:
        """Up to ``limit`` jobs matching ``job_filter``, newest first (pk descending)."""
        from pfctl.server.paging import job_page_sql  # paging imports this module

        sql, params = job_page_sql(job_filter, limit, _JOB_COLUMNS)
        rows = self.db.connection().execute(sql, params).fetchall()
        return [_job_from_row(row) for row in rows]

    def list_job_rows(self, job_filter: JobFilter, limit: int) -> list[JobListRow]:
        """The rows ``list_jobs`` reads, as plain tuples of ``JOB_LIST_COLUMNS``: equal tuples
        mean equal list elements, which is what the list cache (``pfctl.server.jobs.listing``)
        relies on; ``job_from_list_row`` turns one into a ``JobRecord``."""
        from pfctl.server.paging import job_page_sql  # paging imports this module

        sql, params = job_page_sql(job_filter, limit, JOB_LIST_COLUMNS)
        cursor = self.db.connection().cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchall()

    def list_jobs_in_status(self, statuses: Iterable[str]) -> list[JobRecord]:
        """Every live job whose status is one of ``statuses``, oldest first."""
        wanted = list(statuses)
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = (
            self.db.connection()
            .execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE deleted_at IS NULL "
                f"AND status IN ({marks}) ORDER BY pk",
                wanted,
            )
            .fetchall()
        )
        return [_job_from_row(row) for row in rows]

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
        """Store a new job in status ``init``; JobIdTaken if a live job has the same id."""
        return self.create_jobs([job])[0]

    def create_jobs(self, jobs: Sequence[NewJob]) -> list[JobRecord]:
        """Store several new jobs in one transaction (all or none); JobIdTaken on a duplicate."""
        stamp = now()
        try:
            with self.db.write() as conn:
                for job in jobs:
                    conn.execute(
                        "INSERT INTO jobs (id, name, type, framework, user_name, queue, priority, "
                        "status, message, labels, annotations, spec, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?)",
                        (
                            job.id,
                            job.name,
                            job.type,
                            job.framework,
                            job.user_name,
                            job.queue,
                            job.priority,
                            statuses.INIT,
                            _dumps(job.labels),
                            _dumps(job.annotations),
                            _dumps(job.spec),
                            stamp,
                            stamp,
                        ),
                    )
        except sqlite3.IntegrityError as exc:
            raise JobIdTaken(str(exc)) from exc
        created = [self.get_job(job.id) for job in jobs]
        return [record for record in created if record is not None]

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
                "SELECT status, activated_at, finished_at FROM jobs "
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
            if runtime is not None:
                sets.append("runtime = ?")
                params.append(_dumps(runtime))
            conn.execute(
                f"UPDATE jobs SET {', '.join(sets)} WHERE id = ? AND deleted_at IS NULL",
                [*params, job_id],
            )
        return self.get_job(job_id)

    def update_job_fields(
        self,
        job_id: str,
        *,
        priority: str | None = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
        priority_statuses: frozenset[str] = frozenset({statuses.INIT, statuses.PENDING}),
    ) -> tuple[JobRecord | None, str | None]:
        """Change priority and merge labels/annotations key by key (an empty value deletes).

        Returns ``(job, refused_status)``: when a priority is given and the job's status is not in
        ``priority_statuses``, nothing changes and ``refused_status`` is that status.
        """
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT status, priority, labels, annotations, spec FROM jobs "
                "WHERE id = ? AND deleted_at IS NULL",
                (job_id,),
            ).fetchone()
            if row is None:
                return None, None
            if priority is not None and row["status"] not in priority_statuses:
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
                    _dumps(new_labels),
                    _dumps(new_annotations),
                    _dumps(spec),
                    now(),
                    job_id,
                ),
            )
            return self._job_in(conn, job_id), None

    def request_stop(self, job_id: str) -> tuple[JobRecord | None, str]:
        """The stop API's write: ``init`` -> ``terminated`` at once; another non-final status ->
        ``terminating`` (the runtime then ends it); ``terminating`` -> ``terminated``.

        Returns ``(job, previous_status)``; a job already final is returned unchanged.
        """
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT status FROM jobs WHERE id = ? AND deleted_at IS NULL", (job_id,)
            ).fetchone()
            if row is None:
                return None, ""
            previous = row["status"]
            stamp = now()
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

    @staticmethod
    def _job_in(conn: sqlite3.Connection, job_id: str) -> JobRecord | None:
        row = conn.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ? AND deleted_at IS NULL", (job_id,)
        ).fetchone()
        return None if row is None else _job_from_row(row)

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
