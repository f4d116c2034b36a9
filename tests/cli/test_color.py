"""One colour switch: ``--color``, ``NO_COLOR``, ``FORCE_COLOR``; errors red, warnings yellow,
the plan in its action colours. The CLI runs in a subprocess, its output a pipe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import single_manifest, write_manifests

RED_ERROR = "\x1b[31merror:\x1b[0m "
YELLOW_WARNING = "\x1b[33mwarning:\x1b[0m "


@pytest.mark.parametrize(
    ("flags", "env", "coloured"),
    [
        ([], {}, False),  # a pipe is not a terminal
        (["--color", "always"], {}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "0"}, False),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (["--color", "ALWAYS"], {"NO_COLOR": "1"}, True),
    ],
)
def test_the_switch_decides_for_errors(
    tmp_path: Path, flags: list[str], env: dict[str, str], coloured: bool
) -> None:
    result = run_pfctl(*flags, "validate", str(tmp_path / "nope.yaml"), env={"NO_COLOR": ""} | env)
    assert result.returncode == 2
    assert result.stderr.startswith(RED_ERROR) is coloured, result.stderr
    if not coloured:
        assert "\x1b[" not in result.stderr


def test_warnings_yellow_and_the_plan_in_its_colours(
    tmp_path: Path, pf_server: Any, prefix: str
) -> None:
    (tmp_path / "sub").mkdir()
    write_manifests(tmp_path / "jobs.yaml", [single_manifest(f"{prefix}-a")])
    validated = run_pfctl("--color", "always", "validate", str(tmp_path))
    assert f": {YELLOW_WARNING}$: 1 sub-directory" in validated.stderr, validated.stderr
    diff = run_pfctl("--color", "always", "diff", "-f", str(tmp_path), server=pf_server)
    assert diff.returncode == 1
    assert f"\x1b[32m+ {prefix}-a (single)" in diff.stdout
    assert f": {YELLOW_WARNING}$: 1 sub-directory not read" in diff.stderr
    plain = run_pfctl("diff", "-f", str(tmp_path), server=pf_server)
    assert "\x1b[" not in plain.stdout + plain.stderr
