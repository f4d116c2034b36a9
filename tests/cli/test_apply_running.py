"""Apply against jobs the local executor really runs: priority of a running job, replace of a
running job, and `--wait`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.jobs import single_manifest

from .apply_helpers import LONG_RUNNING, RunPfctl, WriteManifests, wait_for_status

pytestmark = pytest.mark.slow

FINAL = ("succeeded", "failed", "terminated", "skipped", "cancelled", "preempted")


def test_priority_of_a_running_job_is_a_warning(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    pf_server: Any,
    prefix: str,
    root_client: Any,
) -> None:
    job_id = f"{prefix}-a"
    client = root_client(pf_server)
    low = manifests(
        "jobs.yaml",
        single_manifest(job_id, command=LONG_RUNNING, schedulingPolicy={"priority": "LOW"}),
    )
    assert pfctl("apply", "-f", str(low), server=pf_server).returncode == 0
    wait_for_status(client, job_id, ("running",))

    high = manifests(
        "jobs.yaml",
        single_manifest(job_id, command=LONG_RUNNING, schedulingPolicy={"priority": "HIGH"}),
    )
    result = pfctl("apply", "-f", str(high), server=pf_server)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "priority cannot change while the job is running (LOW -> HIGH)" in result.stderr
    assert client.get_job(job_id)["schedulingPolicy"]["priority"] == "LOW"
    diff = pfctl("diff", "-f", str(high), server=pf_server)
    assert "warning:" in diff.stdout

    forced = pfctl("apply", "-f", str(high), "--force-replace", server=pf_server)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert f"replaced {job_id}" in forced.stdout
    live = client.get_job(job_id)
    assert live["schedulingPolicy"]["priority"] == "HIGH"
    assert live["status"] not in FINAL
    client.stop_job(job_id)


def test_wait_reports_success_and_failure(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    ok = manifests("ok.yaml", single_manifest(f"{prefix}-ok", command="true"))
    result = pfctl("apply", "-f", str(ok), "--wait", "--timeout", "120", server=pf_server)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{prefix}-ok: succeeded" in result.stderr

    bad = manifests("bad.yaml", single_manifest(f"{prefix}-bad", command="exit 3"))
    failed = pfctl("apply", "-f", str(bad), "--wait", "--timeout", "120", server=pf_server)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"failed {prefix}-bad: job is failed, replica worker-0 exited" in failed.stderr
    # applying again does not re-run a finished job
    again = pfctl("apply", "-f", str(bad), server=pf_server)
    assert again.returncode == 0
    assert "1 unchanged" in again.stdout
