"""`pfctl apply` of new jobs at a parallelism, against the server's own create rate in the same
run.

Run: `.venv/bin/python bench/applynew.py [--count 1000] [--parallelism 10] [--runs 3]
[--no-write]`
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from apply import pfctl_apply, write_manifests
from localserver import Session, running_server, single_job_body
from report import stamp, table, write_section


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def _connections_opened(
    port: int, stop: threading.Event, seen: set[int], *, once: bool = False
) -> None:
    """Add to `seen` the client ports of the connections to `port` (sampled from /proc/net/tcp
    every 20 ms until `stop`, or `once`; a connection that lives less than that may be
    missed)."""
    wanted = f":{port:04X}"
    while once or not stop.is_set():
        try:
            with open("/proc/net/tcp", encoding="ascii") as fh:
                for line in fh.readlines()[1:]:
                    fields = line.split()
                    local, remote = fields[1], fields[2]
                    if remote.endswith(wanted):
                        seen.add(int(local.rsplit(":", 1)[1], 16))
        except OSError:
            return
        if once:
            return
        time.sleep(0.02)


def raw_creates(url: str, count: int, clients: int) -> float:
    """Seconds for `count` creates from `clients` keep-alive threads (the server's rate)."""
    sessions = [Session(url) for _ in range(clients)]

    def work(index: int) -> None:
        for n in range(index, count, clients):
            sessions[index].call("POST", "/job/single", single_job_body(f"raw-{n}", {}))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    for session in sessions:
        session.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000, help="new jobs per apply")
    parser.add_argument("--parallelism", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="runs of each (median)")
    parser.add_argument(
        "--before",
        type=lambda text: Path(text).resolve(),
        help="a directory holding an earlier `pfctl` package: its apply against its server, "
        "in the same runs",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()

    load = _load()
    cwd = Path.cwd()
    applies: list[float] = []
    raws: list[float] = []
    served: list[int] = []
    connections: list[int] = []
    earlier: list[float] = []
    with tempfile.TemporaryDirectory(prefix="pfbench-applynew-") as tmp_name:
        tmp = Path(tmp_name)
        manifests = tmp / "manifests"
        write_manifests(manifests, opts.count)
        for run in range(opts.runs):
            home = tmp / f"home-{run}"
            with running_server(tmp / f"apply-{run}", executor=False, home=home) as server:
                counter = Session(server.url)
                before = counter.requests_served()
                existing: set[int] = set()  # the counter's connection, and any other
                done = threading.Event()
                done.set()
                _connections_opened(server.port, done, existing, once=True)
                ports: set[int] = set()
                stop = threading.Event()
                watcher = threading.Thread(
                    target=_connections_opened, args=(server.port, stop, ports)
                )
                watcher.start()
                result = pfctl_apply(server.url, manifests, home, opts.parallelism)
                stop.set()
                watcher.join()
                served.append(counter.requests_served() - before)
                applies.append(result.seconds)
                connections.append(len(ports - existing))
                counter.close()
            with running_server(tmp / f"raw-{run}", executor=False) as server:
                raws.append(raw_creates(server.url, opts.count, opts.parallelism))
            if opts.before is not None:
                os.chdir(opts.before)  # `python -m pfctl` imports the package of its cwd
                try:
                    home = tmp / f"home-before-{run}"
                    with running_server(tmp / f"before-{run}", executor=False, home=home) as server:
                        earlier.append(
                            pfctl_apply(server.url, manifests, home, opts.parallelism).seconds
                        )
                finally:
                    os.chdir(cwd)
    apply_wall = statistics.median(applies)
    raw_wall = statistics.median(raws)
    rows = [
        (
            f"`pfctl apply`, {opts.count:,} new jobs, --parallelism {opts.parallelism}",
            f"{apply_wall:.2f} s",
            f"{opts.count / apply_wall:,.0f}/s",
            f"{statistics.median(served):,.0f}",
            f"{apply_wall / raw_wall:.2f}x",
        ),
        (
            f"{opts.count:,} creates from {opts.parallelism} keep-alive clients (baseline)",
            f"{raw_wall:.2f} s",
            f"{opts.count / raw_wall:,.0f}/s",
            f"{opts.count:,}",
            "1.00x",
        ),
    ]
    if earlier:
        before_wall = statistics.median(earlier)
        rows.insert(
            1,
            (
                "the same with the code before this round (`--before`)",
                f"{before_wall:.2f} s",
                f"{opts.count / before_wall:,.0f}/s",
                "-",
                f"{before_wall / raw_wall:.2f}x",
            ),
        )
    command = (
        f"python bench/applynew.py --count {opts.count} --parallelism {opts.parallelism} "
        f"--runs {opts.runs}" + (" --before DIR" if opts.before else "")
    )
    body = stamp(command) + f"- load average at the start: {load}; at the end: {_load()}\n\n"
    body += (
        f"{opts.count:,} generated manifests (the examples/ mix), one per file, applied by the "
        "real `pfctl apply` process (start-up, checking the files, login, list, preflight, "
        "creates) to a fresh server with `--no-executor`; the baseline is the same number of "
        f"creates sent straight from {opts.parallelism} keep-alive threads of the benchmark "
        f"to another fresh server: the server's own create rate. Median of {opts.runs} runs "
        "each, taking turns. `requests` is what the server counted; `vs creates alone` the "
        "wall time over the baseline's.\n\n"
    )
    body += table(["run", "wall", "jobs per second", "requests", "vs creates alone"], rows)
    body += (
        f"\nConnections the apply opened to the server (its client ports seen in "
        f"`/proc/net/tcp`): {', '.join(str(c) for c in connections)} in the {opts.runs} runs.\n"
    )
    print(body)
    if not opts.no_write:
        write_section("applynew", "Apply of new jobs", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
