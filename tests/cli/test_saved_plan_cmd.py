"""Saved plans end to end: `pfctl diff --out`, then `pfctl apply PLANFILE` against a real local
server, refused when stale, edited, truncated, or made for another user."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest

from pfctl.client.errors import NotFoundError
from tests.helpers.jobs import single_manifest

from .apply_helpers import LONG_RUNNING, RunPfctl, WriteManifests, server_requests


def test_a_saved_plan_is_carried_out_exactly(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, client: Any, prefix: str
) -> None:
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a"), single_manifest(f"{prefix}-b"))
    plan_file = path.parent / "plan.json"
    diff = pfctl("diff", "-f", str(path), "--out", str(plan_file), server=pf_server)
    assert diff.returncode == 1, diff.stderr
    assert f"Saved the plan to {plan_file}" in diff.stderr
    assert stat.S_IMODE(plan_file.stat().st_mode) == 0o600
    document = json.loads(plan_file.read_text())
    assert document["kind"] == "pfctl-plan"
    assert [a["action"] for a in document["plan"]["actions"]] == ["create", "create"]
    with pytest.raises(NotFoundError):
        client.get_job(f"{prefix}-a")  # diff sent nothing

    applied = pfctl("apply", str(plan_file), server=pf_server)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[-1].startswith("Apply complete: 2 created")
    assert client.get_job(f"{prefix}-b")["id"] == f"{prefix}-b"

    again = pfctl("apply", str(plan_file), server=pf_server)
    assert again.returncode == 1  # the jobs it creates exist now
    assert f"job {prefix}-a exists now" in again.stderr


def test_a_plan_gone_stale_by_a_label_is_refused_and_sends_nothing(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    start_pf_server: Any,
    root_client: Any,
    prefix: str,
) -> None:
    server = start_pf_server()
    job_id = f"{prefix}-a"
    first = manifests("a.yaml", single_manifest(job_id, command=LONG_RUNNING))
    assert pfctl("apply", "-f", str(first), server=server).returncode == 0
    changed = manifests(
        "a.yaml", single_manifest(job_id, command=LONG_RUNNING, labels={"stage": "prod"})
    )
    plan_file = str(changed.parent / "plan.json")
    assert (
        pfctl(
            "apply", "-f", str(changed), "--dry-run", "--out", plan_file, server=server
        ).returncode
        == 0
    )

    root_client(server).update_job(job_id, labels={"owner": "ana"})  # someone else, meanwhile
    before = server_requests(server)
    stale = pfctl("apply", plan_file, server=server)
    after = server_requests(server)
    assert stale.returncode == 1
    assert f"the saved plan {plan_file} is stale: 1 difference since it was made" in stale.stderr
    assert f"  job {job_id}: labels['owner'] (absent) -> 'ana'\n" in stale.stderr  # own line
    assert "nothing was sent" in stale.stderr
    # the stats login, pfctl's login, one listing: no update was sent
    assert after - before <= 3
    assert root_client(server).get_job(job_id)["labels"].get("stage") is None
    root_client(server).stop_job(job_id)


def test_an_edited_manifest_makes_the_plan_stale(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, client: Any, prefix: str
) -> None:
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a"))
    plan_file = str(path.parent / "plan.json")
    assert pfctl("diff", "-f", str(path), "--out", plan_file, server=pf_server).returncode == 1
    manifests("jobs.yaml", single_manifest(f"{prefix}-a", image="python:3.12"))
    manifests("more.yaml", single_manifest(f"{prefix}-new"))
    stale = pfctl("apply", plan_file, server=pf_server)
    assert stale.returncode == 1
    assert f"jobs.yaml:1:1: manifest {prefix}-a changed" in stale.stderr
    assert f"manifest {prefix}-new is new" not in stale.stderr  # another file, not an input
    assert "2 differences" not in stale.stderr
    with pytest.raises(NotFoundError):
        client.get_job(f"{prefix}-a")


def test_every_manifest_difference_is_listed(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, client: Any, prefix: str
) -> None:
    jobs = manifests("jobs/a.yaml", single_manifest(f"{prefix}-a"), single_manifest(f"{prefix}-b"))
    manifests("jobs/c.yaml", single_manifest(f"{prefix}-c"))
    plan_file = str(jobs.parent.parent / "plan.json")
    selected = ("--target", f"{prefix}-a")
    made = pfctl("diff", "-f", str(jobs.parent), *selected, "--out", plan_file, server=pf_server)
    assert made.returncode == 1, made.stderr
    # only -a is planned, but every manifest read is part of what the plan was made from
    manifests("jobs/a.yaml", single_manifest(f"{prefix}-a"), single_manifest(f"{prefix}-d"))
    manifests("jobs/c.yaml", single_manifest(f"{prefix}-c", image="python:3.12"))
    stale = pfctl("apply", plan_file, server=pf_server)
    assert stale.returncode == 1, stale.stderr
    assert "is stale: 3 differences since it was made; nothing was sent" in stale.stderr
    assert f"jobs/a.yaml:6:1: manifest {prefix}-b is gone" in stale.stderr
    assert f"jobs/c.yaml:1:1: manifest {prefix}-c changed" in stale.stderr
    assert f"{jobs.parent / 'a.yaml'}:6:1: manifest {prefix}-d is new" in stale.stderr
    with pytest.raises(NotFoundError):
        client.get_job(f"{prefix}-a")


def test_a_saved_plan_waits_for_its_unchanged_jobs_as_apply_does(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    failing = single_manifest(f"{prefix}-bad", command="exit 3")
    first = manifests("jobs.yaml", failing)
    waited = pfctl("apply", "-f", str(first), "--wait", "--timeout", "120", server=pf_server)
    assert waited.returncode == 1, waited.stdout + waited.stderr
    path = manifests("jobs.yaml", failing, single_manifest(f"{prefix}-ok"))
    plan_file = str(path.parent / "plan.json")
    assert pfctl("diff", "-f", str(path), "--out", plan_file, server=pf_server).returncode == 1
    result = pfctl("apply", plan_file, "--wait", "--timeout", "120", server=pf_server)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 created" in result.stdout
    assert f"{prefix}-ok: succeeded" in result.stderr
    # unchanged, and waited for: it ended failed before the plan was made
    assert f"{prefix}-bad: failed" in result.stderr
    assert f"failed {prefix}-bad: job is failed" in result.stderr


def test_a_plan_for_another_user_or_server_is_refused_and_sends_nothing(
    pfctl: RunPfctl, manifests: WriteManifests, start_pf_server: Any, prefix: str
) -> None:
    server, other_server = start_pf_server(), start_pf_server()
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a"))
    plan_file = str(path.parent / "plan.json")
    assert pfctl("diff", "-f", str(path), "--out", plan_file, server=server).returncode == 1

    before = server_requests(server)
    other = pfctl("apply", plan_file, "--user", "nobody-else", "--password", "x", server=server)
    after = server_requests(server)
    assert other.returncode == 2
    assert f"was made for user root on {server.url}/" in other.stderr
    assert "not for user nobody-else on" in other.stderr
    assert len(other.stderr.strip().splitlines()) == 1
    assert after - before == server_requests(server) - after  # only the counting itself

    before = server_requests(other_server)
    elsewhere = pfctl("apply", plan_file, server=other_server)
    after = server_requests(other_server)
    assert elsewhere.returncode == 2
    assert f"was made for user root on {server.url}/" in elsewhere.stderr
    assert f"not for user root on {other_server.url}/" in elsewhere.stderr
    assert after - before == server_requests(other_server) - after


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text[: len(text) // 2], "not complete JSON"),
        (lambda text: "[1, 2]", "not a plan file"),
        (lambda text: text.replace('"formatVersion": 1', '"formatVersion": 0'), "plan format 0"),
        (lambda text: text.replace('"python:3.11"', '"python:3.13"'), "was edited or damaged"),
    ],
)
def test_a_damaged_plan_file_is_one_line_exit_2_and_sends_nothing(  # noqa: PLR0917 - fixtures
    pfctl: RunPfctl,
    manifests: WriteManifests,
    pf_server: Any,
    client: Any,
    prefix: str,
    damage: Any,
    message: str,
) -> None:
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a"))
    plan_file = path.parent / "plan.json"
    assert pfctl("diff", "-f", str(path), "--out", str(plan_file), server=pf_server).returncode == 1
    plan_file.write_text(damage(plan_file.read_text()))
    result = pfctl("apply", str(plan_file), server=pf_server)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(NotFoundError):
        client.get_job(f"{prefix}-a")


def test_flags_that_would_change_a_saved_plan_are_refused(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a"))
    plan_file = str(path.parent / "plan.json")
    assert pfctl("diff", "-f", str(path), "--out", plan_file, server=pf_server).returncode == 1
    result = pfctl("apply", plan_file, "--force-replace", "-l", "a=b", server=pf_server)
    assert result.returncode == 2
    assert "-l, --force-replace cannot be used with a saved plan" in result.stderr
    no_dry_run = pfctl("apply", "-f", str(path), "--out", plan_file, server=pf_server)
    assert no_dry_run.returncode == 2
    assert "use it with --dry-run" in no_dry_run.stderr
    stdin = pfctl("diff", "-f", "-", "--out", plan_file, server=pf_server, stdin="")
    assert stdin.returncode == 2
    assert "--out cannot save a plan read from stdin" in stdin.stderr
