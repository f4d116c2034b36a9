"""``pfctl apply`` of 300 jobs with the server SIGKILLed at random points, restarted, applied
again: exit codes honest at each step, nothing acknowledged lost, no duplicate id, converged.

The kill points are request counts drawn from a seeded generator (``PFCTL_KILL_SEED`` to
replay one); the server counts its own requests (``GET /api/pfctl/v1/stats``).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from pfctl.apply.model import APPLY_SET_LABEL
from tests.helpers.api import Api, login
from tests.helpers.cli import run_pfctl, start_pfctl
from tests.helpers.jobs import single_manifest, write_manifests
from tests.helpers.server import ServerHandle

pytestmark = pytest.mark.slow

TOTAL = 300
KILLS = 2
SEED = int(os.environ.get("PFCTL_KILL_SEED", str(random.SystemRandom().randrange(10**6))))


def _apply(path: Path, server: ServerHandle, apply_set: str) -> subprocess.Popen[str]:
    args = ["-f", str(path), "--apply-set", apply_set, "--parallelism", "4"]
    return start_pfctl("apply", *args, server=server)


def _requests_served(root: Api) -> int:
    return int(root.stats().json()["requests"])


def _ids_of_set(api: Api, apply_set: str) -> Counter[str]:
    ids: Counter[str] = Counter()
    marker = ""
    while True:
        params = {"maxKeys": "1000", "labels": json.dumps({APPLY_SET_LABEL: apply_set})}
        if marker:
            params["marker"] = marker
        page = api.get("/job", params=params).json()
        ids.update(job["id"] for job in page["jobList"])
        if not page["isTruncated"]:
            return ids
        marker = page["nextMarker"]


def _created(stdout: str) -> int:
    match = re.search(r"(\d+) created", stdout)
    return int(match.group(1)) if match else 0


def test_apply_of_300_jobs_survives_kills_at_random_points(
    start_pf_server: Callable[..., ServerHandle], tmp_path: Path
) -> None:
    chooser = random.Random(SEED)
    apply_set = f"kill{uuid.uuid4().hex[:8]}"
    documents = [single_manifest(f"{apply_set}-{n:03d}", image="busybox") for n in range(TOTAL)]
    manifests = write_manifests(tmp_path / "jobs.yaml", documents)
    server = start_pf_server(args=("--no-executor",))
    data_dir, port = server.data_dir, server.port
    acknowledged = 0
    for kill in range(KILLS):
        root = login(server.url)
        baseline = _requests_served(root)
        kill_after = chooser.randrange(5, max(6, TOTAL - acknowledged + 5))
        process = _apply(manifests, server, apply_set)
        while process.poll() is None:
            if _requests_served(root) - baseline >= kill_after:
                break
            time.sleep(0.02)
        server.kill()
        stdout, stderr = process.communicate(timeout=240)
        context = f"seed {SEED}, kill {kill} after {kill_after} requests:\n{stdout}\n{stderr}"
        assert "Traceback" not in stderr, context
        finished = process.returncode == 0
        assert process.returncode in (0, 1), context
        if not finished:
            assert "failed" in stdout + stderr, context
        acknowledged += _created(stdout)

        server = start_pf_server(data_dir=data_dir, port=port, args=("--no-executor",))
        ids = _ids_of_set(login(server.url), apply_set)
        assert set(ids.values()) <= {1}, f"duplicate ids: {context}"
        assert len(ids) >= acknowledged, f"acknowledged creates lost: {context}"
        if finished:
            assert len(ids) == TOTAL, context

    result = _apply(manifests, server, apply_set)
    stdout, stderr = result.communicate(timeout=240)
    assert result.returncode == 0, f"seed {SEED}: {stdout}{stderr}"
    assert "0 failed" in stdout
    ids = _ids_of_set(login(server.url), apply_set)
    assert len(ids) == TOTAL and set(ids.values()) == {1}, f"seed {SEED}"
    diff = run_pfctl("diff", "-f", str(manifests), "--apply-set", apply_set, server=server)
    assert diff.returncode == 0, f"seed {SEED}: not converged:\n{diff.stdout}"
