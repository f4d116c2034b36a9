"""Run a command while sampling the resident memory of its whole process tree."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """What one command did."""

    seconds: float
    peak_rss_bytes: int
    """The highest sum of the tree's resident memory: pages a forked worker shares with its
    parent count once per process."""
    returncode: int
    stdout: str
    stderr: str
    peak_pss_bytes: int = 0
    """The highest sum of the tree's proportional memory (PSS): shared pages split among the
    processes sharing them, so a forked worker adds only the memory it has of its own."""


def _tree(pid: int) -> list[int]:
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text()
        except OSError:
            continue
        pending += [int(child) for child in children.split()]
    return pids


def _pss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def run_measured(
    argv: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Run:
    """Run argv to completion; wall time and the peak of the summed RSS of its process tree
    (sampled every 10 ms, so a process living less than that may be missed)."""
    peak = peak_pss = 0
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            tree = _tree(process.pid)
            peak = max(peak, sum(_rss_bytes(pid) for pid in tree))
            peak_pss = max(peak_pss, sum(_pss_bytes(pid) for pid in tree))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return Run(seconds, peak, process.returncode, stdout, stderr, peak_pss)


def mib(size: int) -> str:
    """Bytes as MiB text."""
    return f"{size / 1024 / 1024:.0f} MiB"
