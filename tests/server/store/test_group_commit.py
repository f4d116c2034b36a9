"""Group commit: concurrent writes share a transaction, each item's failure stays its own, and a
submit returns only once its item is committed."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from pfctl.server.store.database import Database
from pfctl.server.store.group_commit import GroupCommit
from pfctl.server.store.storage import Store
from tests.helpers.jobs import stored_job


def _items_table(db: Database) -> None:
    with db.write() as conn:
        conn.execute("CREATE TABLE items (name TEXT PRIMARY KEY)")


def _wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def _stored(db: Database) -> set[str]:
    return {row[0] for row in db.connection().execute("SELECT name FROM items")}


def test_items_queued_during_a_write_share_the_next_transaction(tmp_path):
    db = Database(tmp_path)
    _items_table(db)
    release = threading.Event()

    def write(conn: sqlite3.Connection, name: str) -> str:
        if name == "first":
            assert release.wait(30)
        if name == "bad":
            raise ValueError("refused")
        conn.execute("INSERT INTO items (name) VALUES (?)", (name,))
        return name.upper()

    commits = GroupCommit(db, write)
    results: list[tuple[str, object]] = []

    def submit(name: str) -> None:
        try:
            results.append((name, commits.submit(name)))
        except Exception as exc:
            results.append((name, type(exc)))

    first = threading.Thread(target=submit, args=("first",))
    first.start()
    _wait_until(lambda: commits.items == 0 and len(commits._queue) == 0 and commits._leading)
    followers = [threading.Thread(target=submit, args=(name,)) for name in ("b", "c", "b", "bad")]
    for thread in followers:
        thread.start()
    _wait_until(lambda: len(commits._queue) == 4)
    release.set()
    for thread in (first, *followers):
        thread.join(30)

    # "bad" failed its batch as a whole, so each item of it was written again alone: "bad" got
    # its own error, and of the two "b" one was written and the other refused as a duplicate
    assert sorted(results, key=repr) == sorted(
        [
            ("first", "FIRST"),
            ("b", "B"),
            ("b", sqlite3.IntegrityError),
            ("c", "C"),
            ("bad", ValueError),
        ],
        key=repr,
    )
    assert _stored(db) == {"first", "b", "c"}
    assert commits.batches == 2 and commits.items == 5
    db.close()


def test_a_duplicate_in_a_batch_fails_alone(tmp_path):
    db = Database(tmp_path)
    _items_table(db)
    release = threading.Event()

    def write(conn: sqlite3.Connection, name: str) -> None:
        if name == "first":
            assert release.wait(30)
        conn.execute("INSERT INTO items (name) VALUES (?)", (name,))

    commits = GroupCommit(db, write)
    errors: dict[int, BaseException] = {}

    def submit(index: int, name: str) -> None:
        try:
            commits.submit(name)
        except Exception as exc:
            errors[index] = exc

    threads = [threading.Thread(target=submit, args=(0, "first"))]
    threads[0].start()
    _wait_until(lambda: commits._leading)
    for index, name in enumerate(("x", "x", "y"), start=1):
        threads.append(threading.Thread(target=submit, args=(index, name)))
        threads[-1].start()
        _wait_until(lambda n=index: len(commits._queue) == n)
    release.set()
    for thread in threads:
        thread.join(30)
    assert list(errors) == [2] and isinstance(errors[2], sqlite3.IntegrityError)
    assert _stored(db) == {"first", "x", "y"}
    assert commits.batches == 2
    db.close()


def test_concurrent_store_creates_are_all_stored_once(tmp_path):
    store = Store(tmp_path)
    ids = [f"job-{n}" for n in range(200)]
    taken: list[str] = []

    def create(chunk: list[str]) -> None:
        for job_id in chunk:
            record = store.create_job(stored_job(job_id))
            assert record.id == job_id and record.status == "init"
            assert store.get_job(job_id) == record
            try:
                store.create_job(stored_job(job_id))
            except Exception as exc:
                taken.append(type(exc).__name__)

    threads = [threading.Thread(target=create, args=(ids[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert taken == ["JobIdTaken"] * 200
    assert sorted(job.id for job in store.list_jobs_in_status(["init"])) == sorted(ids)
    store.close()


def test_create_jobs_is_all_or_none(tmp_path):
    store = Store(tmp_path)
    store.create_job(stored_job("job-1"))
    jobs = [stored_job(f"job-{n}") for n in range(3)]
    with pytest.raises(Exception, match="UNIQUE"):
        store.create_jobs(jobs)
    assert [job.id for job in store.list_jobs_in_status(["init"])] == ["job-1"]
    store.close()
