"""Four concurrent applies of the same manifests that create, update and stop jobs at once
(``tests/cli/test_apply_resilience.py`` covers four concurrent creating applies): every apply
succeeds, one job per id, and the server ends where the manifests say.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from pfctl.apply.model import APPLY_SET_LABEL
from tests.helpers.api import Api, login
from tests.helpers.cli import run_pfctl, start_pfctl
from tests.helpers.jobs import single_manifest, write_manifests
from tests.helpers.server import ServerHandle

pytestmark = pytest.mark.slow

APPLIES = 4
PER_KIND = 20


def _run(path: Path, server: ServerHandle, apply_set: str) -> subprocess.Popen[str]:
    return start_pfctl("apply", "-f", str(path), "--apply-set", apply_set, server=server)


def _jobs_of_set(api: Api, apply_set: str) -> list[dict[str, object]]:
    params = {"maxKeys": "1000", "labels": json.dumps({APPLY_SET_LABEL: apply_set})}
    page = api.get("/job", params=params).json()
    assert not page["isTruncated"]
    return list(page["jobList"])


def _job(job_id: str, **fields: object) -> dict[str, object]:
    return single_manifest(job_id, image="busybox", **fields)


def test_four_concurrent_applies_creating_updating_and_stopping(
    start_pf_server: Callable[..., ServerHandle], tmp_path: Path
) -> None:
    server = start_pf_server(args=("--no-executor",))
    apply_set = f"conc{uuid.uuid4().hex[:8]}"
    updated = [f"{apply_set}-upd-{n}" for n in range(PER_KIND)]
    stopped = [f"{apply_set}-stop-{n}" for n in range(PER_KIND)]
    created = [f"{apply_set}-new-{n}" for n in range(PER_KIND)]
    first = tmp_path / "first.yaml"
    write_manifests(first, [_job(job_id, labels={"round": "1"}) for job_id in updated + stopped])
    setup = _run(first, server, apply_set)
    out, err = setup.communicate(timeout=240)
    assert setup.returncode == 0, out + err

    second = tmp_path / "second.yaml"
    write_manifests(
        second,
        [_job(job_id, labels={"round": "2"}) for job_id in updated]
        + [_job(job_id, labels={"round": "1"}, stopped=True) for job_id in stopped]
        + [_job(job_id) for job_id in created],
    )
    processes = [_run(second, server, apply_set) for _ in range(APPLIES)]
    outputs = [process.communicate(timeout=240) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert "Traceback" not in stderr, stderr
        assert process.returncode == 0, stdout + stderr
        assert "0 failed" in stdout, stdout

    jobs = _jobs_of_set(login(server.url), apply_set)
    ids = [str(job["id"]) for job in jobs]
    assert len(ids) == len(set(ids)) == 3 * PER_KIND
    by_id = {str(job["id"]): job for job in jobs}
    for job_id in updated:
        labels = by_id[job_id]["labels"]
        assert isinstance(labels, dict) and labels["round"] == "2", by_id[job_id]
    for job_id in stopped:
        assert by_id[job_id]["status"] == "terminated", by_id[job_id]
    for job_id in created:
        assert by_id[job_id]["status"] == "init", by_id[job_id]
    diff = run_pfctl("diff", "-f", str(second), "--apply-set", apply_set, server=server)
    assert diff.returncode == 0, diff.stdout
