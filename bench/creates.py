"""Creates against shows on one local server, where a create's time goes, and bad input under
load.

Run: `.venv/bin/python bench/creates.py [--creates 2000] [--rounds 3] [--stage-count 300]
[--bad-seconds 0] [--no-write]`
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from createstages import STAGES, stage_seconds
from localserver import API, Session, dumps, running_server, single_job_body
from report import stamp, table, write_section

CLIENTS = (1, 4)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def _run_clients(sessions: list[Session], per_client: int, request: Any) -> float:
    """Requests per second of `len(sessions)` threads each calling `request(session, index, n)`
    `per_client` times; raises the first error."""
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for n in range(per_client):
                request(sessions[index], index, n)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(len(sessions))]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return per_client * len(sessions) / elapsed


@contextlib.contextmanager
def _server_of(data_dir: Path, tree: Path | None) -> Iterator[Any]:
    """A server with `--no-executor`, run from the pfctl source tree `tree` (None: this one)."""
    cwd = Path.cwd()
    if tree is not None:  # `python -m pfctl` imports the package of its working directory
        os.chdir(tree)
    try:
        context = running_server(data_dir, executor=False)
        server = context.__enter__()
    finally:
        os.chdir(cwd)
    try:
        yield server
    finally:
        context.__exit__(None, None, None)


def _round(url: str, count: int, clients: int, prefix: str) -> tuple[float, float]:
    """Creates per second, then shows per second of the jobs just created."""
    sessions = [Session(url) for _ in range(clients)]
    per_client = count // clients

    def create(session: Session, index: int, n: int) -> None:
        body = single_job_body(f"{prefix}-{index}-{n}", {"team": f"team-{n % 10}"})
        session.call("POST", "/job/single", body)

    def show(session: Session, index: int, n: int) -> None:
        session.call("GET", f"/job/{prefix}-{index}-{n}")

    created = _run_clients(sessions, per_client, create)
    shown = _run_clients(sessions, per_client, show)
    for session in sessions:
        session.close()
    return created, shown


def throughput_section(
    tmp: Path, count: int, rounds: int, before: Path | None
) -> tuple[str, dict[int, float]]:
    """Creates and shows from 1 and 4 clients, `rounds` rounds taking turns (with the code of
    `before` too, when given), medians."""
    trees: dict[str, Path | None] = {"this pfctl": None}
    if before is not None:
        trees = {"before": before, **trees}
    rates: dict[tuple[str, str, int], list[float]] = {}
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(_server_of(tmp / f"throughput-{n}", tree))
            for n, (name, tree) in enumerate(trees.items())
        }
        counter = Session(servers["this pfctl"].url)
        before_count = counter.requests_served()
        for round_ in range(rounds):
            for name, server in servers.items():
                for clients in CLIENTS:
                    created, shown = _round(server.url, count, clients, f"r{round_}c{clients}")
                    rates.setdefault((name, "create", clients), []).append(created)
                    rates.setdefault((name, "show", clients), []).append(shown)
        served = counter.requests_served() - before_count
        counter.close()
    rows = []
    creates_per_second = {}
    for name in trees:
        for clients in CLIENTS:
            create_rates = rates[(name, "create", clients)]
            show_rates = rates[(name, "show", clients)]
            create_rate = statistics.median(create_rates)
            show_rate = statistics.median(show_rates)
            ratios = [s / c for c, s in zip(create_rates, show_rates, strict=True)]
            if name == "this pfctl":
                creates_per_second[clients] = create_rate
            rows.append(
                (
                    name,
                    f"{clients} client{'s' if clients > 1 else ''}",
                    f"{create_rate:,.0f}/s",
                    _ms(1 / create_rate),
                    f"{show_rate:,.0f}/s",
                    _ms(1 / show_rate),
                    f"{statistics.median(ratios):.2f}x",
                )
            )
    expected = rounds * 2 * sum(count // c * c for c in CLIENTS) + sum(CLIENTS) * rounds
    body = (
        f"`POST /job/single` of a realistic single job, then `GET /job/{{id}}` of each job just "
        f"created, {count:,} of each per case from keep-alive `requests` clients (one thread "
        "each) on the same machine, on a server with `--no-executor`; "
        f"{rounds} rounds taking turns, medians. `create vs show` is a create's time over a "
        "show's in the same round (the median of the rounds' ratios)."
    )
    if before is not None:
        body += (
            " `before` is the server of the code before this round's changes (a copy of its "
            "`pfctl` package given by `--before`), measured in the same rounds on its own "
            "server."
        )
    body += "\n\n" + table(
        [
            "code",
            "clients",
            "creates",
            "time per create",
            "shows",
            "time per show",
            "create vs show",
        ],
        rows,
    )
    body += (
        f"\nRequests the server counted: {served:,} (expected {expected:,}: the creates, the "
        "shows and the clients' logins).\n"
    )
    return body, creates_per_second


def stages_section(tmp: Path, count: int) -> str:
    seconds = stage_seconds(tmp / "stages", count)
    total = sum(seconds.values())
    rows = [
        (name, STAGES[name], _ms(value), f"{value / total:.0%}") for name, value in seconds.items()
    ]
    rows.append(("all of the above", "", _ms(total), "100%"))
    body = (
        "Each stage of a create as the server runs it, timed in the benchmark's process on the "
        f"server's own code and a database of its own (median of 5 rounds of {count} creates), "
        "without HTTP: what the create handler costs the worker thread.\n\n"
    )
    return body + table(["stage", "what", "per create", "share"], rows)


# -- bad input under load -------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _raw_request(port: int, data: bytes) -> int:
    """Send `data` on a new connection; the status code answered (0: closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        with contextlib.suppress(OSError):  # it may answer and close before the whole body
            sock.sendall(data)
        answer = b""
        while b"\r\n" not in answer:
            try:
                chunk = sock.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


def _bad_requests(port: int, token: str) -> list[tuple[str, bytes]]:
    path = f"{API}/job/single".encode()
    auth = f"x-pf-authorization: {token}\r\n".encode()

    def post(body: bytes, extra: bytes = b"") -> bytes:
        return (
            b"POST " + path + b" HTTP/1.1\r\nhost: bench\r\n" + auth + extra
            + b"content-type: application/json\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body
        )  # fmt: skip

    big = b'{"id": "huge", "command": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    chunked_big = (
        b"POST " + path + b" HTTP/1.1\r\nhost: bench\r\n" + auth
        + b"transfer-encoding: chunked\r\n\r\n"
        + b"".join(b"100000\r\n" + b"y" * 0x100000 + b"\r\n" for _ in range(5)) + b"0\r\n\r\n"
    )  # fmt: skip
    return [
        ("not JSON", post(b'{"id": "bad", "image": ')),
        ("wrong JSON types", post(b'{"id": 7, "labels": ["a"], "command": {}}')),
        ("a JSON array", post(b"[1, 2, 3]")),
        ("breaks a create rule", post(dumps({"id": "UPPER_case!", "image": "x"}).encode())),
        ("declared 5 MiB body", post(big)),
        ("5 MiB chunked body", chunked_big),
        ("64 KiB header", post(b"{}", b"x-filler: " + b"z" * 65536 + b"\r\n")),
    ]


