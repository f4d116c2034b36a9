"""Validation throughput: `pfctl validate` against check-jsonschema on the same generated files.

Run: `.venv/bin/python bench/validate.py [--count 10000] [--per-file 100] [--no-write]`
(check-jsonschema must be installed in bench/.venv: see bench/README.md).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from manifests import invalid_count, write_multi_documents, write_single_documents
from measure import Run, mib, run_measured
from report import PYTHON, ROOT, stamp, table, write_section

SCHEMA = ROOT / "schemas" / "manifest.schema.json"
CHECK_JSONSCHEMA = ROOT / "bench" / ".venv" / "bin" / "check-jsonschema"
_PFCTL_SUMMARY = re.compile(r"(\d+) manifests?, (\d+) valid, (\d+) invalid")
_CJS_ERROR = re.compile(r"^\s+(.+?)::\$")


def pfctl_validate(paths: list[Path]) -> tuple[Run, int]:
    """Run `pfctl validate -q` on paths; the run and the number of invalid documents it found."""
    run = run_measured([PYTHON, "-m", "pfctl", "validate", "-q", *map(str, paths)])
    found = _PFCTL_SUMMARY.search(run.stdout + run.stderr)
    if found is None or run.returncode not in (0, 1):
        raise RuntimeError(f"pfctl validate failed ({run.returncode}): {run.stderr[-2000:]}")
    return run, int(found.group(3))


def check_jsonschema(paths: list[Path]) -> tuple[Run, int]:
    """Run check-jsonschema with pfctl's schema on paths; the run and the invalid files found."""
    argv = [str(CHECK_JSONSCHEMA), "--base-uri", SCHEMA.as_uri(), "--schemafile", str(SCHEMA)]
    run = run_measured([*argv, *map(str, paths)])
    if run.returncode not in (0, 1):
        raise RuntimeError(f"check-jsonschema failed ({run.returncode}): {run.stderr[-2000:]}")
    invalid = {m.group(1) for m in map(_CJS_ERROR.match, run.stdout.splitlines()) if m}
    return run, len(invalid)


def _row(
    tool: str, files: str, count: int, measured: tuple[Run, int], base: float
) -> tuple[str, ...]:
    run, invalid = measured
    rate = count / run.seconds
    return (
        tool,
        files,
        f"{rate:,.0f}/s",
        f"{rate / base:.1f}x",
        f"{run.seconds:.2f} s",
        mib(run.peak_rss_bytes),
        mib(run.peak_pss_bytes),
        str(invalid),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="manifests generated")
    parser.add_argument("--per-file", type=int, default=100, help="documents per multi-doc file")
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()
    if not CHECK_JSONSCHEMA.exists():
        sys.exit(f"{CHECK_JSONSCHEMA} is missing: see bench/README.md")

    count, small = opts.count, max(opts.count // 10, 1)
    with tempfile.TemporaryDirectory(prefix="pfbench-validate-") as tmp_name:
        tmp = Path(tmp_name)
        singles = write_single_documents(tmp / "single", count)
        multis = write_multi_documents(tmp / "multi", count, opts.per_file)
        small_singles = singles[:small]

        baseline = check_jsonschema(singles)
        single = pfctl_validate(singles)
        multi = pfctl_validate(multis)
        fewer = pfctl_validate(small_singles)
        directory = pfctl_validate([tmp / "single"])

    base_rate = count / baseline[0].seconds
    singles_text = f"{count} single-document files"
    multi_text = f"{len(multis)} files of {opts.per_file} documents"
    rows = [
        _row("check-jsonschema", singles_text, count, baseline, base_rate),
        _row("pfctl validate", singles_text, count, single, base_rate),
        _row("pfctl validate", multi_text, count, multi, base_rate),
        _row("pfctl validate", f"{small} single-document files", small, fewer, base_rate),
        _row("pfctl validate", f"the directory of the {count}", count, directory, base_rate),
        ("check-jsonschema", multi_text, "cannot", "-", "-", "-", "-", "-"),
    ]
    body = stamp(f"python bench/validate.py --count {count} --per-file {opts.per_file}")
    body += (
        f"\n{count:,} generated manifests (the examples/ mix: single jobs, distributed jobs of "
        f"every framework, workflows; {invalid_count(count)} of them, one in 50, carry a schema "
        f"error). Both tools get the same explicit file list and `schemas/manifest.schema.json` "
        "(check-jsonschema with `--base-uri` so its `$ref`s resolve to the local files); one run "
        "each. `vs baseline` is manifests per second against check-jsonschema on the single-"
        "document files. `peak RSS` is the sampled sum over the process tree (pfctl's worker "
        "processes included), which counts the pages a forked worker shares with its parent "
        "once per process; `peak PSS` splits shared pages among the processes sharing them. "
        "`invalid found` counts the invalid manifests each tool reported "
        "(files, for check-jsonschema); both must find all of them. check-jsonschema cannot read "
        "multi-document YAML files (it stops with `expected a single document`), so the single-"
        "document run is its figure for the same manifests. The last pfctl row is given the "
        "directory instead of the list of files: the same work without 10,000 arguments to "
        "parse, which the command-line layer keeps in memory (and every forked worker process "
        "counts again).\n\n"
    )
    body += table(
        [
            "tool",
            "files",
            "manifests/s",
            "vs baseline",
            "wall",
            "peak RSS",
            "peak PSS",
            "invalid found",
        ],
        rows,
    )
    print(body)
    if not opts.no_write:
        write_section("validate", "Validation throughput", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
