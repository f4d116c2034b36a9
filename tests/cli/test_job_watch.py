"""`pfctl job list -w`: the list, then one line per job as it changes, against the real local
server; each poll is one request."""

from __future__ import annotations

import queue
import signal
import threading
from pathlib import Path
from typing import Any

from tests.helpers.cli import run_pfctl, start_pfctl
from tests.helpers.jobs import unique_id

from .job_helpers import job_document, write_job


def test_watch_prints_each_change(pf_server: Any, tmp_path: Path) -> None:
    team = unique_id("watch")
    process = start_pfctl(
        "job", "list", "-l", f"team={team}", "-w", "--interval", "0.2", "-o", "table",
        server=pf_server,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        document = job_document(command="true", labels={"team": team})
        created = run_pfctl(
            "job", "create", "single", write_job(tmp_path, document), server=pf_server
        )
        assert created.returncode == 0, created.stderr
        job_id = document["id"]
        statuses: list[str] = []
        while "succeeded" not in statuses:
            line = lines.get(timeout=60)
            if line.startswith(f"{job_id}  "):
                statuses.append(line.split("  ")[1])
        assert statuses[0] in {"init", "pending", "running", "succeeded"}
        assert len(statuses) == len(set(statuses))  # a line per change, not per poll
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=30)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        stderr = process.stderr.read()
        process.stderr.close()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
