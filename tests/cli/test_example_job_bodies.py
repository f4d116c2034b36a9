"""PaddleFlow's example requests end to end, at the real local server: `pfctl job create` of the
job file, `pfctl apply` of the same request as a manifest, and the body PaddleFlow's SDK sends,
posted as is, create the same job (the definitions the server stores are equal but for the id
and pfctl's labels and annotations). The exact bodies are fixed in
``tests/manifests/test_createbody.py``.

Keys PaddleFlow ignores (the spark request's top-level ``image``) are accepted with a warning by
validate, diff, apply and job create, and the server ignores them too."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.api import login
from tests.helpers.cli import in_process_pfctl
from tests.helpers.jobs import unique_id
from tests.manifests.paddleflow_requests import REQUESTS, sdk_body

IMAGE_IGNORED = (
    "warning: $.image: `image` is ignored by PaddleFlow: CreateDisJobRequest has no such field; "
    "set it in each member"
)


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    return in_process_pfctl(pf_server, capsys, monkeypatch)


def without_template(document: dict[str, Any]) -> dict[str, Any]:
    """The request without its framework template: how the local server runs a SparkApplication
    is not this test's business (the body with it is fixed in test_createbody)."""
    return {key: value for key, value in document.items() if key != "extensionTemplate"}


def stored_definition(server: Any, job_id: str) -> dict[str, Any]:
    """The job's definition as the server stored it, without the id and the labels and
    annotations (pfctl's own on an applied job), at the top and in each member."""
    database = server.data_dir / "pfctl-server.sqlite3"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        row = connection.execute("SELECT spec FROM jobs WHERE id = ?", (job_id,)).fetchone()
    assert row is not None, job_id
    spec: dict[str, Any] = json.loads(row[0])
    for part in (spec, *spec.get("members", [])):
        for key in ("id", "labels", "annotations"):
            part.pop(key, None)
    return spec


#: What `GET /job/ID` shows of a job's definition (not its id, labels, status or times).
DEFINITION_KEYS = (
    "name",
    "schedulingPolicy",
    "flavour",
    "limitFlavour",
    "fs",
    "extraFS",
    "image",
    "env",
    "command",
    "args",
    "port",
    "extensionTemplate",
    "framework",
)


def shown_definition(job: dict[str, Any]) -> dict[str, Any]:
    """The definition part of a job as the server shows it, members without id and labels."""
    shown = {key: job.get(key) for key in DEFINITION_KEYS}
    shown["members"] = [
        {k: v for k, v in member.items() if k not in ("id", "labels", "annotations")}
        for member in job.get("members") or []
    ]
    return shown


@pytest.mark.parametrize("example", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_job_create_apply_and_the_sdk_body_create_the_same_job(
    pfctl: Any, pf_server: Any, tmp_path: Path, example: tuple[str, str, dict[str, Any]]
) -> None:
    name, job_type, request_ = example
    request = without_template(request_)
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps(request, indent=2))
    created = pfctl("job", "create", job_type, str(job_file), "-o", "name")
    assert created.code == 0, created.err
    by_job_create = created.out.strip()

    by_apply = unique_id("example")
    manifest = tmp_path / "job.yaml"
    manifest.write_text(json.dumps({"type": job_type, **request, "id": by_apply}, indent=2))
    applied = pfctl("apply", "-f", str(manifest))
    assert applied.code == 0, applied.err
    assert f"created {by_apply}" in applied.out

    by_sdk = login(pf_server.url).create(
        job_type, {**without_template(sdk_body(name)), "id": unique_id("sdk")}
    )

    # pfctl's two commands send one body: the server stores the same definition.
    assert stored_definition(pf_server, by_apply) == stored_definition(pf_server, by_job_create)
    # The SDK's body differs in zero values only, which PaddleFlow reads as unset: the job is
    # the same as the server shows it.
    api = login(pf_server.url)
    expected = shown_definition(api.job(by_sdk))
    assert shown_definition(api.job(by_job_create)) == expected
    assert shown_definition(api.job(by_apply)) == expected
    if name == "spark":  # the one request with a key PaddleFlow ignores
        assert re.search(rf"job\.json:\d+:\d+: {re.escape(IMAGE_IGNORED)}", created.err)
        assert re.search(rf"job\.yaml:\d+:\d+: {re.escape(IMAGE_IGNORED)}", applied.err)
    else:
        assert "warning" not in created.err + applied.err
