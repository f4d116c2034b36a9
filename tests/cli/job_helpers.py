"""Plain helpers of the `pfctl job` end-to-end tests: run the CLI in-process, write job files."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pfctl.cli.main import main
from tests.client.helpers import unique_id


@dataclass
class Result:
    code: int
    out: str
    err: str


def in_process_pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """``run(*args, stdin="")``: ``pfctl ARGS`` in-process against ``pf_server``; a Result."""
    monkeypatch.setenv("PFCTL_SERVER", pf_server.url)

    def run(*args: str, stdin: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        code = exit_info.value.code
        return Result(code if isinstance(code, int) else 1, captured.out, captured.err)

    return run


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
    document: dict[str, Any] = {
        "id": unique_id("cli"),
        "name": "cli-job",
        "schedulingPolicy": {"queue": "default-queue"},
        "flavour": {"name": "flavour1"},
        "image": "python:3.11",
        "command": "sleep 600",
    }
    document.update(overrides)
    return document
