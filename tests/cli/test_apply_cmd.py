"""`pfctl diff` and `pfctl apply` end to end: the real CLI, a real local server over a socket."""

from __future__ import annotations

import json
import os
from typing import Any

from pfctl.apply.model import APPLY_SET_LABEL, LAST_APPLIED_ANNOTATION, MANAGED_BY_LABEL
from tests.helpers.jobs import single_manifest

from .apply_helpers import LONG_RUNNING, RunPfctl, WriteManifests, server_requests, wait_for_status


def test_create_then_second_apply_is_a_noop_with_two_requests(
    pfctl: RunPfctl, manifests: WriteManifests, start_pf_server: Any, prefix: str
) -> None:
    server = start_pf_server()
    path = manifests("jobs.yaml", *(single_manifest(f"{prefix}-{n}") for n in range(30)))
    first = pfctl("apply", "-f", str(path), server=server)
    assert first.returncode == 0, first.stderr
    assert "30 created" in first.stdout
    assert f"created {prefix}-0\n" in first.stdout

    before = server_requests(server)  # logs in: counted before the snapshot is taken
    second = pfctl("apply", "-f", str(path), server=server)
    after = server_requests(server)
    assert second.returncode == 0, second.stderr
    assert "0 created, 0 updated, 0 replaced, 0 stopped, 30 unchanged, 0 failed" in second.stdout
    assert "created" not in second.stdout.replace("0 created", "")
    # the second apply plus the login of the second stats read
    assert after - before - 1 <= 2


