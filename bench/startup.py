"""Start-up benchmark: `pfctl --version`, `--help` and `validate` of one file against
`python -c pass` and `python -c "import typer"`, with the modules each imports.

Run: `.venv/bin/python bench/startup.py [--runs N] [--no-write]`
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from report import PYTHON, ROOT, stamp, table, time_interleaved, write_section

HEAVY = (
    "requests",
    "jsonschema",
    "deepdiff",
    "starlette",
    "uvicorn",
    "pfctl.server",
    "pfctl.client",
    "pydantic",
)

_PROBE = """
import runpy, sys, json, atexit
def dump():
    sys.stderr.write("\\nMODULES:" + json.dumps(sorted(sys.modules)) + "\\n")
atexit.register(dump)
sys.argv = ["pfctl", *json.loads(sys.argv[1])]
runpy.run_module("pfctl", run_name="__main__")
"""


def imported_modules(args: list[str]) -> list[str]:
    """The modules a pfctl invocation has imported when it exits."""
    proc = subprocess.run(
        [PYTHON, "-c", _PROBE, json.dumps(args)], capture_output=True, text=True, check=False
    )
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES:"))
    return list(json.loads(line.removeprefix("MODULES:")))


def _by_package(modules: list[str]) -> str:
    """How many standard-library modules; every other top-level package with its module count;
    pfctl's own modules in full."""
    stdlib = set(sys.stdlib_module_names) | {"__main__", "__mp_main__", "builtins"}
    counts: dict[str, int] = {}
    standard = 0
    for module in modules:
        top = module.split(".")[0]
        if top in stdlib:
            standard += 1
        elif top != "pfctl":
            counts[top] = counts.get(top, 0) + 1
    packages = ", ".join(f"{top} ({n})" for top, n in sorted(counts.items()))
    own = ", ".join(f"`{m}`" for m in modules if m == "pfctl" or m.startswith("pfctl."))
    return f"standard library ({standard}); {packages}\n\npfctl: {own}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "job.yaml"
        manifest.write_text((ROOT / "examples" / "single.yaml").read_text(encoding="utf-8"))
        cases = {
            "python -c pass": ([PYTHON, "-c", "pass"], None),
            'python -c "import typer"': ([PYTHON, "-c", "import typer"], None),
            "pfctl --version": ([PYTHON, "-m", "pfctl", "--version"], ["--version"]),
            "pfctl --help": ([PYTHON, "-m", "pfctl", "--help"], ["--help"]),
            "pfctl validate job.yaml": (
                [PYTHON, "-m", "pfctl", "validate", str(manifest)],
                ["validate", str(manifest)],
            ),
        }
        medians = time_interleaved({name: argv for name, (argv, _) in cases.items()}, opts.runs)
        base = medians["python -c pass"]
        rows = []
        listings = []
        for name, (_, pfctl_args) in cases.items():
            seconds = medians[name]
            heavy = "-"
            count = "-"
            if pfctl_args is not None:
                mods = imported_modules(pfctl_args)
                count = str(len(mods))
                loaded = [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in mods)]
                heavy = ", ".join(loaded) or "none"
                listings.append(
                    f"<details><summary>{name}</summary>\n\n{_by_package(mods)}\n\n</details>\n"
                )
            rows.append((name, f"{seconds * 1000:.0f} ms", f"{seconds / base:.1f}x", count, heavy))

    body = stamp(f"python bench/startup.py --runs {opts.runs}")
    body += (
        f"\nMedian of {opts.runs} runs after one warm-up, the commands taking turns (so a busy "
        "moment of the machine hits them all); ratio against `python -c pass`.\n\n"
    )
    body += table(["invocation", "wall", "ratio", "modules", "heavy modules imported"], rows)
    body += "\nThe modules each pfctl invocation imported, by top-level package:\n\n"
    body += "\n".join(listings)
    print(body)
    if not opts.no_write:
        write_section("startup", "Start-up", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
