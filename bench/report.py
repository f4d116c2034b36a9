"""Shared helpers for the benchmarks: machine description and docs/benchmarks.md sections."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"

# Every process measured runs as an installed Python program does, from compiled bytecode
# (pip compiles it at install): an environment that forbids writing bytecode would make each
# run compile its modules again, pfctl's and the baselines' alike.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

_HEADER = """# Benchmarks

Every figure below comes from a script in `bench/` (see bench/README.md), run on the machine
named in its section. Ratios compare against a baseline measured in the same run, because these
machines are noisy; absolute times are given for orientation only. Each section is rewritten by
its script.
"""


def machine() -> str:
    """One line naming the machine and the interpreter."""
    cpus = os.cpu_count() or 0
    mem = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            kib = int(fh.readline().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.machine()}, {cpus} cores{mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def stamp(command: str) -> str:
    """The provenance lines every section starts with."""
    today = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"- command: `{command}`\n- machine: {machine()}\n- date: {today}\n"


def write_section(name: str, title: str, body: str) -> None:
    """Replace (or append) the section `name` of docs/benchmarks.md."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n## {title}\n\n{body.rstrip()}\n{end}"
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else _HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    BENCHMARKS_MD.parent.mkdir(parents=True, exist_ok=True)
    BENCHMARKS_MD.write_text(text, encoding="utf-8")


def time_command(argv: Sequence[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall time in seconds of `runs` executions of argv (after one warm-up run)."""
    subprocess.run(argv, check=True, capture_output=True, env=env)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_interleaved(commands: Mapping[str, Sequence[str]], runs: int) -> dict[str, float]:
    """Median wall time in seconds of each command over `runs` rounds (after one warm-up round);
    every round runs each command once, so a slow moment of a shared machine hits them all."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(runs + 1):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            if round_number:
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


PYTHON = sys.executable
