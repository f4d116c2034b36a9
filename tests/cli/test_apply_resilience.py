"""Concurrent applies and a server killed mid-apply: one job per id, converged on the next run."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from typing import Any

import pytest

from pfctl.apply.model import APPLY_SET_LABEL
from tests.helpers.cli import start_pfctl
from tests.helpers.jobs import single_manifest

from .apply_helpers import RunPfctl, WriteManifests, server_requests

pytestmark = pytest.mark.slow


def _apply_process(path: str, server: Any, *extra: str) -> subprocess.Popen[str]:
    return start_pfctl("apply", "-f", path, *extra, server=server)


def _ids_of_set(root_client: Any, server: Any, apply_set: str) -> Counter[str]:
    client = root_client(server)
    return Counter(job["id"] for job in client.iter_jobs(labels={APPLY_SET_LABEL: apply_set}))


def test_four_concurrent_applies_of_the_same_manifests(
    manifests: WriteManifests, pf_server: Any, prefix: str, root_client: Any
) -> None:
    path = manifests("jobs.yaml", *(single_manifest(f"{prefix}-{n}") for n in range(50)))
    processes = [_apply_process(str(path), pf_server, "--apply-set", prefix) for _ in range(4)]
    outputs = [process.communicate(timeout=240) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stdout + stderr
        assert "0 failed" in stdout
    counts = _ids_of_set(root_client, pf_server, prefix)
    assert len(counts) == 50
    assert set(counts.values()) == {1}
    created = sum(int(stdout.split(" created")[0].split()[-1]) for stdout, _ in outputs)
    assert created == 50  # every job was created by exactly one of the four


def test_server_killed_mid_apply_then_restarted_converges(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    start_pf_server: Any,
    prefix: str,
    root_client: Any,
) -> None:
    server = start_pf_server()
    data_dir, port = server.data_dir, server.port
    total = 300
    path = manifests("jobs.yaml", *(single_manifest(f"{prefix}-{n:03d}") for n in range(total)))
    baseline = server_requests(server)
    process = _apply_process(str(path), server, "--apply-set", prefix, "--parallelism", "4")
    deadline = time.monotonic() + 120
    while server_requests(server) - baseline < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    stdout, stderr = process.communicate(timeout=240)
    assert process.returncode == 1, stdout + stderr
    assert "failed" in stdout
    assert "Traceback" not in stderr

    restarted = start_pf_server(data_dir=data_dir, port=port)
    before = _ids_of_set(root_client, restarted, prefix)
    assert 0 < len(before) < total

    result = pfctl("apply", "-f", str(path), "--apply-set", prefix, server=restarted)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{total - len(before)} created" in result.stdout
    assert f"{len(before)} unchanged" in result.stdout
    after = _ids_of_set(root_client, restarted, prefix)
    assert len(after) == total
    assert set(after.values()) == {1}
    again = pfctl("diff", "-f", str(path), "--apply-set", prefix, server=restarted)
    assert again.returncode == 0, again.stdout
