"""Every example of examples/ runs on the local runtime until it succeeds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.api import LOG_PARAMS

from .helpers import FINAL, RuntimeServer, launch_runtime_server

EXAMPLES = sorted(
    path
    for path in (Path(__file__).parents[3] / "examples").glob("*")
    if path.suffix in (".yaml", ".yml", ".json")
)


def _unset(value: Any) -> bool:
    return value is None or value in ("", {}, [])


def _request_body(value: Any) -> Any:
    """The manifest as the PaddleFlow SDK posts it: unset values (null, "", {}, []) dropped."""
    if isinstance(value, dict):
        return {k: _request_body(v) for k, v in value.items() if not _unset(v)}
    if isinstance(value, list):
        return [_request_body(item) for item in value]
    return value


def _documents(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".json":
        return [json.loads(path.read_text())]
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeServer]:
    server = launch_runtime_server(tmp_path_factory.mktemp("examples") / "data")
    yield server
    server.stop()


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs_to_success(path: Path, shared_server: RuntimeServer) -> None:
    for manifest in _documents(path):
        body = _request_body({k: v for k, v in manifest.items() if k not in ("type", "stopped")})
        job_id = shared_server.create(manifest["type"], body)
        job = shared_server.wait_status(job_id, FINAL, timeout=120)
        logs = shared_server.call("GET", "/log/job", params={"jobID": job_id, **LOG_PARAMS}).json()
        output = "\n".join(
            f"[{task['name']}] {task['logInfo']['logContent']}" for task in logs["taskList"]
        )
        assert job["status"] == "succeeded", f"{job['message']}\n{output}"


def test_there_are_examples() -> None:
    assert EXAMPLES
