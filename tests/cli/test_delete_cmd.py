"""`pfctl delete -f PATH` end to end: the real CLI against a real local server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pfctl.client.errors import NotFoundError
from tests.helpers.jobs import single_manifest

from .apply_helpers import LONG_RUNNING, RunPfctl, WriteManifests, wait_for_status


def test_delete_is_idempotent_and_refuses_what_it_must(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, client: Any, prefix: str
) -> None:
    done, running, foreign = f"{prefix}-done", f"{prefix}-run", f"{prefix}-foreign"
    path = manifests(
        "jobs.yaml",
        single_manifest(done),
        single_manifest(running, command=LONG_RUNNING),
        single_manifest(foreign),
        single_manifest(f"{prefix}-never"),
    )
    ours = manifests(
        "ours.yaml", single_manifest(done), single_manifest(running, command=LONG_RUNNING)
    )
    assert pfctl("apply", "-f", str(ours), server=pf_server).returncode == 0
    body = {key: value for key, value in single_manifest(foreign).items() if key != "type"}
    client.create_job("single", body)  # created without pfctl: not pfctl's to delete
    wait_for_status(client, done, ("succeeded",))
    wait_for_status(client, running, ("running",))
    wait_for_status(client, foreign, ("succeeded",))

    dry = pfctl("delete", "-f", str(path), "--dry-run", "-o", "json", server=pf_server)
    assert dry.returncode == 1, dry.stderr  # two are refused
    plan = {job["id"]: job for job in json.loads(dry.stdout)["jobs"]}
    assert plan[done]["refused"] is None
    assert "use --stop" in plan[running]["refused"]
    assert "not managed by pfctl" in plan[foreign]["refused"]
    assert plan[f"{prefix}-never"]["status"] is None
    assert client.get_job(done)["id"] == done  # a dry run deletes nothing

    first = pfctl("delete", "-f", str(path), server=pf_server)
    assert first.returncode == 1
    assert f"deleted {done}\n" in first.stdout
    assert f"failed {running}: the job is running; use --stop to stop it first" in first.stdout
    assert f"absent {prefix}-never" in first.stdout
    assert first.stdout.rstrip().endswith("Delete failed: 1 deleted, 1 absent, 2 failed.")
    with pytest.raises(NotFoundError):
        client.get_job(done)
    assert client.get_job(running)["status"] == "running"

    forced = pfctl("delete", "-f", str(path), "--stop", "--adopt", server=pf_server)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert f"deleted {running}: stopped after " in forced.stdout
    assert f"deleted {foreign}\n" in forced.stdout
    assert "2 deleted, 2 absent, 0 failed" in forced.stdout
    again = pfctl("delete", "-f", str(path), server=pf_server)
    assert again.returncode == 0  # deleting what is gone is done already
    assert "0 deleted, 4 absent, 0 failed" in again.stdout


def test_delete_honours_the_selection(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, client: Any, prefix: str
) -> None:
    a, b = f"{prefix}-a", f"{prefix}-b"
    path = manifests(
        "jobs.yaml",
        single_manifest(a, labels={"stage": "dev"}),
        single_manifest(b, labels={"stage": "prod"}),
    )
    assert pfctl("apply", "-f", str(path), "--wait", server=pf_server).returncode == 0
    result = pfctl("delete", "-f", str(path), "-l", "stage=dev", server=pf_server)
    assert result.returncode == 0, result.stderr
    with pytest.raises(NotFoundError):
        client.get_job(a)
    assert client.get_job(b)["id"] == b
    missing = pfctl("delete", "-f", str(path), "--target", "nope", server=pf_server)
    assert missing.returncode == 2
    assert "--target nope: no manifest has this id" in missing.stderr
