"""Soak: 8 (or more) clients creating, updating, stopping, deleting and listing jobs at once
for a minute (or longer) against a fresh local server, then the same checks as the CI test
(tests/reliability/test_concurrency.py) and a SQLite integrity check. Prints the figures for
docs/reliability.md; exits 1 when anything was lost, listed twice or answered 5xx.

Run: `.venv/bin/python bench/soak_concurrency.py [--seconds 60] [--clients 8]`
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.concurrent_workload import final_check, run_workload  # noqa: E402

SERVER_COMMAND = (sys.executable, "-m", "pfctl", "server", "run", "--port", "0")


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``pfctl server run --no-executor`` on a free port; (process, base URL)."""
    process = subprocess.Popen(
        [*SERVER_COMMAND, "--data-dir", str(data_dir), "--no-executor"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pid_file = data_dir / "server.pid"
    for _ in range(600):
        try:
            recorded = json.loads(pid_file.read_text())
            if recorded.get("pid") == process.pid:
                return process, f"http://127.0.0.1:{recorded['port']}"
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pfctl-soak-") as tmp:
        data_dir = Path(tmp) / "data"
        process, url = start_server(data_dir)
        try:
            time.sleep(1.0)  # let the pid file's server finish binding
            started = time.monotonic()
            shared = run_workload(url, clients=options.clients, seconds=options.seconds)
            elapsed = time.monotonic() - started
            problems = final_check(url, shared) + shared.list_problems + shared.server_errors
        finally:
            process.terminate()
            process.wait(timeout=60)
        connection = sqlite3.connect(data_dir / "pfctl-server.sqlite3")
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        connection.close()
    requests_sent = sum(shared.statuses.values())
    print(f"clients: {options.clients}, seconds: {elapsed:.0f}")
    print(f"requests: {requests_sent} ({requests_sent / elapsed:.0f}/s)")
    print(f"jobs created: {len(shared.created)}, deleted: {len(shared.deleting)}")
    print(f"list walks checked: {shared.list_walks}")
    print("responses:", json.dumps(dict(sorted(shared.statuses.items()))))
    print(f"integrity_check: {integrity}")
    print(f"problems: {len(problems)}")
    for problem in problems[:20]:
        print("  ", problem)
    return 0 if not problems and integrity == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
