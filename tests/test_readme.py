"""The README's 5-minute tour, run command by command against a real local server: every command
it shows works and exits as its comment says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIFF = "pfctl diff -f tour/"
#: The exit codes of the tour's three diffs, as its comments promise: 1 while changes are pending.
DIFF_EXITS = [1, 1, 0]


def _tour_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## A 5-minute tour", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", tour, re.DOTALL):
        if "<<'YAML'" in block:
            commands.append(block)  # the here-document is one command
            continue
        commands += [line.split("  #", 1)[0].strip() for line in block.splitlines() if line]
    return commands


def _wait_until_final(env: dict[str, str], cwd: Path, job_id: str) -> None:
    """A person types slower than a script: let a stopped job finish terminating."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = subprocess.run(
            ["pfctl", "job", "show", job_id, "-o", "json"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        if json.loads(shown.stdout)["status"] != "terminating":
            return
        time.sleep(0.2)


@pytest.mark.slow
def test_readme_tour_runs_as_written(pf_server: Any, tmp_path: Path) -> None:
    (tmp_path / "schemas").symlink_to(ROOT / "schemas")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PFCTL_SERVER": pf_server.url,
    }
    commands = _tour_commands()
    assert sum(command == DIFF for command in commands) == len(DIFF_EXITS)
    diffs = iter(DIFF_EXITS)
    for command in commands:
        if command.startswith("pfctl job delete"):
            _wait_until_final(env, tmp_path, command.split()[-1])
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        expected = next(diffs) if command == DIFF else 0
        assert result.returncode == expected, f"{command}\n{result.stdout}\n{result.stderr}"
    assert not (tmp_path / "tour").exists()
