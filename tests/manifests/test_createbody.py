"""One body per request: `pfctl job create` (job file -> body) and `pfctl apply` (manifest ->
body) send the same create body, fixed here for a request shaped like each file of PaddleFlow's
``example/job``. The end-to-end check at the real local server is
``tests/cli/test_example_job_bodies.py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pfctl.apply.model import LAST_APPLIED_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE
from pfctl.apply.planner import create_body
from pfctl.apply.steps import desired_jobs
from pfctl.client.jobfile import create_body_from_file
from pfctl.manifests import load_manifests
from pfctl.manifests.createbody import build_create_body

from .paddleflow_requests import PFCTL_BODIES, REQUESTS


def job_create_body(tmp_path: Path, job_type: str, request: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "job.json"
    path.write_text(json.dumps(request, indent=2))
    return create_body_from_file(job_type, str(path))


def apply_body(tmp_path: Path, job_type: str, request: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "job.yaml"
    path.write_text(json.dumps({"type": job_type, **request, "id": "sample"}, indent=2))
    result = load_manifests([str(path)])
    assert result.ok, result.problems
    [job] = desired_jobs(result.manifests)
    return create_body(job, apply_set=None)


@pytest.mark.parametrize(("name", "job_type", "request_"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_job_create_sends_the_fixed_body(
    tmp_path: Path, name: str, job_type: str, request_: dict[str, Any]
) -> None:
    assert job_create_body(tmp_path, job_type, request_) == PFCTL_BODIES[name]


@pytest.mark.parametrize(("name", "job_type", "request_"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_apply_sends_the_same_body_with_its_id_labels_and_record(
    tmp_path: Path, name: str, job_type: str, request_: dict[str, Any]
) -> None:
    body = apply_body(tmp_path, job_type, request_)
    labels = body.pop("labels")
    annotations = body.pop("annotations")
    assert labels == {MANAGED_BY_LABEL: MANAGED_BY_VALUE}
    assert list(annotations) == [LAST_APPLIED_ANNOTATION]
    assert body == {"id": "sample", **PFCTL_BODIES[name]}


def test_port_zero_is_left_out_by_both_and_a_real_port_is_sent(tmp_path: Path) -> None:
    request = {"image": "busybox", "command": "true", "port": 0}
    assert "port" not in job_create_body(tmp_path, "single", request)
    assert "port" not in apply_body(tmp_path, "single", request)
    request["port"] = 8080
    assert job_create_body(tmp_path, "single", request)["port"] == 8080
    assert apply_body(tmp_path, "single", request)["port"] == 8080


def test_a_file_system_is_sent_with_every_key_paddleflow_reads(tmp_path: Path) -> None:
    fs = {"id": "fs-root-data", "name": "data", "mountPath": "/data", "readOnly": False}
    request = {"image": "busybox", "fs": fs, "extraFS": [{"name": "more", "subPath": "x"}]}
    for body in (
        job_create_body(tmp_path, "single", request),
        apply_body(tmp_path, "single", request),
    ):
        assert body["fs"] == fs
        assert body["extraFS"] == [{"name": "more", "subPath": "x"}]


def test_keys_paddleflow_ignores_are_sent_as_the_sdk_sends_them_or_not_at_all() -> None:
    # The SDK sends a single job's `framework` and `members` (PaddleFlow skips them), never a
    # top-level `role` nor a member's `framework`; pfctl's builder does the same.
    built = build_create_body(
        {
            "image": "busybox",
            "framework": "paddle",
            "role": "worker",
            "UserName": "bob",
            "members": [{"role": "worker", "replicas": 1, "framework": "x"}],
        }
    )
    assert built.body == {
        "image": "busybox",
        "framework": "paddle",
        "members": [{"role": "worker", "replicas": 1}],
    }
    assert built.ignored == ["$.role", "$.UserName", "$.members[0].framework"]
