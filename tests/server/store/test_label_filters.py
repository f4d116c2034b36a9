"""A page filtered by several labels holds the same jobs, newest first, whichever label is
given first: the store walks the rarest label's index and checks the others per candidate."""

from __future__ import annotations

import itertools

import pytest

from pfctl.server.store.jobrecords import JobFilter, rarest_label_first
from pfctl.server.store.storage import Store
from tests.helpers.jobs import stored_job

COUNT = 600


def _labels(n: int) -> dict[str, str]:
    return {"team": f"t{n % 2}", "shard": str(n % 10), "zone": "z" if n % 3 else "y"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("labels"))
    store.create_jobs([stored_job(f"job-{n:04d}", labels=_labels(n)) for n in range(COUNT)])
    with store.db.write() as conn:
        conn.execute("UPDATE jobs SET status = 'failed' WHERE id = 'job-0581'")
    yield store
    store.close()


def _expected(wanted: dict[str, str], limit: int, **conditions: object) -> list[str]:
    ids = [
        f"job-{n:04d}"
        for n in reversed(range(COUNT))
        if all(_labels(n)[key] == value for key, value in wanted.items())
    ]
    if conditions.get("status") == "failed":
        ids = [job_id for job_id in ids if job_id == "job-0581"]
    return ids[:limit]


@pytest.mark.parametrize(
    "wanted",
    [
        {"team": "t1", "shard": "1"},
        {"shard": "1", "team": "t1"},
        {"team": "t1", "zone": "z", "shard": "5"},
        {"team": "t0", "shard": "1"},  # none: shard 1 jobs are all team t1
    ],
)
@pytest.mark.parametrize("limit", [7, 1000])
def test_several_labels_in_any_order(store, wanted, limit):
    for order in itertools.permutations(wanted.items()):
        rows = store.list_job_rows(JobFilter(labels=dict(order)), limit)
        assert [row[1] for row in rows] == _expected(wanted, limit)


def test_several_labels_with_a_status_and_a_marker(store):
    wanted = {"zone": "z", "shard": "1", "team": "t1"}
    rows = store.list_job_rows(JobFilter(labels=wanted, status="failed"), 10)
    assert [row[1] for row in rows] == _expected(wanted, 10, status="failed") == ["job-0581"]
    first = store.list_job_rows(JobFilter(labels=wanted), 5)
    after = store.list_job_rows(JobFilter(labels=wanted, before_pk=first[-1][0]), 5)
    assert [row[1] for row in first + after] == _expected(wanted, 10)


def test_rarest_label_first_orders_by_count():
    ordered = rarest_label_first(
        JobFilter(labels={"a": "1", "b": "2", "c": "3"}, status="running"),
        {"a": 50, "b": 3, "c": 4096},
    )
    assert list((ordered.labels or {}).items()) == [("b", "2"), ("a", "1"), ("c", "3")]
    assert ordered.status == "running"
