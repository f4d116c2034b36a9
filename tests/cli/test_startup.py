"""Start-up stays light: the version and help paths import no heavy module."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers.cli import run_pfctl

HEAVY = (
    "requests",
    "jsonschema",
    "deepdiff",
    "starlette",
    "uvicorn",
    "pfctl.server",
    "pfctl.client",
    # typer 0.29 imports it to coerce options (pyproject.toml pins below it).
    "pydantic",
)

PROBE = """
import json, sys
from pfctl.cli.main import main
try:
    main({args!r})
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["validate", "--help"], ["schema", "--help"]]
)
def test_light_commands_import_no_heavy_module(args: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        capture_output=True,
        text=True,
        check=True,
    )
    modules = json.loads(completed.stderr.strip().splitlines()[-1])
    assert "pfctl.cli.main" in modules
    heavy = [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == []


def test_version() -> None:
    from pfctl import __version__

    completed = run_pfctl("--version")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"pfctl {__version__}\n"
