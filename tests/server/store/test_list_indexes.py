"""The job_labels index (kept by triggers) and the page query that uses it answer exactly what a
scan of every job's labels answers."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pfctl.server.store.database import DATABASE_FILE, SCHEMA_VERSION
from pfctl.server.store.jobrecords import JobFilter, job_page_sql
from pfctl.server.store.storage import Store
from tests.helpers.jobs import stored_job


def _page(store: Store, job_filter: JobFilter, limit: int = 1000) -> list[str]:
    sql, params = job_page_sql(job_filter, limit, "pk, id")
    return [row["id"] for row in store.db.connection().execute(sql, params)]


def _listed(store: Store, job_filter: JobFilter, limit: int = 1000) -> list[str]:
    """What the server's storage answers today."""
    return [row[1] for row in store.list_job_rows(job_filter, limit)]


def _scan(store: Store, job_filter: JobFilter, limit: int = 1000) -> list[str]:
    """The answer by brute force: every live job, filtered in Python, newest first."""
    rows = store.db.connection().execute(
        "SELECT pk, id, status, labels FROM jobs WHERE deleted_at IS NULL ORDER BY pk DESC"
    )
    matches = []
    for row in rows:
        labels: dict[str, Any] = json.loads(row["labels"])
        if job_filter.status is not None and row["status"] != job_filter.status:
            continue
        if job_filter.before_pk is not None and row["pk"] >= job_filter.before_pk:
            continue
        wanted = (job_filter.labels or {}).items()
        if all(isinstance(labels.get(k), str) and labels[k] == v for k, v in wanted):
            matches.append(row["id"])
    return matches[:limit]


def _filled_store(tmp_path: Any) -> Store:
    store = Store(tmp_path)
    odd_keys = {'say "hi"': "x", "équipe": "ü", "a.b": "1"}
    store.create_jobs(
        [
            stored_job(
                f"job-{n}",
                labels={"team": f"t{n % 3}", "shard": str(n % 5), **(odd_keys if n % 7 else {})},
            )
            for n in range(60)
        ]
    )
    # Not a string: no string filter matches it (the API only stores strings; be exact anyway).
    store.create_jobs([stored_job("job-number", labels={"shard": 2})])  # type: ignore[dict-item]
    for n in range(0, 60, 4):
        store.set_job_status(f"job-{n}", "failed", "boom")
    return store


def test_label_filters_match_a_scan(tmp_path):
    store = _filled_store(tmp_path)
    filters = [
        JobFilter(labels={"team": "t1"}),
        JobFilter(labels={"team": "t1", "shard": "2"}),
        JobFilter(labels={"team": "t1"}, status="failed"),
        JobFilter(labels={"team": "t2"}, before_pk=30),
        JobFilter(labels={"team": "nobody"}),
        JobFilter(status="failed"),
        JobFilter(labels={'say "hi"': "x", "équipe": "ü"}),
        JobFilter(labels={"a.b": "1"}),
        JobFilter(labels={"shard": "2"}),
        JobFilter(),
    ]
    for job_filter in filters:
        expected = _scan(store, job_filter)
        assert _page(store, job_filter) == expected == _listed(store, job_filter), job_filter
    assert "job-number" not in _page(store, JobFilter(labels={"shard": "2"}))
    assert _page(store, JobFilter(labels={"team": "t0"}), limit=3) == ["job-57", "job-54", "job-51"]
    store.close()


def test_label_changes_and_deletes_follow_the_index(tmp_path):
    store = _filled_store(tmp_path)
    store.update_job_fields("job-1", labels={"team": "t0", "extra": "yes"})
    store.update_job_fields("job-2", labels={"team": ""})  # an empty value deletes the label
    store.set_job_status("job-3", "succeeded", "done")
    store.delete_job("job-3")
    for job_filter in (
        JobFilter(labels={"team": "t0"}),
        JobFilter(labels={"extra": "yes"}),
        JobFilter(labels={"team": "t2"}),
        JobFilter(labels={"shard": "3"}),
    ):
        assert _page(store, job_filter) == _scan(store, job_filter), job_filter
    assert "job-1" in _page(store, JobFilter(labels={"extra": "yes"}))
    assert "job-2" not in _page(store, JobFilter(labels={"team": "t2"}))
    assert "job-3" not in _page(store, JobFilter(labels={"shard": "3"}))
    store.close()


def test_version_1_database_is_backfilled(tmp_path):
    store = _filled_store(tmp_path)
    store.close()
    conn = sqlite3.connect(tmp_path / DATABASE_FILE)
    conn.execute("DELETE FROM job_labels")  # as a version-1 database: no label rows
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()

    reopened = Store(tmp_path)
    version = (
        reopened.db.connection()
        .execute("SELECT value FROM meta WHERE key = 'schema_version'")
        .fetchone()["value"]
    )
    assert int(version) == SCHEMA_VERSION
    job_filter = JobFilter(labels={"team": "t1"})
    assert _page(reopened, job_filter) == _scan(reopened, job_filter) != []
    reopened.close()


def test_status_page_uses_the_status_index(tmp_path):
    store = _filled_store(tmp_path)
    sql, params = job_page_sql(JobFilter(status="failed"), 10, "pk, id")
    plan = " ".join(
        str(row["detail"])
        for row in store.db.connection().execute(f"EXPLAIN QUERY PLAN {sql}", params)
    )
    assert "jobs_by_status" in plan and "TEMP B-TREE" not in plan
    store.close()
