"""Plain helpers of the `pfctl job` end-to-end tests: write job files, create jobs through the CLI
(the in-process runner is ``tests.helpers.cli.in_process_pfctl``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.jobs import fresh_single


def write_job(tmp_path: Path, document: dict[str, Any], name: str = "job.json") -> str:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(document))
    else:
        path.write_text(yaml.safe_dump(document))
    return str(path)


def create(pfctl: Any, tmp_path: Path, document: dict[str, Any], job_type: str = "single") -> str:
    result = pfctl("job", "create", job_type, write_job(tmp_path, document))
    assert result.code == 0, result.err
    assert result.out.startswith("job create success, id[")
    return str(result.out.strip()[len("job create success, id[") : -1])


def job_document(**overrides: Any) -> dict[str, Any]:
    """A single job's file content: a fresh ``cli-`` id, busy for a long time if it runs."""
    return fresh_single(
        **{"command": "sleep 600", "name": "cli-job", "id_prefix": "cli", **overrides}
    )
