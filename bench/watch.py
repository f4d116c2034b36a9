"""Watch benchmark: what `pfctl job list -w` costs while it watches many running jobs, through
the server's `/wsjob` stream and by polling (`PFCTL_WATCH=poll`), and how long a status change
takes to reach its line on the watcher's output.

The jobs are stored before the server starts (built by the server's own create code) and made
`running` through the store's own status write (`Store.set_job_status`, what the runtime calls);
the server runs without its executor, so nothing else changes them. While a watcher runs, the
benchmark ends one job after another (`succeeded`, through the same write, from this process) at
a steady rate and times each change to the line the watcher prints for it.

Run: `.venv/bin/python bench/watch.py [--jobs 1000] [--changes 40] [--rate 2] [--interval 2]
[--no-write]`
"""

from __future__ import annotations

import argparse
import dataclasses
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from localserver import PASSWORD, USER, Session, isolated_env, percentile, running_server
from localserver import single_job_body as job_body
from report import PYTHON, stamp, table, write_section

LABELS = {"bench": "watch"}


def seed_running_jobs(data_dir: Path, count: int) -> list[str]:
    """`count` single jobs, stored as a create stores them, then made `running`."""
    from pfctl.server.jobs.create import build_new_job
    from pfctl.server.store.storage import Store

    store = Store(data_dir)
    template = build_new_job(store, "single", job_body("template", LABELS), "root")
    ids = [f"watch-{n:05d}" for n in range(count)]
    batch = [
        dataclasses.replace(template, id=job_id, spec={**template.spec, "id": job_id})
        for job_id in ids
    ]
    for start in range(0, count, 1000):
        store.create_jobs(batch[start : start + 1000])
    for job_id in ids:
        store.set_job_status(job_id, "running", "")
    store.close()
    return ids


@dataclass
class WatchRun:
    """One watcher's figures."""

    name: str
    at_start: int = 0
    while_watching: int = 0
    seconds: float = 0.0
    delays: list[float] = field(default_factory=list)
    changes: int = 0

    def row(self) -> list[object]:
        per_minute = self.while_watching / self.seconds * 60 if self.seconds else 0.0
        delays = self.delays or [float("nan")]
        return [
            self.name,
            f"{len(self.delays)}/{self.changes}",
            self.at_start,
            self.while_watching,
            f"{per_minute:.1f}",
            f"{percentile(delays, 0.5):.2f} s",
            f"{percentile(delays, 0.99):.2f} s",
        ]


def watch(
    name: str,
    url: str,
    *,
    data_dir: Path,
    home: Path,
    changed: list[str],
    opts: argparse.Namespace,
    env: dict[str, str],
) -> WatchRun:
    """Run `pfctl job list -w` while `changed` jobs end one by one; its figures."""
    from pfctl.server.store.storage import Store

    run = WatchRun(name, changes=len(changed))
    session = Session(url)
    before = session.requests_served()
    argv = [PYTHON, "-m", "pfctl", "job", "list", "-l", "bench=watch", "-w", "-o", "table"]
    argv += ["--interval", f"{opts.interval:g}", "--server", url, "--user", USER]
    argv += ["--password", PASSWORD]
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**isolated_env(home), **env},
    )
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put((time.time(), line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while not lines.get(timeout=120)[1].startswith("marker:"):
        pass  # the list of every job, printed before the watch begins
    time.sleep(opts.settle)  # the stream opens and catches up (or the first poll goes)
    run.at_start = session.requests_served() - before
    counted = session.requests_served()
    began = time.monotonic()
    store = Store(data_dir)
    written: dict[str, float] = {}
    for job_id in changed:
        written[job_id] = time.time()
        store.set_job_status(job_id, "succeeded", "job is succeeded")
        time.sleep(1 / opts.rate)
    store.close()
    deadline = time.monotonic() + 3 * opts.interval + 10
    while len(run.delays) < len(changed) and time.monotonic() < deadline:
        try:
            seen_at, line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        job_id, _, rest = line.partition("  ")
        if job_id in written and rest.startswith("succeeded"):
            run.delays.append(seen_at - written.pop(job_id))
    run.seconds = time.monotonic() - began
    run.while_watching = session.requests_served() - counted
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    if process.returncode != 130:
        raise RuntimeError(f"{name}: the watcher ended with {process.returncode}: {err[-2000:]}")
    session.close()
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1000, help="running jobs watched")
    parser.add_argument("--changes", type=int, default=40, help="status changes per watcher")
    parser.add_argument("--rate", type=float, default=2.0, help="changes per second")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
    parser.add_argument("--settle", type=float, default=4.0, help="seconds before the changes")
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()
    if 2 * opts.changes > opts.jobs:
        parser.error("--jobs must be at least twice --changes (each watcher ends its own jobs)")

    with tempfile.TemporaryDirectory(prefix="pfbench-watch-") as tmp_name:
        tmp = Path(tmp_name)
        data_dir, home = tmp / "data", tmp / "home"
        ids = seed_running_jobs(data_dir, opts.jobs)
        with running_server(data_dir, executor=False, home=home) as server:
            modes: list[tuple[str, dict[str, str]]] = [
                ("the /wsjob stream", {}),
                (f"polling every {opts.interval:g} s", {"PFCTL_WATCH": "poll"}),
            ]
            runs = []
            for n, (name, env) in enumerate(modes):
                changed = ids[n :: len(modes)][: opts.changes]
                runs.append(
                    watch(
                        name,
                        server.url,
                        data_dir=data_dir,
                        home=home,
                        changed=changed,
                        opts=opts,
                        env=env,
                    )
                )

    stream, polling = runs
    body = stamp(
        f"python bench/watch.py --jobs {opts.jobs} --changes {opts.changes} --rate {opts.rate:g} "
        f"--interval {opts.interval:g}"
    )
    body += (
        f"\n`pfctl job list -l bench=watch -w -o table` watching {opts.jobs:,} running jobs on a "
        "local server without its executor, once through the server's `/wsjob` stream (it looks "
        "for updated jobs every 3 s, as PaddleFlow's) and once polling (`PFCTL_WATCH=poll`: one "
        f"listing of the jobs updated since the previous poll, every {opts.interval:g} s). While "
        f"each watches, {opts.changes} of the jobs end (`succeeded`, written through the "
        f"store's own status write), {opts.rate:g} per second. Requests are the server's own "
        "count (the websocket connection, not an HTTP request, is not in it): at the start "
        "(login, the list, the stream's catch-up listing or the first polls, over "
        f"{opts.settle:g} s) and while the jobs change; the delay runs from the status write "
        "to the watcher's line for it on its output.\n\n"
    )
    body += table(
        [
            "watching through",
            "changes seen",
            "requests at start",
            "requests while watching",
            "per minute",
            "delay median",
            "delay p99",
        ],
        [run.row() for run in runs],
    )
    minute = polling.while_watching / polling.seconds * 60 if polling.seconds else 0.0
    body += (
        f"\nThe stream costs {stream.while_watching} requests while {opts.changes} jobs change "
        f"against {polling.while_watching} by polling ({minute:.0f} a minute, one per poll "
        f"whatever the number of jobs); one GET per job per poll would be "
        f"{opts.jobs * 60 / opts.interval:,.0f} a minute. The stream's delay follows the "
        "server's 3-second look; polling's follows the interval and the one-second margin a "
        "listing of changes starts with.\n"
    )
    print(body)
    if not opts.no_write:
        write_section("watch", "Watching", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
