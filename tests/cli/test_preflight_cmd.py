"""The server preflight end to end: `pfctl diff` and `pfctl apply` against a real local server
whose queues and flavours would refuse some of the manifests' jobs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.helpers.api import Api, login
from tests.helpers.jobs import single_manifest

from .apply_helpers import RunPfctl, WriteManifests, server_requests

#: The server's database file in its data directory.
DATABASE = "pfctl-server.sqlite3"


def small_queue(root: Api, name: str, cpu: str = "2", mem: str = "2Gi") -> str:
    """Create a queue as root; its name."""
    body = {"name": name, "maxResources": {"cpu": cpu, "mem": mem}}
    response = root.post("/queue", json=body)
    assert response.status_code == 200, response.text
    return name


def create_error(root: Api, manifest: dict[str, Any]) -> str:
    """What the server answers when the manifest's job is created directly (under another id)."""
    body = {k: v for k, v in manifest.items() if k != "type"} | {"id": f"{manifest['id']}-x"}
    response = root.post(f"/job/{manifest['type']}", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "JobCreateFailed"
    return str(response.json()["message"])


def error_line(output: str, job_id: str) -> str:
    """The ``# error:`` line under the job's heading in a text plan."""
    lines = output.splitlines()
    heading = next(n for n, line in enumerate(lines) if line.startswith(f"+ {job_id} "))
    assert lines[heading + 1].startswith("    # error: "), output
    return lines[heading + 1].removeprefix("    # error: ")


def test_a_job_larger_than_its_queue_is_a_plan_error_and_is_never_sent(
    pfctl: RunPfctl, manifests: WriteManifests, start_pf_server: Any, prefix: str
) -> None:
    server = start_pf_server(args=("--no-executor",))
    root = login(server.url)
    queue = small_queue(root, f"{prefix}-small")
    fits = single_manifest(f"{prefix}-fits", schedulingPolicy={"queue": queue})
    too_big = single_manifest(
        f"{prefix}-big",
        schedulingPolicy={"queue": queue},
        flavour={"name": "", "cpu": "4", "mem": "1Gi"},
    )
    default = single_manifest(f"{prefix}-default", flavour={"name": "flavour1"})
    path = manifests("jobs.yaml", fits, too_big, default)

    diff = pfctl("diff", "-f", str(path), server=server)
    assert diff.returncode == 1, diff.stderr
    error = error_line(diff.stdout, f"{prefix}-big")
    assert error == (
        f"the flavour[cpu: 4, mem: 1Gi, ] is larger than queue's [cpu: 2, mem: 2Gi, ] "
        f"(queue {queue}: cpu 4 > 2)"
    )
    assert error.startswith(create_error(root, too_big))  # reads as the create's refusal would
    assert f"    # fits queue {queue}'s free capacity now: requests cpu: 1, mem: 1Gi" in diff.stdout
    assert "Plan: 3 to create, 0 to update, 0 to replace, 0 to stop, 0 unchanged (1 error)." in (
        diff.stdout
    )

    dry_run = pfctl("apply", "-f", str(path), "--dry-run", server=server)
    assert dry_run.returncode == 1, dry_run.stderr
    assert error_line(dry_run.stdout, f"{prefix}-big") == error

    before = server_requests(server)
    applied = pfctl("apply", "-f", str(path), server=server)
    after = server_requests(server)
    assert applied.returncode == 1, applied.stderr
    assert f"created {prefix}-fits" in applied.stdout
    assert f"created {prefix}-default" in applied.stdout
    assert f"failed {prefix}-big: {error}" in applied.stdout
    assert "2 created" in applied.stdout and "1 failed" in applied.stdout
    assert root.get(f"/job/{prefix}-big").status_code == 404
    # the stats login, the job list, the queue and flavour lists, 2 creates (pfctl's token is
    # cached by the diff): no create of the job that cannot run
    assert after - before == 6


def test_a_missing_queue_and_an_unknown_flavour_are_plan_errors(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    root = login(pf_server.url)
    nowhere = single_manifest(f"{prefix}-nowhere", schedulingPolicy={"queue": f"{prefix}-none"})
    unknown = single_manifest(f"{prefix}-unknown", flavour={"name": f"{prefix}-flavour"})
    path = manifests("jobs.yaml", nowhere, unknown)

    diff = pfctl("diff", "-f", str(path), server=pf_server)
    assert diff.returncode == 1, diff.stderr
    missing = error_line(diff.stdout, f"{prefix}-nowhere")
    assert missing == (
        f"queue[{prefix}-none] does not exist: "
        "get queue failed when creating job, err=record not found"
    )
    assert missing.endswith(create_error(root, nowhere))
    flavour = error_line(diff.stdout, f"{prefix}-unknown")
    assert flavour == f"get flavour[{prefix}-flavour] failed, err:record not found"
    assert flavour == create_error(root, unknown)
    assert "(2 errors)" in diff.stdout

    applied = pfctl("apply", "-f", str(path), server=pf_server)
    assert applied.returncode == 1, applied.stderr
    assert "0 created" in applied.stdout and "2 failed" in applied.stdout


def test_the_json_plan_lists_the_errors_and_notes(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    good = single_manifest(f"{prefix}-good")
    bad = single_manifest(f"{prefix}-bad", flavour={"name": "", "cpu": "64", "mem": "1Gi"})
    path = manifests("jobs.yaml", good, bad)
    result = pfctl("diff", "-f", str(path), "-o", "json", server=pf_server)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    message = (
        "the flavour[cpu: 64, mem: 1Gi, ] is larger than queue's [cpu: 20, mem: 20Gi, ] "
        "(queue default-queue: cpu 64 > 20)"
    )
    assert document["errors"] == [{"id": f"{prefix}-bad", "message": message}]
    assert document["summary"]["errors"] == 1
    jobs = {job["id"]: job for job in document["jobs"]}
    assert jobs[f"{prefix}-bad"]["error"] == message
    assert jobs[f"{prefix}-bad"]["notes"] == []
    assert jobs[f"{prefix}-good"]["error"] is None
    (note,) = jobs[f"{prefix}-good"]["notes"]
    assert note.startswith("fits queue default-queue's free capacity now: requests cpu: 1")


def test_a_closed_queue_is_a_plan_error(
    pfctl: RunPfctl, manifests: WriteManifests, start_pf_server: Any, tmp_path: Path, prefix: str
) -> None:
    """The local server has no route that closes a queue (a PaddleFlow cluster closes them);
    its database is changed while it is stopped, as an operator's tool would."""
    data_dir = tmp_path / "server-data"
    server = start_pf_server(data_dir=data_dir, args=("--no-executor",))
    queue = small_queue(login(server.url), f"{prefix}-closing")
    server.stop()
    with sqlite3.connect(data_dir / DATABASE) as database:
        database.execute("UPDATE queues SET status = 'closed' WHERE name = ?", (queue,))
    database.close()
    server = start_pf_server(data_dir=data_dir, args=("--no-executor",))
    root = login(server.url)
    assert root.get(f"/queue/{queue}").json()["status"] == "closed"
    job = single_manifest(f"{prefix}-a", schedulingPolicy={"queue": queue})
    path = manifests("jobs.yaml", job)

    dry_run = pfctl("apply", "-f", str(path), "--dry-run", server=server)
    assert dry_run.returncode == 1, dry_run.stderr
    error = error_line(dry_run.stdout, f"{prefix}-a")
    assert (
        error == f"queue[{queue}] status is closed, and only queue with open status can submit jobs"
    )
    assert error == create_error(root, job)


def test_a_plan_without_creates_reads_no_queue(
    pfctl: RunPfctl, manifests: WriteManifests, start_pf_server: Any, prefix: str
) -> None:
    server = start_pf_server(args=("--no-executor",))
    path = manifests("jobs.yaml", *(single_manifest(f"{prefix}-{n}") for n in range(5)))
    assert pfctl("apply", "-f", str(path), server=server).returncode == 0
    before = server_requests(server)
    again = pfctl("apply", "-f", str(path), server=server)
    after = server_requests(server)
    assert again.returncode == 0, again.stderr
    # the stats login and the job list: pfctl's token is cached, nothing is created
    assert after - before == 2
