"""The database's connections live as long as the threads that use them (issue 14, item 1).

The server starts a thread per job, per workflow node and per API worker; each used to keep its
SQLite connection (two descriptors and its page cache) after it ended, until a server under
``ulimit -n`` ran out of descriptors and jobs stayed ``pending`` for good.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pfctl.server.store.database import Database
from tests.helpers.api import FINAL, Api, login
from tests.helpers.jobs import fresh_single
from tests.server.limits import launch_limited_server, open_descriptors, resident_kib, wait_until

#: Descriptors a server may hold above its idle count once a burst of jobs is over: SQLite keeps
#: the database-file descriptor of a closed connection for reuse while another connection holds
#: its lock, so what stays is bounded by the threads that used the database at once (the jobs
#: running together, the API worker threads), never by the number of jobs that ran.
SETTLED_DESCRIPTORS = 48
#: Resident memory the server may gain over the burst (a leaked connection costs ~155 KiB).
SETTLED_GROWTH_KIB = 40 * 1024


def _own_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_thread_s_connection_is_closed_when_the_thread_ends(tmp_path: Path) -> None:
    database = Database(tmp_path)
    try:
        database.connection()  # this thread's, kept: it holds the lock SQLite keeps in WAL mode
        before = _own_descriptors()
        for _ in range(200):
            worker = threading.Thread(
                target=lambda: database.connection().execute("SELECT 1").fetchone()
            )
            worker.start()
            worker.join()
        assert _own_descriptors() <= before + 2
        assert database.open_connections() == 1
    finally:
        database.close()
    assert database.open_connections() == 0


def test_close_closes_the_connections_of_live_threads(tmp_path: Path) -> None:
    database = Database(tmp_path)
    release = threading.Event()
    opened = threading.Barrier(9)

    def hold() -> None:
        database.connection().execute("SELECT 1").fetchone()
        opened.wait(timeout=30)
        release.wait(timeout=30)

    workers = [threading.Thread(target=hold) for _ in range(8)]
    for worker in workers:
        worker.start()
    opened.wait(timeout=30)
    assert database.open_connections() == 9  # 8 workers and this thread (the schema)
    database.close()
    assert database.open_connections() == 0
    release.set()
    for worker in workers:
        worker.join()
    # A thread that uses the database after close gets a new connection.
    assert database.connection().execute("SELECT 1").fetchone()[0] == 1
    database.close()


def _create_jobs(api: Api, count: int) -> list[str]:
    def create(_: int) -> str:
        return api.create("single", fresh_single(command="true"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(create, range(count)))


def _statuses(api: Api, job_ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    marker = ""
    for _ in range(100):  # pages of 1,000: bounded
        params = {"maxKeys": "1000", **({"marker": marker} if marker else {})}
        page = api.get("/job", params=params).json()
        found.update({job["id"]: job["status"] for job in page["jobList"]})
        if not page.get("isTruncated"):
            break
        marker = page["nextMarker"]
    return {job_id: found.get(job_id, "missing") for job_id in job_ids}


@pytest.mark.slow
def test_many_short_jobs_leave_descriptors_and_memory_bounded(tmp_path: Path) -> None:
    """600 jobs through a server limited to 256 descriptors (the leak ran out at ~120): every
    job succeeds, and once they are over the server's descriptors and memory come back to a
    bound that does not depend on how many jobs ran."""
    server = launch_limited_server(tmp_path / "data", nofile=256)
    try:
        api = login(server.url)
        pid = server.process.pid
        _create_jobs(api, 30)  # warm up: imports, caches, the API worker threads
        time.sleep(1)
        idle_descriptors, warm_rss = open_descriptors(pid), resident_kib(pid)

        job_ids = _create_jobs(api, 600)
        statuses = wait_until(
            lambda: _statuses(api, job_ids),
            lambda found: set(found.values()) <= FINAL,
            timeout=180,
        )
        assert set(statuses.values()) == {"succeeded"}, sorted(set(statuses.values()))
        settled = wait_until(
            lambda: open_descriptors(pid),
            lambda count: count <= idle_descriptors + SETTLED_DESCRIPTORS,
            timeout=30,
        )
        assert settled <= idle_descriptors + SETTLED_DESCRIPTORS, (idle_descriptors, settled)
        assert resident_kib(pid) <= warm_rss + SETTLED_GROWTH_KIB, (warm_rss, resident_kib(pid))
        assert api.get("/job", params={"maxKeys": "1"}).status_code == 200
    finally:
        server.stop()
