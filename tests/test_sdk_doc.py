"""docs/sdk.md's migration example runs as written against a real local server: the code block
that imports ``pfctl.client`` is executed in a fresh interpreter, with only the port (8999 in the
page) pointed at the test's server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "sdk.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _blocks() -> list[str]:
    return BLOCK.findall(PAGE.read_text(encoding="utf-8"))


def test_the_before_and_after_differ_only_in_the_import() -> None:
    before, after = (block for block in _blocks() if "Client(" in block)
    assert "from paddleflow import Client" in before
    assert "from pfctl.client import Client" in after
    shared = [line for line in before.splitlines() if "import" not in line and line.strip()]
    shared = [line for line in shared if not line.startswith("#")]
    assert shared and all(line in after.splitlines() for line in shared)


def test_the_migration_example_runs_against_the_local_server(pf_server: Any) -> None:
    (example,) = [block for block in _blocks() if "from pfctl.client import" in block]
    assert example.count("8999") == 1 and (pf_server.user, pf_server.password) == (
        "root",
        "paddleflow",
    )
    code = example.replace("8999", str(pf_server.port))
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    job_id, name, queue, status = completed.stdout.split()
    assert (name, queue) == ("resnet-train", "default-queue")
    assert status in {"pending", "running", "init"}

    from pfctl.client import Client

    with Client("127.0.0.1", "root", "paddleflow", pf_server.port) as client:
        ok, message = client.show_job(job_id)
    assert not ok and "not found" in str(message).lower()  # the example deleted its job
