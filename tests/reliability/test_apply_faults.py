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
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from pfctl.apply.model import APPLY_SET_LABEL
from tests.conftest import ServerHandle
from tests.server.conftest import Api, login

pytestmark = pytest.mark.slow

TOTAL = 300
KILLS = 2
SEED = int(os.environ.get("PFCTL_KILL_SEED", str(random.SystemRandom().randrange(10**6))))


def _apply(path: Path, server: ServerHandle, apply_set: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PFCTL_SERVER": server.url, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "pfctl", "apply", "-f", str(path)]
    return subprocess.Popen(
        [*command, "--apply-set", apply_set, "--parallelism", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _requests_served(server: ServerHandle, token: str) -> int:
    import requests

    response = requests.get(
        f"{server.url}/api/pfctl/v1/stats", headers={"x-pf-authorization": token}, timeout=10
    )
    return int(response.json()["requests"])


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
    documents = [
        {"type": "single", "id": f"{apply_set}-{n:03d}", "image": "busybox", "command": "true"}
        for n in range(TOTAL)
    ]
    manifests = tmp_path / "jobs.yaml"
    manifests.write_text("\n---\n".join(json.dumps(document) for document in documents))
    server = start_pf_server(args=("--no-executor",))
    data_dir, port = server.data_dir, server.port
    acknowledged = 0
    for kill in range(KILLS):
        token = login(server.url).session.headers["x-pf-authorization"]
        assert isinstance(token, str)
        baseline = _requests_served(server, token)
        kill_after = chooser.randrange(5, max(6, TOTAL - acknowledged + 5))
        process = _apply(manifests, server, apply_set)
        while process.poll() is None:
            if _requests_served(server, token) - baseline >= kill_after:
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
    env = {**os.environ, "PFCTL_SERVER": server.url, "NO_COLOR": "1"}
    diff = subprocess.run(
        [sys.executable, "-m", "pfctl", "diff", "-f", str(manifests), "--apply-set", apply_set],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert diff.returncode == 0, f"seed {SEED}: not converged:\n{diff.stdout}"
