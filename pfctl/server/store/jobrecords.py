"""Jobs as the ``jobs`` table holds them: the records, their columns, row decoding and the query
of one ``GET /job`` page.

Nothing here touches a connection: ``storage.Store`` runs the statements and decodes the rows
with these functions.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


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


#: Every column a ``JobRecord`` is read from (``job_from_row``).
JOB_COLUMNS = (
    "pk, id, name, type, framework, user_name, queue, priority, status, message, labels, "
    "annotations, spec, runtime, created_at, updated_at, activated_at, finished_at"
)
#: The columns of a ``GET /job`` row (no runtime: lists do not show it): the job's definition,
#: ``pk`` first, then its status and times in the argument order of ``jobs.view.status_view``.
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


def job_from_row(row: sqlite3.Row) -> JobRecord:
    """The job of a row of ``JOB_COLUMNS``."""
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


def job_page_sql(job_filter: JobFilter, limit: int, columns: str) -> tuple[str, list[Any]]:
    """The query (and its parameters) of one page of ``GET /job``: ``columns`` of up to
    ``limit`` live jobs matching ``job_filter``, newest (highest pk) first.

    A label filter walks the ``job_labels`` index of its first label backwards (newest first,
    stopping after ``limit`` matches) instead of reading every job's labels JSON; further labels
    are index lookups per candidate, before its job's row is read (with several labels, put the
    rarest first: ``rarest_label_first``). Every other filter is a condition on ``jobs`` served
    by the ``status`` (an SQLite index ends in the rowid: pk order for free), ``(user_name, pk)``
    and ``(queue, pk)`` indexes.
    """
    where = ["jobs.deleted_at IS NULL"]
    params: list[Any] = []
    conditions: list[tuple[str, Any]] = [
        ("jobs.user_name = ?", job_filter.user_name),
        ("jobs.status = ?", job_filter.status),
        ("jobs.updated_at >= ?", job_filter.updated_since),
        ("jobs.activated_at >= ?", job_filter.activated_since),
        ("jobs.queue = ?", job_filter.queue),
        ("jobs.pk < ?", job_filter.before_pk),
    ]
    for condition, value in conditions:
        if value is not None:
            where.append(condition)
            params.append(value)
    labels = list((job_filter.labels or {}).items())
    qualified = ", ".join(f"jobs.{name.strip()}" for name in columns.split(","))
    if not labels:
        sql = f"SELECT {qualified} FROM jobs WHERE {' AND '.join(where)} ORDER BY jobs.pk DESC"
        return f"{sql} LIMIT ?", [*params, limit]
    (first_key, first_value), others = labels[0], labels[1:]
    for key, value in others:  # on the label row: checked before the job's row is read
        where.insert(
            0,
            "EXISTS (SELECT 1 FROM job_labels AS other WHERE other.key = ? AND other.value = ? "
            "AND other.job_pk = label.job_pk)",
        )
        params[:0] = [key, value]
    sql = (
        f"SELECT {qualified} FROM job_labels AS label JOIN jobs ON jobs.pk = label.job_pk "
        f"WHERE label.key = ? AND label.value = ? AND {' AND '.join(where)} "
        "ORDER BY label.job_pk DESC LIMIT ?"
    )
    return sql, [first_key, first_value, *params, limit]


#: how many of a label's index rows ``rarest_label_first`` counts at most per label
LABEL_COUNT_CAP = 4096


def label_count_sql() -> str:
    """The query counting one label's jobs, up to ``LABEL_COUNT_CAP`` (parameters: key, value)."""
    return (
        "SELECT count(*) FROM (SELECT 1 FROM job_labels WHERE key = ? AND value = ? "
        f"LIMIT {LABEL_COUNT_CAP})"
    )


def rarest_label_first(job_filter: JobFilter, counts: Mapping[str, int]) -> JobFilter:
    """``job_filter`` with its labels ordered by ``counts`` (by key; fewest jobs first)."""
    labels = dict(sorted((job_filter.labels or {}).items(), key=lambda kv: counts[kv[0]]))
    return dataclasses.replace(job_filter, labels=labels)
