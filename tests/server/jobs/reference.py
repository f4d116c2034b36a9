"""Reference implementations the server's fast paths must equal, byte for byte.

``GET /job`` is served from cached, pre-encoded elements (``pfctl.server.jobs.listing``); these
are the generic way to the same bytes: read whole job records, build each job's view, encode it.
"""

from __future__ import annotations

from pfctl.server.gojson import json_bytes
from pfctl.server.jobs.view import job_view
from pfctl.server.store.jobrecords import (
    JOB_COLUMNS,
    JobFilter,
    JobListRow,
    JobRecord,
    job_from_list_row,
    job_from_row,
    job_page_sql,
)
from pfctl.server.store.storage import Store


def encode_element(row: JobListRow) -> bytes:
    """The ``jobList`` element of one row, encoded the generic way."""
    return json_bytes(job_view(job_from_list_row(row), with_runtime=False))


def list_jobs(store: Store, job_filter: JobFilter, limit: int) -> list[JobRecord]:
    """Up to ``limit`` whole jobs matching ``job_filter``, newest first (pk descending): the
    query of ``Store.list_job_rows`` with every column."""
    sql, params = job_page_sql(job_filter, limit, JOB_COLUMNS)
    rows = store.db.connection().execute(sql, params).fetchall()
    return [job_from_row(row) for row in rows]
