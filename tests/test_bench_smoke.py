"""A smoke run of every benchmark in bench/ at tiny sizes: each still runs end to end against the
real commands and servers, prints its tables, and leaves docs/benchmarks.md alone (--no-write).
The figures themselves are not checked (speed belongs to bench/, not to the suite); the counts
they report are."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"
CHECK_JSONSCHEMA = ROOT / "bench" / ".venv" / "bin" / "check-jsonschema"


def _run_bench(script: str, *args: str) -> str:
    before = BENCHMARKS_MD.read_bytes() if BENCHMARKS_MD.exists() else None
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args, "--no-write"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = BENCHMARKS_MD.read_bytes() if BENCHMARKS_MD.exists() else None
    assert after == before, "--no-write must leave docs/benchmarks.md alone"
    assert "- machine: " in proc.stdout and "- command: `python bench/" in proc.stdout
    return proc.stdout


def _table_rows(output: str, first_cell: str) -> list[list[str]]:
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_cell:
            rows.append(cells)
    return rows


def test_startup_bench_lists_heavy_imports():
    output = _run_bench("startup.py", "--runs", "1")
    for invocation in ("pfctl --version", "pfctl --help"):
        (row,) = _table_rows(output, invocation)
        assert row[-1] == "none", f"{invocation} imports heavy modules: {row[-1]}"
    (baseline,) = _table_rows(output, "python -c pass")
    assert baseline[2] == "1.0x"


def test_server_bench_small():
    output = _run_bench(
        "server.py", "--stored", "300", "--creates", "20", "--latency-jobs", "2", "--runs", "1"
    )
    no_filter = _table_rows(output, "no filter")
    assert no_filter and no_filter[0][1] == "300"
    (shard,) = _table_rows(output, "label shard (1%)")
    assert shard[1] == "3"
    (latency,) = _table_rows(output, "2")
    assert latency[1].endswith(" ms")
    assert re.search(r"Requests the server counted during the timed creates: 40\b", output)


def test_creates_bench_small():
    output = _run_bench(
        "creates.py", "--creates", "8", "--rounds", "1", "--stage-count", "5", "--bad-seconds", "0"
    )
    rows = _table_rows(output, "this pfctl")
    assert [row[1] for row in rows] == ["1 client", "4 clients"]
    assert all(row[-1].endswith("x") for row in rows)
    assert "Requests the server counted: 37 (expected 37" in output
    (bad_json,) = _table_rows(output, "not JSON")
    assert bad_json[2].startswith("400: ")
    (oversized,) = _table_rows(output, "declared 5 MiB body")
    assert oversized[2].startswith("413: ")
    assert "Good creates answered 200: 8; jobs stored: 8 (all of them)" in output


def test_scale_bench_small():
    output = _run_bench("scale.py", "--stored", "2000", "--pending", "20", "--runs", "1")
    (no_filter,) = _table_rows(output, "no filter")
    assert no_filter[1] == "1000"
    (shard,) = _table_rows(output, "label shard (1%)")
    assert shard[1] == "20"
    (pending,) = _table_rows(output, "status pending (1.0%)")
    assert pending[1] == "20"
    assert "20 pending jobs)" in output  # the scheduling pass saw them, and started none


def test_applynew_bench_small():
    output = _run_bench("applynew.py", "--count", "12", "--parallelism", "3", "--runs", "1")
    (apply_row,) = _table_rows(output, "`pfctl apply`, 12 new jobs, --parallelism 3")
    assert apply_row[3] == "16"  # 1 login, 1 list, 2 for the preflight, 12 creates
    (baseline,) = _table_rows(output, "12 creates from 3 keep-alive clients (baseline)")
    assert baseline[-1] == "1.00x"


@pytest.mark.skipif(not CHECK_JSONSCHEMA.exists(), reason="bench/.venv has no check-jsonschema")
def test_validate_bench_small():
    output = _run_bench("validate.py", "--count", "100", "--per-file", "25")
    rows = _table_rows(output, "pfctl validate") + _table_rows(output, "check-jsonschema")[:1]
    found = {row[1]: row[-1] for row in rows}
    assert found["100 single-document files"] == "2"  # one manifest in 50 is invalid
    assert found["4 files of 25 documents"] == "2"
    assert found["10 single-document files"] == "0"
    assert found["the directory of the 100"] == "2"


def test_apply_bench_small():
    output = _run_bench("apply.py", "--count", "8", "--runs", "1")
    (warm,) = _table_rows(output, "pfctl apply (files unchanged since the last run)")
    (cold,) = _table_rows(output, "pfctl apply, first run on these files")
    (sdk,) = _table_rows(output, "SDK script (show_job per manifest)")
    assert int(warm[-2]) <= 2 and int(cold[-2]) <= 2
    assert int(sdk[-2]) == 8 + 1  # login + one show per manifest
    for row in (warm, cold, sdk):
        assert row[-1].endswith(" MiB") and int(row[-1].removesuffix(" MiB")) > 0
    for parallelism in ("1", "4", "10"):
        (row,) = _table_rows(output, parallelism)
        assert int(row[-2]) <= 8 + 4  # login + list + queues + flavours + one create per job
        assert row[-1].endswith(" MiB") and int(row[-1].removesuffix(" MiB")) > 0
    (without,) = _table_rows(output, "read the jobs and plan (no preflight)")
    (alone,) = _table_rows(output, "the preflight alone")
    assert int(without[-1]) == 1 and int(alone[-1]) == 2  # the job list; queues and flavours
    assert "8 planned, 0 plan errors, 8 with a note" in output


def test_wait_bench_small():
    output = _run_bench("wait.py", "--count", "12", "--interval", "0.5", "--longest", "1.5")
    (listed,) = _table_rows(output, "list-based (apply --wait)")
    (ids_only,) = _table_rows(output, "ids only (job wait)")
    (per_job,) = _table_rows(output, "one GET per job per poll (before)")
    assert listed[3] == "1" and listed[4] == "1.0"  # one request per poll, the first one too
    assert ids_only[3] == "12" and ids_only[4] == "1.0"  # a GET per job, then one per poll
    assert per_job[3] == "12"  # one GET per job
    assert float(per_job[6]) > float(listed[6]) > 0  # requests per minute


def test_ui_bench_small():
    output = _run_bench(
        "ui.py", "--stored", "120", "--runs", "1", "--pages", "1", "--follow-seconds", "2"
    )
    (first,) = _table_rows(output, "jobs, first page")
    assert first[2].endswith(" ms") and first[3].endswith(" ms")
    (search,) = _table_rows(output, "jobs, text search (0.1%, the oldest: reads every row)")
    assert search[2].endswith(" ms")
    (idle,) = _table_rows(output, "1 running jobs, no page open")
    (busy,) = _table_rows(output, "1 pages following them")
    assert idle[1].endswith("%") and busy[1].endswith("%")


def test_watch_bench_small():
    output = _run_bench(
        "watch.py", "--jobs", "30", "--changes", "4", "--rate", "4", "--interval", "0.5",
        "--settle", "1",
    )  # fmt: skip
    (stream,) = _table_rows(output, "the /wsjob stream")
    (polling,) = _table_rows(output, "polling every 0.5 s")
    assert stream[1] == "4/4" and polling[1] == "4/4"  # every change reached the watcher
    assert stream[3] == "0"  # no request while the jobs change: the stream brings them
    assert int(polling[3]) >= 1  # a listing per poll