def bad_input_section(tmp: Path, count: int, seconds: float) -> str:
    """4 clients create `count` jobs at full speed while a fifth sends bad requests."""
    with running_server(tmp / "bad", executor=False) as server:
        pid = server.process.pid
        sessions = [Session(server.url) for _ in range(4)]
        token = str(sessions[0].http.headers["x-pf-authorization"])
        bad = _bad_requests(server.port, token)
        statuses: dict[str, Counter[int]] = {name: Counter() for name, _ in bad}
        rss_before = _rss_kib(pid)
        rss_peak = rss_before
        stop = threading.Event()
        bad_bytes = 0

        def bad_client() -> None:
            nonlocal bad_bytes
            deadline = time.monotonic() + seconds
            while not stop.is_set() or time.monotonic() < deadline:
                for name, data in bad:
                    statuses[name][_raw_request(server.port, data)] += 1
                    bad_bytes += len(data)

        bad_done = threading.Event()

        def sampler() -> None:
            nonlocal rss_peak
            while not bad_done.is_set():
                rss_peak = max(rss_peak, _rss_kib(pid))
                time.sleep(0.02)

        bad_thread = threading.Thread(target=bad_client)
        helpers = [bad_thread, threading.Thread(target=sampler)]
        for helper in helpers:
            helper.start()

        def create(session: Session, index: int, n: int) -> None:
            session.call("POST", "/job/single", single_job_body(f"good-{index}-{n}", {}))

        rate = _run_clients(sessions, count // 4, create)
        stop.set()
        bad_thread.join()
        bad_done.set()
        for helper in helpers:
            helper.join()
        rss_after = _rss_kib(pid)
        db = sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)
        (landed,) = db.execute("SELECT count(*) FROM jobs WHERE id LIKE 'good-%'").fetchone()
        (stray,) = db.execute("SELECT count(*) FROM jobs WHERE id NOT LIKE 'good-%'").fetchone()
        db.close()
        for session in sessions:
            session.close()
    sent = count // 4 * 4
    rows = [
        (name, sum(found.values()), ", ".join(f"{k}: {v}" for k, v in sorted(found.items())))
        for name, found in statuses.items()
    ]
    body = (
        f"4 clients create {sent:,} jobs at full speed ({rate:,.0f}/s) while a fifth sends, "
        "over and over on new connections, the bad requests below; `answers` counts the status "
        "codes the fifth client got (0: the connection closed without an answer).\n\n"
    )
    body += table(["bad request", "sent", "answers"], rows)
    body += (
        f"\nGood creates answered 200: {sent:,}; jobs stored: {landed:,} "
        f"({'all of them' if landed == sent else 'MISSING SOME'}); jobs stored from the bad "
        f"requests: {stray}. Bad bytes sent: {bad_bytes / 1024 / 1024:,.0f} MiB. Server "
        f"resident memory: {rss_before / 1024:.0f} MiB before, {rss_peak / 1024:.0f} MiB at "
        f"most during, {rss_after / 1024:.0f} MiB after.\n"
    )
    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creates", type=int, default=2000, help="creates (and shows) per case")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per case (median)")
    parser.add_argument("--stage-count", type=int, default=300, help="creates per stage round")
    parser.add_argument(
        "--bad-seconds", type=float, default=0, help="least time the bad client keeps sending"
    )
    parser.add_argument(
        "--before",
        type=lambda text: Path(text).resolve(),
        help="a directory holding an earlier `pfctl` package, measured in the same rounds",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()

    load = _load()
    with tempfile.TemporaryDirectory(prefix="pfbench-creates-") as tmp_name:
        tmp = Path(tmp_name)
        throughput, _rates = throughput_section(tmp, opts.creates, opts.rounds, opts.before)
        parts = [
            ("Creates against shows", throughput),
            ("Where a create's time goes", stages_section(tmp, opts.stage_count)),
            ("Bad input under load", bad_input_section(tmp, opts.creates, opts.bad_seconds)),
        ]
    command = (
        f"python bench/creates.py --creates {opts.creates} --rounds {opts.rounds} "
        f"--stage-count {opts.stage_count} --bad-seconds {opts.bad_seconds:g}"
        + (" --before DIR" if opts.before else "")
    )
    body = stamp(command) + f"- load average at the start: {load}; at the end: {_load()}\n"
    body += "".join(f"\n### {title}\n\n{text}" for title, text in parts)
    print(body)
    if not opts.no_write:
        write_section("creates", "Creates", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