def test_diff_exit_codes(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a"))
    changes = pfctl("diff", "-f", str(path), server=pf_server)
    assert changes.returncode == 1, changes.stderr
    assert f"+ {prefix}-a (single)" in changes.stdout
    assert pfctl("apply", "-f", str(path), server=pf_server).returncode == 0
    same = pfctl("diff", "-f", str(path), server=pf_server)
    assert same.returncode == 0, same.stderr
    assert same.stdout == "No changes: 1 unchanged.\n"

    bad = manifests("bad.yaml", {"type": "single", "id": "Not_Valid", "image": 3})
    invalid = pfctl("diff", "-f", str(bad), server=pf_server)
    assert invalid.returncode == 2
    assert "bad.yaml:2:5: error:" in invalid.stderr
    unreachable = pfctl("diff", "-f", str(path), "--server", "http://127.0.0.1:1", server=pf_server)
    assert unreachable.returncode == 2
    assert unreachable.stderr.startswith("error: ")
    assert "Traceback" not in unreachable.stderr


def test_invalid_manifest_sends_nothing(
    pfctl: RunPfctl, manifests: WriteManifests, start_pf_server: Any, prefix: str
) -> None:
    server = start_pf_server()
    good = manifests("good.yaml", single_manifest(f"{prefix}-a"))
    bad = manifests("bad.yaml", {"type": "single", "id": f"{prefix}-b", "imagee": "x"})
    before = server_requests(server)
    result = pfctl("apply", "-f", str(good), "-f", str(bad), server=server)
    after = server_requests(server)
    assert result.returncode == 1  # the answer is "no", as validate's
    assert "nothing was sent" in result.stderr
    assert after - before == 1  # only the login of the second stats read


def test_json_diff_is_the_documented_plan(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    env = {"DB_PASSWORD": "hunter2", "MODE": "fast"}
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a", env=env))
    result = pfctl("diff", "-f", str(path), "-o", "json", server=pf_server)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["summary"]["create"] == 1
    (job,) = document["jobs"]
    assert job["id"] == f"{prefix}-a"
    assert job["action"] == "create"
    changes = {change["path"]: change["after"] for change in job["changes"]}
    assert changes["env.DB_PASSWORD"] == "(sensitive)"
    assert changes["env.MODE"] == "fast"
    assert "hunter2" not in result.stdout
    shown = pfctl("diff", "-f", str(path), "--show-secrets", server=pf_server)
    assert "hunter2" in shown.stdout


def test_labels_added_changed_removed_and_foreign_label_kept(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    pf_server: Any,
    prefix: str,
    root_client: Any,
) -> None:
    job_id = f"{prefix}-a"
    path = manifests(
        "jobs.yaml", single_manifest(job_id, labels={"keep": "1", "change": "a", "drop": "x"})
    )
    assert pfctl("apply", "-f", str(path), server=pf_server).returncode == 0
    client = root_client(pf_server)
    client.update_job(job_id, labels={"someone": "else"})

    path = manifests(
        "jobs.yaml", single_manifest(job_id, labels={"keep": "1", "change": "b", "add": "y"})
    )
    diff = pfctl("diff", "-f", str(path), server=pf_server)
    assert diff.returncode == 1
    assert 'labels.change: "a" -> "b"' in diff.stdout
    assert 'labels.add: (absent) -> "y"' in diff.stdout
    assert 'labels.drop: "x" -> (absent)' in diff.stdout
    assert "someone" not in diff.stdout
    assert "pfctl/" not in diff.stdout

    result = pfctl("apply", "-f", str(path), server=pf_server)
    assert result.returncode == 0, result.stderr
    assert f"updated {job_id}" in result.stdout
    labels = {k: v for k, v in client.get_job(job_id)["labels"].items() if v}
    assert labels == {
        "keep": "1",
        "change": "b",
        "add": "y",
        "someone": "else",
        MANAGED_BY_LABEL: "pfctl",
    }
    assert pfctl("diff", "-f", str(path), server=pf_server).returncode == 0


def test_priority_change_while_pending_is_applied(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    start_pf_server: Any,
    prefix: str,
    root_client: Any,
) -> None:
    server = start_pf_server()  # its queue is filled below: keep the shared server free
    client = root_client(server)
    blocker = single_manifest(
        f"{prefix}-blocker", command=LONG_RUNNING, flavour={"cpu": "20", "mem": "20Gi"}
    )
    assert (
        pfctl("apply", "-f", str(manifests("blocker.yaml", blocker)), server=server).returncode == 0
    )
    wait_for_status(client, blocker["id"], ("running",))

    job_id = f"{prefix}-a"
    low = manifests("jobs.yaml", single_manifest(job_id, schedulingPolicy={"priority": "LOW"}))
    assert pfctl("apply", "-f", str(low), server=server).returncode == 0
    wait_for_status(client, job_id, ("pending",))
    high = manifests("jobs.yaml", single_manifest(job_id, schedulingPolicy={"priority": "HIGH"}))
    diff = pfctl("diff", "-f", str(high), server=server)
    assert 'schedulingPolicy.priority: "LOW" -> "HIGH"' in diff.stdout
    result = pfctl("apply", "-f", str(high), server=server)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"updated {job_id}" in result.stdout
    live = client.get_job(job_id)
    assert live["status"] == "pending"
    assert live["schedulingPolicy"]["priority"] == "HIGH"
    client.stop_job(blocker["id"])


def test_image_change_refused_then_forced(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    pf_server: Any,
    prefix: str,
    root_client: Any,
) -> None:
    job_id = f"{prefix}-a"
    path = manifests("jobs.yaml", single_manifest(job_id, image="python:3.10"))
    assert pfctl("apply", "-f", str(path), server=pf_server).returncode == 0
    path = manifests("jobs.yaml", single_manifest(job_id, image="python:3.12"))
    diff = pfctl("diff", "-f", str(path), server=pf_server)
    assert f"-/+ {job_id}" in diff.stdout
    assert 'image: "python:3.10" -> "python:3.12"  # forces replacement' in diff.stdout

    refused = pfctl("apply", "-f", str(path), server=pf_server)
    assert refused.returncode == 1
    assert f"failed {job_id}: immutable fields changed; use --force-replace" in refused.stdout
    client = root_client(pf_server)
    assert client.get_job(job_id)["image"] == "python:3.10"

    forced = pfctl("apply", "-f", str(path), "--force-replace", server=pf_server)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert f"replaced {job_id}" in forced.stdout
    live = client.get_job(job_id)
    assert live["image"] == "python:3.12"
    assert live["status"] != "terminated"
    assert pfctl("diff", "-f", str(path), server=pf_server).returncode == 0


def test_stopped_true_stops_the_job(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    pf_server: Any,
    prefix: str,
    root_client: Any,
) -> None:
    job_id = f"{prefix}-a"
    never = f"{prefix}-never"
    path = manifests("jobs.yaml", single_manifest(job_id, command=LONG_RUNNING))
    assert pfctl("apply", "-f", str(path), server=pf_server).returncode == 0
    path = manifests(
        "jobs.yaml",
        single_manifest(job_id, command=LONG_RUNNING, stopped=True),
        single_manifest(never, stopped=True),
    )
    result = pfctl("apply", "-f", str(path), server=pf_server)
    assert result.returncode == 0, result.stderr
    assert f"stopped {job_id}" in result.stdout
    client = root_client(pf_server)
    assert client.get_job(job_id)["status"] in ("terminating", "terminated")
    assert not [job for job in client.iter_jobs() if job["id"] == never]
    assert pfctl("diff", "-f", str(path), server=pf_server).returncode == 0


def test_prune_stops_only_jobs_of_its_apply_set(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    pf_server: Any,
    prefix: str,
    root_client: Any,
) -> None:
    ours, theirs = f"{prefix}-ours", f"{prefix}-theirs"
    both = manifests(
        "ours.yaml",
        single_manifest(f"{prefix}-keep"),
        single_manifest(f"{prefix}-gone", command=LONG_RUNNING),
    )
    other = manifests("theirs.yaml", single_manifest(f"{prefix}-other"))
    assert pfctl("apply", "-f", str(both), "--apply-set", ours, server=pf_server).returncode == 0
    assert pfctl("apply", "-f", str(other), "--apply-set", theirs, server=pf_server).returncode == 0
    kept = manifests("ours.yaml", single_manifest(f"{prefix}-keep"))
    diff = pfctl("diff", "-f", str(kept), "--prune", "--apply-set", ours, server=pf_server)
    assert diff.returncode == 1
    assert f"- {prefix}-gone" in diff.stdout
    result = pfctl("apply", "-f", str(kept), "--prune", "--apply-set", ours, server=pf_server)
    assert result.returncode == 0, result.stderr
    assert f"stopped {prefix}-gone" in result.stdout
    client = root_client(pf_server)
    statuses = {
        job: client.get_job(f"{prefix}-{job}")["status"] for job in ("keep", "gone", "other")
    }
    assert statuses["gone"] in ("terminating", "terminated")
    assert statuses["keep"] not in ("terminating", "terminated")
    assert statuses["other"] not in ("terminating", "terminated")
    assert client.get_job(f"{prefix}-keep")["labels"][APPLY_SET_LABEL] == ours


def test_job_created_outside_pfctl_is_refused_then_adopted(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    pf_server: Any,
    prefix: str,
    root_client: Any,
) -> None:
    job_id = f"{prefix}-a"
    client = root_client(pf_server)
    client.create_job(
        "single",
        {"id": job_id, "image": "python:3.11", "command": "true", "labels": {"o": "1"}},
    )
    path = manifests("jobs.yaml", single_manifest(job_id, labels={"team": "x"}))
    diff = pfctl("diff", "-f", str(path), server=pf_server)
    assert diff.returncode == 1
    assert "not managed by pfctl" in diff.stdout
    refused = pfctl("apply", "-f", str(path), server=pf_server)
    assert refused.returncode == 1
    assert f"failed {job_id}" in refused.stdout
    assert "--adopt" in refused.stdout
    assert LAST_APPLIED_ANNOTATION not in (client.get_job(job_id)["annotations"] or {})

    adopted = pfctl("apply", "-f", str(path), "--adopt", server=pf_server)
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    live = client.get_job(job_id)
    assert LAST_APPLIED_ANNOTATION in live["annotations"]
    assert live["labels"]["team"] == "x"
    assert live["labels"]["o"] == "1"
    assert pfctl("diff", "-f", str(path), server=pf_server).returncode == 0


def test_dry_run_changes_nothing(
    pfctl: RunPfctl,
    manifests: WriteManifests,
    pf_server: Any,
    prefix: str,
    root_client: Any,
) -> None:
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a"))
    result = pfctl("apply", "-f", str(path), "--dry-run", server=pf_server)
    assert result.returncode == 0, result.stderr
    assert f"+ {prefix}-a" in result.stdout
    client = root_client(pf_server)
    assert not [job for job in client.iter_jobs() if job["id"] == f"{prefix}-a"]


def test_json_apply_report(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a"), single_manifest(f"{prefix}-b"))
    result = pfctl("apply", "-f", str(path), "-o", "json", server=pf_server)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert document["summary"]["created"] == 2
    assert {job["id"]: job["outcome"] for job in document["jobs"]} == {
        f"{prefix}-a": "created",
        f"{prefix}-b": "created",
    }


def test_usage_errors(
    pfctl: RunPfctl, manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    path = manifests("jobs.yaml", single_manifest(f"{prefix}-a"))
    no_set = pfctl("apply", "-f", str(path), "--prune", server=pf_server)
    assert no_set.returncode == 2
    assert "--apply-set" in no_set.stderr
    bad_set = pfctl("apply", "-f", str(path), "--apply-set", "bad name!", server=pf_server)
    assert bad_set.returncode == 2
    zero = pfctl("apply", "-f", str(path), "--parallelism", "0", server=pf_server)
    assert zero.returncode == 2


def test_examples_apply_twice_second_time_unchanged(pfctl: RunPfctl, start_pf_server: Any) -> None:
    """The project's own examples converge: the second apply changes nothing."""
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    server = start_pf_server()
    first = pfctl("apply", "-f", str(examples), server=server)
    assert first.returncode == 0, first.stdout + first.stderr
    second = pfctl("apply", "-f", str(examples), server=server)
    assert second.returncode == 0, second.stdout + second.stderr
    assert " 0 created, 0 updated, 0 replaced, 0 stopped" in second.stdout
    assert "failed" not in second.stdout.replace("0 failed", "")


def test_progress_bar_on_a_terminal_then_one_line_per_job(
    manifests: WriteManifests, pf_server: Any, prefix: str
) -> None:
    from tests.helpers.terminal import run_on_terminal

    count = 25
    path = manifests("jobs.yaml", *(single_manifest(f"{prefix}-{n}") for n in range(count)))
    run = run_on_terminal(["apply", "-f", str(path)], pf_server)
    stdout = run.stdout
    assert run.code == 0, stdout + run.shown
    assert "Applying" in run.shown
    assert stdout.count("created ") == count
    assert stdout.rstrip().endswith(
        f"{count} created, 0 updated, 0 replaced, 0 stopped, 0 unchanged, 0 failed."
    )


def test_manifests_from_stdin(pfctl: RunPfctl, pf_server: Any, prefix: str) -> None:
    import yaml

    text = yaml.safe_dump_all([single_manifest(f"{prefix}-a"), single_manifest(f"{prefix}-b")])
    result = pfctl("apply", "-f", "-", server=pf_server, stdin=text)
    assert result.returncode == 0, result.stderr
    assert "2 created" in result.stdout
    assert pfctl("diff", "-f", "-", server=pf_server, stdin=text).returncode == 0


def test_diff_and_apply_skip_a_fifo_and_dev_zero_and_refuse_them_named(
    pfctl: RunPfctl, manifests: WriteManifests, api_server: Any, prefix: str
) -> None:
    path = manifests("jobs/job.yaml", single_manifest(f"{prefix}-real"))
    directory = path.parent
    os.mkfifo(directory / "fifo.yaml")
    (directory / "zero.yaml").symlink_to("/dev/zero")
    warnings = (
        f"{directory / 'fifo.yaml'}:1:1: warning: $: not a regular file (a FIFO); skipped",
        f"{directory / 'zero.yaml'}:1:1: warning: $: not a regular file (a character device); "
        "skipped",
    )
    diff = pfctl("diff", "-f", str(directory), server=api_server, timeout=60)
    assert diff.returncode == 1, diff.stderr
    assert f"+ {prefix}-real (single)" in diff.stdout
    assert all(warning in diff.stderr for warning in warnings), diff.stderr
    applied = pfctl("apply", "-f", str(directory), server=api_server, timeout=60)
    assert applied.returncode == 0, applied.stderr
    assert "1 created" in applied.stdout
    assert all(warning in applied.stderr for warning in warnings), applied.stderr
    for command in ("diff", "apply"):
        for name, kind in (("fifo.yaml", "a FIFO"), ("zero.yaml", "a character device")):
            named = pfctl(command, "-f", str(directory / name), server=api_server, timeout=60)
            assert named.returncode == 2, named.stderr
            assert f"{directory / name}: not a regular file ({kind})" in named.stderr
            assert "Traceback" not in named.stderr


def test_prune_on_input_not_fully_read_is_refused_and_stops_nothing(
    pfctl: RunPfctl, manifests: WriteManifests, api_server: Any, prefix: str, root_client: Any
) -> None:
    apply_set = f"{prefix}-set"
    top = manifests("jobs/top.yaml", single_manifest(f"{prefix}-top"))
    manifests("jobs/team/team.yaml", single_manifest(f"{prefix}-team"))
    directory = str(top.parent)
    first = pfctl("apply", "-R", "-f", directory, "--apply-set", apply_set, server=api_server)
    assert first.returncode == 0, first.stderr
    fifo = top.parent / "team" / "more.yaml"
    os.mkfifo(fifo)
    for command in ("diff", "apply"):
        refused = pfctl(
            command, "-R", "-f", directory, "--prune", "--apply-set", apply_set, server=api_server
        )
        assert refused.returncode == 2, refused.stderr
        assert (
            f"error: --prune refused: {fifo} was not read: not a regular file (a FIFO); skipped; "
            "prune would stop the jobs whose manifests it may hold"
        ) in refused.stderr
    client = root_client(api_server)
    for job in ("top", "team"):
        assert client.get_job(f"{prefix}-{job}")["status"] == "init"
    # Without --prune the readable manifests are applied, with the warning.
    plain = pfctl("apply", "-R", "-f", directory, "--apply-set", apply_set, server=api_server)
    assert plain.returncode == 0, plain.stderr
    assert "2 unchanged" in plain.stdout


def test_prune_on_empty_input_needs_allow_empty(
    pfctl: RunPfctl, manifests: WriteManifests, api_server: Any, prefix: str, root_client: Any
) -> None:
    apply_set = f"{prefix}-set"
    jobs = manifests("jobs.yaml", single_manifest(f"{prefix}-a"), single_manifest(f"{prefix}-b"))
    assert (
        pfctl("apply", "-f", str(jobs), "--apply-set", apply_set, server=api_server).returncode == 0
    )
    empty = jobs.parent / "empty.yaml"
    empty.write_text("")
    for command in ("diff", "apply"):
        refused = pfctl(
            command, "-f", str(empty), "--prune", "--apply-set", apply_set, server=api_server
        )
        assert refused.returncode == 2, refused.stderr
        assert (
            "error: --prune refused: the input holds no manifest, so prune would stop every job "
            f"of apply-set {apply_set}; pass --allow-empty to do that"
        ) in refused.stderr
    client = root_client(api_server)
    assert {client.get_job(f"{prefix}-{job}")["status"] for job in "ab"} == {"init"}
    allowed = pfctl(
        "apply",
        "-f",
        str(empty),
        "--prune",
        "--allow-empty",
        "--apply-set",
        apply_set,
        server=api_server,
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "2 stopped" in allowed.stdout
