"""A local server holding many jobs: list pages with filters (cold and warm), one show, start-up,
the database's size per job, and a scheduling pass with many finished and a few pending jobs.

Run: `.venv/bin/python bench/scale.py [--stored 1000000] [--pending 1000] [--runs 10]
[--no-write]`
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from localserver import DATABASE_FILE, Session, dumps, running_server, single_job_body
from report import stamp, table, write_section

SHARDS = 100
TEAMS = 10
SEED_BATCH = 5000
PASS_QUEUE = "bench-closed"  # the pending jobs' queue: closed, so the pass starts none of them


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def seed(data_dir: Path, stored: int, pending: int) -> None:
    """`stored` jobs written with the server's own create code: `pending` of them pending in a
    closed queue (spread evenly over the pks), 5% failed, the rest succeeded."""
    from pfctl.server.jobs.create import build_new_job
    from pfctl.server.store.storage import Store

    store = Store(data_dir)
    template = build_new_job(store, "single", single_job_body("template", {}), "root")
    every = max(1, stored // pending) if pending else 0
    batch: list[Any] = []
    for n in range(stored):
        job_id = f"seed-{n:07d}"
        labels = {"team": f"team-{n % TEAMS}", "shard": str(n % SHARDS)}
        spec = {**template.spec, "id": job_id, "labels": labels}
        batch.append(dataclasses.replace(template, id=job_id, labels=labels, spec=spec))
        if len(batch) == SEED_BATCH or n == stored - 1:
            store.create_jobs(batch)
            batch = []
    with store.db.write() as conn:
        conn.execute(
            "INSERT INTO queues (id, name, namespace, cluster_name, quota_type, max_resources, "
            "min_resources, status, created_at, updated_at) SELECT 'bench-closed', ?, namespace, "
            "cluster_name, quota_type, max_resources, min_resources, 'closed', created_at, "
            "updated_at FROM queues WHERE name = 'default-queue'",
            (PASS_QUEUE,),
        )
        conn.execute(
            "UPDATE jobs SET status = CASE WHEN pk % 20 = 1 THEN 'failed' ELSE 'succeeded' END, "
            "finished_at = created_at"
        )
        if every:
            conn.execute(
                "UPDATE jobs SET status = 'pending', finished_at = NULL, queue = ? "
                "WHERE pk % ? = 0 AND pk / ? <= ?",
                (PASS_QUEUE, every, every, pending),
            )
    store.close()


def _median(action: Any, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def list_rows(url: str, runs: int, cases: dict[str, dict[str, str]]) -> list[tuple[Any, ...]]:
    rows = []
    session = Session(url)
    for name, params in cases.items():
        query = {"maxKeys": "1000", **params}
        started = time.perf_counter()
        page = session.call("GET", "/job", params=query)
        cold = time.perf_counter() - started
        warm = _median(lambda q=query: session.call("GET", "/job", params=q), runs)
        rows.append((name, len(page["jobList"]), _ms(cold), _ms(warm)))
    session.close()
    return rows


def scheduler_pass(data_dir: Path, runs: int) -> tuple[float, float, int]:
    """The first pass (it writes the pending jobs' waiting reasons) and the median of the next
    ones, in this process on the database (the runtime's own `schedule_once`; the queue of the
    pending jobs is closed, so none starts); the pending jobs it saw."""
    from pfctl.server.runtime.runner import LocalRuntime
    from pfctl.server.store.storage import Store

    store = Store(data_dir)
    runtime = LocalRuntime(store, data_dir)
    pending = len(store.list_jobs_in_status(["pending"]))
    started = time.perf_counter()
    runtime.schedule_once()
    first = time.perf_counter() - started
    later = _median(runtime.schedule_once, runs)
    running = len(store.list_jobs_in_status(["running"]))
    store.close()
    if running:
        raise RuntimeError(f"the pass started {running} jobs")
    return first, later, pending


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, default=1_000_000, help="jobs stored")
    parser.add_argument("--pending", type=int, default=1000, help="of which pending")
    parser.add_argument("--runs", type=int, default=10, help="warm runs per case (median)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the seeded database here, and reuse it when it is already there (it must "
        "have been seeded with the same --stored and --pending)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()

    load = _load()
    cases = {
        "no filter": {},
        "label team (10%)": {"labels": dumps({"team": "team-3"})},
        "label shard (1%)": {"labels": dumps({"shard": "7"})},
        "labels team and shard (1%)": {"labels": dumps({"team": "team-3", "shard": "13"})},
        "status succeeded (95%)": {"status": "succeeded"},
        "status failed (5%)": {"status": "failed"},
        f"status pending ({opts.pending / max(opts.stored, 1):.1%})": {"status": "pending"},
        "queue default-queue": {"queue": "default-queue"},
    }
    with tempfile.TemporaryDirectory(prefix="pfbench-scale-") as tmp_name:
        data_dir = opts.data_dir or Path(tmp_name) / "data"
        started = time.perf_counter()
        reused = (data_dir / DATABASE_FILE).exists()
        if not reused:
            seed(data_dir, opts.stored, opts.pending)
        seeded = time.perf_counter() - started
        files = [data_dir / DATABASE_FILE, data_dir / f"{DATABASE_FILE}-wal"]
        size = sum(path.stat().st_size for path in files if path.exists())
        startups = []
        for _ in range(3):
            started = time.perf_counter()
            with running_server(data_dir, executor=False) as server:
                startups.append(time.perf_counter() - started)
        with running_server(data_dir, executor=False) as server:
            list_table = list_rows(server.url, opts.runs, cases)
            session = Session(server.url)
            job_id = f"seed-{opts.stored // 2:07d}"
            show = _median(lambda: session.call("GET", f"/job/{job_id}"), opts.runs * 5)
            session.close()
        first_pass, later_pass, pending = scheduler_pass(data_dir, opts.runs)
        alone_dir = Path(tmp_name) / "pending-only"
        seed(alone_dir, opts.pending, opts.pending)
        _, alone_pass, _ = scheduler_pass(alone_dir, opts.runs)

    command = (
        f"python bench/scale.py --stored {opts.stored} --pending {opts.pending} --runs {opts.runs}"
    )
    how_long = "seeded by an earlier run" if reused else f"{seeded:.0f} s"
    body = stamp(command) + f"- load average at the start: {load}; at the end: {_load()}\n\n"
    body += (
        f"{opts.stored:,} jobs written straight into a new database by the server's own create "
        f"code ({how_long}), with labels `team` ({TEAMS} values) and `shard` ({SHARDS}); "
        f"5% failed, {opts.pending:,} pending in a closed queue, the rest succeeded. "
        f"Database: {size / 1024 / 1024:,.0f} MiB, {size / max(opts.stored, 1):,.0f} bytes "
        "per job (jobs, their label index rows and their `accepted` event).\n\n"
        f"- server start-up (from launching `pfctl server run` to its first answer; median of "
        f"3): {statistics.median(startups):.2f} s\n"
        f"- show one job (`GET /job/{{id}}`, median of {opts.runs * 5}): {_ms(show)}\n"
        f"- a scheduling pass (`LocalRuntime.schedule_once`, in the benchmark's process, "
        f"{pending:,} pending jobs): {_ms(first_pass)} the first (it records each pending "
        f"job's waiting reason), {_ms(later_pass)} each later one (median of {opts.runs}); "
        f"with the same {opts.pending:,} pending jobs and nothing else stored, a later pass "
        f"takes {_ms(alone_pass)}: {later_pass / alone_pass:.2f}x (the pass is O(pending "
        "jobs) when this stays near 1)\n\n"
        f"`GET /job?maxKeys=1000`, the first page: `cold` is the first request with that filter "
        "after the server started (the list entries of those jobs not yet encoded), `warm` the "
        f"median of the {opts.runs} after it; both end to end, the client's JSON decoding "
        "included.\n\n"
    )
    body += table(["filter", "jobs on page", "cold", "warm"], list_table)
    print(body)
    if not opts.no_write:
        write_section("scale", "A million jobs", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
