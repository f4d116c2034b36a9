"""Targeting (``-l``, ``--target``, ``--exclude``) and destructive changes (listed, confirmed on a
terminal, narrated) end to end: the real CLI against a real local server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pfctl.client.errors import NotFoundError
from tests.helpers.jobs import single_manifest
from tests.helpers.terminal import run_on_terminal

from .apply_helpers import LONG_RUNNING, RunPfctl, WriteManifests, server_requests, wait_for_status


def labelled(job_id: str, team: str, **fields: Any) -> dict[str, Any]:
    return single_manifest(job_id, labels={"team": team}, **fields)


def test_selector_target_and_exclude_choose_what_is_planned(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, client: Any, prefix: str
) -> None:
    path = manifests(
        "jobs.yaml",
        labelled(f"{prefix}-a", "vision"),
        labelled(f"{prefix}-b", "nlp"),
        labelled(f"{prefix}-c", "vision"),
    )
    selected = pfctl("diff", "-f", str(path), "-l", "team=vision", "-o", "json", server=pf_server)
    assert selected.returncode == 1, selected.stderr
    document = json.loads(selected.stdout)
    assert [job["id"] for job in document["jobs"]] == [f"{prefix}-a", f"{prefix}-c"]
    assert document["leftOut"] == 1

    text = pfctl("diff", "-f", str(path), "-l", "team!=vision", server=pf_server)
    assert f"+ {prefix}-b (single)" in text.stdout
    assert f"{prefix}-a" not in text.stdout
    assert text.stdout.rstrip().endswith("0 unchanged; 2 manifests left out.")

    applied = pfctl(
        "apply", "-f", str(path), "--target", f"{prefix}-a", "--target", f"{prefix}-b",
        "--exclude", f"{prefix}-b", server=pf_server,
    )  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[0] == f"created {prefix}-a"
    assert "1 created" in applied.stdout
    assert client.get_job(f"{prefix}-a")["id"] == f"{prefix}-a"
    for absent in (f"{prefix}-b", f"{prefix}-c"):
        with pytest.raises(NotFoundError):
            client.get_job(absent)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["-l", "team=vision=x"], "invalid selector 'team=vision=x'"),
        (["-l", "team vision"], "invalid label key"),
        (["--target", "no-such-job"], "--target no-such-job: no manifest has this id"),
        (["--exclude", ""], "--exclude needs a job id"),
    ],
)
def test_bad_selection_is_one_line_exit_2_and_sends_nothing(  # noqa: PLR0917 - fixtures
    pfctl: RunPfctl,
    manifests: WriteManifests,
    start_pf_server: Any,
    prefix: str,
    flags: list[str],
    message: str,
) -> None:
    server = start_pf_server()
    path = manifests("jobs.yaml", labelled(f"{prefix}-a", "vision"))
    for command in ("diff", "apply"):
        before = server_requests(server)
        result = pfctl(command, "-f", str(path), *flags, server=server)
        after = server_requests(server)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr == f"error: {result.stderr.removeprefix('error: ')}"
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert after - before == 1  # only the login of the second stats read


def test_a_selector_keeps_a_job_out_of_prune(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, client: Any, prefix: str
) -> None:
    vision = labelled(f"{prefix}-v", "vision", command=LONG_RUNNING)
    nlp = labelled(f"{prefix}-n", "nlp", command=LONG_RUNNING)
    both = manifests("both.yaml", vision, nlp)
    apply_set = f"{prefix}-set"
    first = pfctl("apply", "-f", str(both), "--apply-set", apply_set, server=pf_server)
    assert first.returncode == 0, first.stderr

    # Both manifests are gone; the selector names only the vision team's jobs.
    empty = manifests("none.yaml", labelled(f"{prefix}-other", "web", stopped=True))
    prune = ["--apply-set", apply_set, "--prune"]
    planned = pfctl("diff", "-f", str(empty), *prune, "-l", "team=vision", server=pf_server)
    assert f"- {prefix}-v" in planned.stdout
    assert f"{prefix}-n" not in planned.stdout
    everything = pfctl("diff", "-f", str(empty), *prune, server=pf_server)
    assert f"- {prefix}-n" in everything.stdout  # without the selector it would be pruned

    pruned = pfctl("apply", "-f", str(empty), *prune, "-l", "team=vision", server=pf_server)
    assert pruned.returncode == 0, pruned.stderr
    assert f"stopped {prefix}-v" in pruned.stdout
    assert f"-   {prefix}-v [" in pruned.stderr  # listed as destructive before it happened
    assert client.get_job(f"{prefix}-n")["status"] not in {"terminating", "terminated"}
    client.stop_job(f"{prefix}-n")


def asked(args: list[str], server: Any, answer: bytes) -> tuple[int, str, str]:
    """Run pfctl with stdin and stderr on a terminal, typing ``answer`` at the prompt."""
    run = run_on_terminal(
        args, server, on_terminal=("stdin", "stderr"), prompt=b"Go ahead?", answer=answer
    )
    return run.code, run.stdout, run.shown


def test_a_terminal_is_asked_once_before_a_destructive_change(
    manifests: WriteManifests, pf_server: Any, client: Any, prefix: str
) -> None:
    job_id = f"{prefix}-s"
    running = manifests("run.yaml", single_manifest(job_id, command=LONG_RUNNING))
    stopped = manifests("stop.yaml", single_manifest(job_id, command=LONG_RUNNING, stopped=True))
    code, _, _ = asked(["apply", "-f", str(running)], pf_server, b"")
    assert code == 0  # creating is not destructive: nothing is asked
    wait_for_status(client, job_id, ("running",))

    code, stdout, shown = asked(["apply", "-f", str(stopped)], pf_server, b"n\n")
    assert code == 1
    assert "1 destructive change:" in shown
    assert "Apply will stop 1 job. Go ahead? [y/N]" in shown
    assert "apply cancelled: nothing was changed" in shown
    assert stdout == ""
    assert client.get_job(job_id)["status"] == "running"

    code, stdout, shown = asked(["apply", "-f", str(stopped), "--yes"], pf_server, b"")
    assert code == 0, shown
    assert "Go ahead?" not in shown
    assert f"stopped {job_id}" in stdout


def test_a_replace_narrates_the_wait_for_its_job_to_stop(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, client: Any, prefix: str
) -> None:
    job_id = f"{prefix}-stubborn"
    # The job ignores TERM, so the server kills it after its grace period (10 s).
    stubborn = "trap '' TERM; sleep 300"
    first = manifests("a.yaml", single_manifest(job_id, command=stubborn))
    assert pfctl("apply", "-f", str(first), server=pf_server).returncode == 0
    wait_for_status(client, job_id, ("running",))
    changed = manifests("b.yaml", single_manifest(job_id, command=stubborn, image="python:3.12"))
    result = pfctl("apply", "-f", str(changed), "--force-replace", server=pf_server)
    assert result.returncode == 0, result.stderr
    assert f"-/+ {job_id} [running]: stop, delete and create again (image changed)" in (
        result.stderr
    )
    assert f"still stopping {job_id} (terminating), " in result.stderr
    assert "s elapsed (giving up after 300 s)" in result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("replaced"))
    assert line.startswith(f"replaced {job_id}: stopped after ")
    assert line.endswith("(was running, ended terminated), deleted, created")
    client.stop_job(job_id)
