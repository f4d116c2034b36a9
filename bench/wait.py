"""Wait benchmark: what waiting for many jobs costs in requests per poll, list-based waiting
(what `pfctl apply --wait` does, and `pfctl job wait` after its first poll) against one
`GET /job/{id}` per job per poll (what they did before), all waiting at once for the same jobs
in the same run.

Run: `.venv/bin/python bench/wait.py [--count 300] [--interval 1] [--longest 8] [--no-write]`
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localserver import PASSWORD, USER, Session, isolated_env, running_server
from measure import run_measured
from report import PYTHON, stamp, table, write_section

APPLY_SET = "bench-wait"
#: One job in this many fails (exit 3), so that the wait has failures to report.
FAIL_EVERY = 50


def write_manifests(directory: Path, count: int, longest: float) -> list[str]:
    """`count` single-job manifests, one per file, each sleeping a tenth to all of `longest`
    seconds; the ids in order."""
    directory.mkdir(parents=True, exist_ok=True)
    ids = []
    for n in range(count):
        job_id = f"wait-{n:05d}"
        command = f"sleep {longest * (1 + n % 10) / 10:.2f}"
        if n % FAIL_EVERY == FAIL_EVERY - 1:
            command += "; exit 3"
        manifest = {
            "type": "single",
            "id": job_id,
            "image": "python:3.11",
            "command": command,
            "flavour": {"name": "flavour1"},
        }
        (directory / f"{job_id}.yaml").write_text(json.dumps(manifest), encoding="utf-8")
        ids.append(job_id)
    return ids


@dataclass
class WaitRun:
    """What one way of waiting cost: for each poll, its requests, the jobs still unfinished
    before it, and its seconds."""

    name: str
    costs: list[int] = field(default_factory=list)
    unfinished: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    outcome: str = ""
    #: the whole wait, first request to last answer
    wall: float = 0.0

    def row(self) -> list[object]:
        later = self.costs[1:] or [0]
        return [
            self.name,
            len(self.costs),
            sum(self.costs),
            self.costs[0] if self.costs else 0,
            f"{sum(later) / len(later):.1f}",
            f"{sum(self.seconds) / len(self.seconds):.2f} s",
            f"{self.per_minute():.0f}",
            self.outcome,
        ]

    def per_minute(self) -> float:
        """Requests per minute over the whole wait."""
        return sum(self.costs) / self.wall * 60 if self.wall else 0.0

    def per_poll(self, low: int, high: int) -> str:
        """Mean requests of the polls made while `low` to `high` jobs were unfinished."""
        costs = [c for c, n in zip(self.costs, self.unfinished, strict=True) if low <= n <= high]
        return f"{sum(costs) / len(costs):.1f} ({len(costs)})" if costs else "-"


def wait_with(
    name: str, url: str, job_ids: list[str], interval: float, make_feed: Callable[[Any], Any]
) -> WaitRun:
    """Wait for `job_ids` through a client of its own, reading them with `make_feed(client)`."""
    from pfctl.apply.wait import WaitReport
    from pfctl.cli.wait_progress import summary_line
    from pfctl.client import ClientSettings, PaddleFlowClient, TokenCache
    from pfctl.client.waiting import WaitProgress, wait_for_jobs

    run = WaitRun(name, unfinished=[len(job_ids)])
    settings = ClientSettings.for_server(url, USER, PASSWORD)
    with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as client:
        client.login()
        counted = client.request_count
        poll_started = time.perf_counter()

        def polled(progress: WaitProgress) -> None:
            nonlocal counted, poll_started
            now = time.perf_counter()
            run.seconds.append(now - poll_started)
            poll_started = now + interval  # the next poll starts after the pause
            run.costs.append(client.request_count - counted)
            counted = client.request_count
            run.unfinished.append(sum(1 for s in progress.statuses.values() if s in NOT_FINAL))

        started = time.perf_counter()
        result = wait_for_jobs(
            client, job_ids, poll_interval=interval, on_poll=polled, feed=make_feed(client)
        )
        run.wall = time.perf_counter() - started
    run.unfinished.pop()  # after the last poll: none
    run.outcome = summary_line(WaitReport.from_result(result))
    return run


NOT_FINAL = frozenset({"init", "pending", "running", "terminating", "preempting"})


def main() -> int:
    from pfctl.apply.applier import live_filter
    from pfctl.apply.model import APPLY_SET_LABEL, MANAGED_BY_LABEL
    from pfctl.client.waiting import JobGets, JobListings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300, help="jobs waited for")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    parser.add_argument("--longest", type=float, default=8.0, help="longest job, seconds")
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pfbench-wait-") as tmp_name:
        tmp = Path(tmp_name)
        job_ids = write_manifests(tmp / "manifests", opts.count, opts.longest)
        home = tmp / "home"
        with running_server(tmp / "data", executor=True, home=home) as server:
            argv = [PYTHON, "-m", "pfctl", "apply", "-f", str(tmp / "manifests")]
            argv += ["--apply-set", APPLY_SET, "--server", server.url]
            argv += ["--user", USER, "--password", PASSWORD]
            applied = run_measured(argv, env=isolated_env(home))
            if applied.returncode != 0:
                raise RuntimeError(f"pfctl apply failed: {applied.stderr[-2000:]}")
            session = Session(server.url)
            before = session.requests_served()
            labels = live_filter(APPLY_SET)
            ways: dict[str, Callable[[Any], Any]] = {
                "list-based (apply --wait)": lambda c: JobListings(c, labels),
                "ids only (job wait)": lambda c: JobListings(
                    c, learn_labels=(APPLY_SET_LABEL, MANAGED_BY_LABEL)
                ),
                "one GET per job per poll (before)": JobGets,
            }
            runs: dict[str, WaitRun] = {}

            def wait_one(name: str) -> None:
                runs[name] = wait_with(name, server.url, job_ids, opts.interval, ways[name])

            threads = [threading.Thread(target=wait_one, args=(name,)) for name in ways]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            served = session.requests_served() - before
            session.close()

    new, ids_only, old = (runs[name] for name in ways)
    if min(len(new.costs), len(ids_only.costs), len(old.costs)) < 2:
        raise RuntimeError("the jobs finished within one poll: nothing to compare")
    later_new = sum(new.costs[1:]) / (len(new.costs) - 1)
    later_old = sum(old.costs[1:]) / (len(old.costs) - 1)
    count = opts.count
    body = stamp(
        f"python bench/wait.py --count {count} --interval {opts.interval:g} "
        f"--longest {opts.longest:g}"
    )
    body += (
        f"\n{count:,} single jobs applied with `pfctl apply --apply-set {APPLY_SET}` to a local "
        f"server with its executor (each sleeps {opts.longest / 10:g} to {opts.longest:g} s; one "
        f"in {FAIL_EVERY} then exits 3; 20 run at once on the default queue), then waited for "
        f"by three clients at once, each pausing {opts.interval:g} s between polls: list-based "
        "waiting (`pfctl.client.waiting.JobListings` with the apply-set's label: what `pfctl "
        "apply --wait` does), the same given only the ids (what `pfctl job wait` does: a GET "
        "per job at the first poll, then listings by the label the jobs share) and one "
        "`GET /job/{id}` per unfinished job per poll (`JobGets`: what both did before). "
        "Requests are each client's own count, "
        "logins not included; a poll's time is from its first request to its last answer.\n\n"
    )
    body += table(
        [
            "waiting",
            "polls",
            "requests",
            "first poll",
            "per later poll",
            "time per poll",
            "requests per minute",
            "how it ended",
        ],
        [new.row(), ids_only.row(), old.row()],
    )
    buckets = [(count, count), (count // 2, count - 1), (count // 10, count // 2 - 1)]
    buckets += [(2, count // 10 - 1), (1, 1)]
    body += (
        "\nRequests per poll by the number of jobs unfinished when the poll began (polls in "
        "brackets):\n\n"
    )
    body += table(
        ["unfinished jobs", new.name, ids_only.name, old.name],
        [
            (
                f"{low}" if low == high else f"{low}-{high}",
                new.per_poll(low, high),
                ids_only.per_poll(low, high),
                old.per_poll(low, high),
            )
            for low, high in buckets
            if low <= high
        ],
    )
    mean_new = sum(new.seconds) / len(new.seconds)
    mean_old = sum(old.seconds) / len(old.seconds)
    body += (
        f"\nRequests per poll after the first: {later_old:.1f} against {later_new:.1f} "
        f"({later_old / later_new:.0f}x); over the whole wait {sum(old.costs):,} against "
        f"{sum(new.costs):,} ({sum(old.costs) / sum(new.costs):.0f}x); given only the ids, "
        f"{sum(ids_only.costs):,} requests, {ids_only.costs[0]} of them at the first poll. "
        f"A poll by GETs took "
        f"{mean_old / mean_new:.0f}x as long as a list-based one, so that client polled less "
        f"often. Requests per minute over the whole wait: {new.per_minute():.0f} list-based, "
        f"{ids_only.per_minute():.0f} given only the ids, {old.per_minute():.0f} by GETs. "
        f"The server served {served:,} requests while they waited.\n"
    )
    print(body)
    if not opts.no_write:
        write_section("wait", "Waiting", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
