"""Local server benchmark: creates per second, list latency over many stored jobs, and the
submit-to-running latency of an idle queue.

Run: `.venv/bin/python bench/server.py [--stored 100000] [--creates 2000] [--latency-jobs 100]
[--runs 10] [--no-write]`
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localserver import Session, dumps, percentile, running_server, single_job_body
from report import stamp, table, write_section

SHARDS = 100  # label `shard` takes 100 values: a filter on one matches 1% of the jobs
TEAMS = 10  # label `team` takes 10 values: 10%
MANAGED = {"pfctl/managed-by": "pfctl"}  # on every job, as after `pfctl apply`; apply filters on it


def _samples(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def _median_seconds(action: Callable[[], object], runs: int) -> float:
    return statistics.median(_samples(action, runs))


def _best_seconds(action: Callable[[], object], runs: int) -> float:
    """The fastest run: the cost of the work itself, least disturbed by other load."""
    return min(_samples(action, runs))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# -- creates --------------------------------------------------------------------------------


def bench_creates(url: str, count: int, threads: int, counter: Session) -> tuple[float, int]:
    """Creates per second of `count` single jobs sent by `threads` keep-alive clients, and the
    requests the server counted meanwhile (`counter` reads the count)."""
    per_thread = count // threads
    sessions = [Session(url) for _ in range(threads)]
    before = counter.requests_served()
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for n in range(per_thread):
                job_id = f"c{threads}-{index}-{n}"
                body = single_job_body(job_id, {"team": f"team-{n % TEAMS}"})
                sessions[index].call("POST", "/job/single", body)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    served = counter.requests_served() - before
    for session in sessions:
        session.close()
    if errors:
        raise errors[0]
    return per_thread * threads / elapsed, served


def creates_section(tmp: Path, count: int, runs: int) -> str:
    with running_server(tmp / "creates", executor=False) as server:
        session = Session(server.url)
        session.call("POST", "/job/single", single_job_body("probe", {}))
        show = _median_seconds(lambda: session.call("GET", "/job/probe"), runs * 20)
        rows = []
        served = 0
        for threads in (1, 4):
            rate, requests = bench_creates(server.url, count, threads, session)
            served += requests
            rows.append(
                (
                    f"{count} creates, {threads} client{'s' if threads > 1 else ''}",
                    f"{rate:.0f}/s",
                    _ms(1 / rate),
                    f"{(1 / rate) / show:.1f}x",
                )
            )
        session.close()
    body = (
        "`POST /job/single` of a realistic single job against a server with `--no-executor` "
        "(jobs stay `init`, so only the API and the database are measured). Baseline: one "
        f"`GET /job/ID` round trip on the same server, {_ms(show)} (median).\n\n"
    )
    body += table(["case", "creates per second", "time per create", "vs one show"], rows)
    body += f"\nRequests the server counted during the timed creates: {served}.\n"
    return body


# -- list -----------------------------------------------------------------------------------


def seed_jobs(data_dir: Path, count: int) -> None:
    """Store `count` jobs directly (no HTTP: 100,000 creates over HTTP would take minutes).

    Each job is what a real create stores (built by the server's own create code), with labels
    `team` (10 values) and `shard` (100 values); statuses: 1% running, 5% failed, the rest
    succeeded.
    """
    from pfctl.server.jobs.create import build_new_job
    from pfctl.server.store.storage import Store

    store = Store(data_dir)
    template = build_new_job(store, "single", single_job_body("template", {}), "root")
    batch: list[Any] = []
    for n in range(count):
        job_id = f"seed-{n:06d}"
        labels = {"team": f"team-{n % TEAMS}", "shard": str(n % SHARDS), **MANAGED}
        spec = {**template.spec, "id": job_id, "labels": labels}
        batch.append(dataclasses.replace(template, id=job_id, labels=labels, spec=spec))
        if len(batch) == 1000 or n == count - 1:
            store.create_jobs(batch)
            batch = []
    with store.db.write() as conn:
        conn.execute(
            "UPDATE jobs SET status = CASE WHEN pk % 100 = 0 THEN 'running' "
            "WHEN pk % 20 = 1 THEN 'failed' ELSE 'succeeded' END, "
            "finished_at = CASE WHEN pk % 100 = 0 THEN NULL ELSE created_at END"
        )
    store.close()


LIST_CASES: dict[str, dict[str, str]] = {
    "no filter": {},
    "label pfctl/managed-by (100%, apply's)": {"labels": dumps(MANAGED)},
    "label team (10%)": {"labels": dumps({"team": "team-3"})},
    "label shard (1%)": {"labels": dumps({"shard": "7"})},
    "status succeeded (94%)": {"status": "succeeded"},
    "status failed (5%)": {"status": "failed"},
    "status running (1%)": {"status": "running"},
}


def _store_list_seconds(data_dir: Path, params: dict[str, str], runs: int) -> float:
    """The page's query in this process, as the server runs it (`Store.list_job_rows`): the
    database's share of a list, best of the runs."""
    from pfctl.server.store.jobrecords import JobFilter
    from pfctl.server.store.storage import Store

    store = Store(data_dir)
    labels = json.loads(params["labels"]) if "labels" in params else None
    job_filter = JobFilter(status=params.get("status"), labels=labels)
    try:
        return _best_seconds(lambda: store.list_job_rows(job_filter, 1001), runs)
    finally:
        store.close()


def list_section(tmp: Path, stored: int, runs: int) -> str:
    data_dir = tmp / "list"
    start = time.perf_counter()
    seed_jobs(data_dir, stored)
    seeded = time.perf_counter() - start
    rows = []
    with running_server(data_dir, executor=False) as server:
        session = Session(server.url)
        show = _median_seconds(lambda: session.call("GET", "/job/seed-000001"), runs * 5)
        for name, params in LIST_CASES.items():
            query = {"maxKeys": "1000", **params}
            started = time.perf_counter()
            page = session.call("GET", "/job", params=query)
            first = time.perf_counter() - started
            seconds = _median_seconds(lambda q=query: session.call("GET", "/job", params=q), runs)
            in_store = _store_list_seconds(data_dir, params, runs)
            rows.append(
                (
                    name,
                    len(page["jobList"]),
                    _ms(first),
                    _ms(seconds),
                    f"{seconds / show:.0f}x",
                    _ms(in_store),
                )
            )
        session.close()
    body = (
        f"`GET /job?maxKeys=1000` (the first page) with {stored:,} stored jobs. The jobs were "
        f"written straight into the database by the server's own create code ({seeded:.0f} s; "
        f"labels `team` with {TEAMS} values, `shard` with {SHARDS}; 1% running, 5% failed, 94% "
        "succeeded; `pfctl/managed-by: pfctl` on all). `first` is the first request with that "
        "filter, when the server has not encoded those jobs' list entries yet (earlier filters "
        f"may have encoded some); `wall` the median of the {runs} requests after it. `rows` is "
        "the page's query in the benchmark's process as the server runs it "
        "(`Store.list_job_rows`, best of the runs): the database's share. Baseline: one "
        f"`GET /job/ID`, {_ms(show)}.\n\n"
    )
    body += table(["filter", "jobs on page", "first", "wall", "vs one show", "rows"], rows)
    return body


# -- submit to running ----------------------------------------------------------------------


def latency_section(tmp: Path, jobs: int) -> str:
    samples: list[float] = []
    with running_server(tmp / "latency", executor=True) as server:
        session = Session(server.url)
        db = sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)
        for n in range(jobs):
            job_id = f"lat-{n}"
            submitted = time.time()
            session.call("POST", "/job/single", single_job_body(job_id, {}, command="true"))
            activated = None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                row = db.execute(
                    "SELECT activated_at, finished_at FROM jobs WHERE id = ?", (job_id,)
                ).fetchone()
                if row is not None and row[0] is not None:
                    activated = row[0]
                    if row[1] is not None:
                        break  # finished: the queue is idle again for the next job
                time.sleep(0.002)
            if activated is None:
                raise RuntimeError(f"job {job_id} did not start within 60 s")
            samples.append(activated - submitted)
        db.close()
        session.close()
    rows = [
        (
            jobs,
            _ms(statistics.median(samples)),
            _ms(percentile(samples, 0.99)),
            _ms(min(samples)),
            _ms(max(samples)),
        )
    ]
    body = (
        "One job at a time on an idle `default-queue` (command `true`; the next job is sent once "
        "the previous one finished). Latency: from just before the client sends `POST /job/single` "
        "to the job's `startTime` as the server records it (`activated_at`, to the microsecond, "
        "read from its database), so it includes the create round trip.\n\n"
    )
    body += table(["jobs", "median", "p99", "min", "max"], rows)
    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, default=100_000, help="jobs stored for the lists")
    parser.add_argument("--creates", type=int, default=2000, help="jobs created per case")
    parser.add_argument("--latency-jobs", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10, help="runs per list case (median)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pfbench-server-") as tmp_name:
        tmp = Path(tmp_name)
        parts = [
            ("Creates", creates_section(tmp, opts.creates, opts.runs)),
            ("List", list_section(tmp, opts.stored, opts.runs)),
            ("Submit to running", latency_section(tmp, opts.latency_jobs)),
        ]
    command = (
        f"python bench/server.py --stored {opts.stored} --creates {opts.creates} "
        f"--latency-jobs {opts.latency_jobs} --runs {opts.runs}"
    )
    body = stamp(command) + "".join(f"\n### {title}\n\n{text}" for title, text in parts)
    print(body)
    if not opts.no_write:
        write_section("server", "Local server", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
