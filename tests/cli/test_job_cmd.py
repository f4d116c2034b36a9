"""`pfctl job ...` end to end: the real CLI entry point against the real local server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.cli import in_process_pfctl, run_pfctl
from tests.helpers.jobs import PADDLE_PS_EXAMPLE, SINGLE_EXAMPLE, unique_id
from tests.helpers.server import free_port

from .job_helpers import create, job_document, write_job


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    """Run ``pfctl ARGS`` in-process against the session server; returns a Result."""
    return in_process_pfctl(pf_server, capsys, monkeypatch)


def test_create_show_update_stop_delete(pfctl: Any, tmp_path: Path) -> None:
    job_id = create(pfctl, tmp_path, job_document(labels={"team": "a"}))

    shown = pfctl("job", "show", job_id, "-o", "table")
    assert shown.code == 0
    lines = shown.out.splitlines()
    assert lines[0].startswith("+--")
    headers = [cell.strip() for cell in lines[1].strip("|").split("|")]
    assert headers == [
        "job id",
        "job name",
        "queue",
        "priority",
        "status",
        "accept time",
        "start time",
        "finish time",
    ]
    assert job_id in lines[3]
    assert "job config and runtime info: " in lines
    config = json.loads(shown.out.split("job config and runtime info: \n", 1)[1])
    assert config[0]["image"] == "python:3.11"
    assert config[0]["labels"] == {"team": "a"}

    as_json = json.loads(pfctl("job", "show", job_id, "-o", "json").out)
    assert as_json["id"] == job_id and as_json["schedulingPolicy"]["queue"] == "default-queue"
    as_yaml = yaml.safe_load(pfctl("job", "show", job_id, "-o", "yaml").out)
    assert as_yaml == as_json
    picked = json.loads(pfctl("job", "show", job_id, "-fl", "id,status,image", "-o", "json").out)
    assert set(picked) == {"id", "status", "image"}

    updated = pfctl("job", "update", job_id, "-l", "team=b,tier=gold", "-a", "note=x")
    assert (updated.code, updated.out) == (0, f"job[{job_id}] update success\n")
    labels = json.loads(pfctl("job", "show", job_id, "-o", "json").out)["labels"]
    assert labels["team"] == "b" and labels["tier"] == "gold"
    assert pfctl("job", "update", job_id, "-l", "tier=").code == 0  # an empty value deletes
    labels = json.loads(pfctl("job", "show", job_id, "-o", "json").out)["labels"]
    assert "tier" not in labels and labels["team"] == "b"

    stopped = pfctl("job", "stop", job_id)
    assert (stopped.code, stopped.out) == (0, f"job[{job_id}] stop success\n")
    waited = pfctl("job", "wait", job_id, "--timeout", "60", "--interval", "0.2", "-o", "json")
    assert waited.code == 1  # terminated counts as not successful
    assert json.loads(waited.out)[0]["status"] == "terminated"
    assert f"{job_id}: terminated" in waited.err.splitlines()

    deleted = pfctl("job", "delete", job_id)
    assert (deleted.code, deleted.out) == (0, f"job[{job_id}] delete success\n")


def test_list_table_paging_and_filters(pfctl: Any, tmp_path: Path) -> None:
    batch = unique_id("batch")
    ids = {create(pfctl, tmp_path, job_document(labels={"batch": batch})) for _ in range(3)}

    table = pfctl("job", "list", "-l", f"batch={batch}", "-m", "2", "-o", "table")
    assert table.code == 0
    lines = table.out.splitlines()
    headers = [cell.strip() for cell in lines[1].strip("|").split("|")]
    assert headers == [
        "job id",
        "job name",
        "queue",
        "status",
        "accept time",
        "start time",
        "finish time",
    ]
    marker = lines[-1].removeprefix("marker: ")
    assert lines[-1].startswith("marker: ") and marker != "None"

    rest = json.loads(pfctl("job", "list", "-l", f"batch={batch}", "-mk", marker, "-o", "json").out)
    first = json.loads(pfctl("job", "list", "-l", f"batch={batch}", "-m", "2", "-o", "json").out)
    assert first["isTruncated"] is True and first["nextMarker"] == marker
    assert {job["id"] for job in first["jobList"] + rest["jobList"]} == ids

    every = json.loads(pfctl("job", "list", "-l", f"batch={batch}", "--all", "-m", "1").out)
    assert {job["id"] for job in every["jobList"]} == ids and every["nextMarker"] is None

    fields = pfctl("job", "list", "-l", f"batch={batch}", "-fl", "id,priority,user", "-o", "table")
    assert [c.strip() for c in fields.out.splitlines()[1].strip("|").split("|")] == [
        "job id",
        "priority",
        "user",
    ]
    wide = pfctl("job", "list", "-l", f"batch={batch}", "-o", "wide")
    assert "| user " in wide.out and "| message " in wide.out
    none = pfctl("job", "list", "-s", "succeeded", "-q", "default-queue", "-l", f"batch={batch}")
    assert json.loads(none.out)["jobList"] == []
    for job_id in ids:
        assert pfctl("job", "stop", job_id).code == 0


def test_create_accepts_paddleflow_example_shaped_files(pfctl: Any, tmp_path: Path) -> None:
    single = create(pfctl, tmp_path, dict(SINGLE_EXAMPLE))
    distributed = create(pfctl, tmp_path, dict(PADDLE_PS_EXAMPLE), "distributed")
    yaml_file = write_job(tmp_path, job_document(), name="job.yaml")
    yaml_job = yaml.safe_load(Path(yaml_file).read_text())["id"]
    from_yaml = pfctl("job", "create", "single", yaml_file)
    assert (from_yaml.code, from_yaml.out) == (0, f"job create success, id[{yaml_job}]\n")
    stdin_job = job_document()
    from_stdin = pfctl("job", "create", "single", "-", stdin=json.dumps(stdin_job))
    assert from_stdin.code == 0, from_stdin.err
    for job_id in (single, distributed, yaml_job, stdin_job["id"]):
        assert pfctl("job", "stop", job_id).code == 0


def test_unknown_keys_are_errors_as_in_validate(pfctl: Any, tmp_path: Path) -> None:
    document = job_document(fileSystem={"name": "data"})  # set: an error, as in a manifest
    result = pfctl("job", "create", "single", write_job(tmp_path, document))
    assert result.code == 1
    assert "error: $.fileSystem: unknown key `fileSystem`; did you mean `fs`?" in result.err
    assert pfctl("job", "show", document["id"]).code == 1  # nothing was sent


# --- every failure: one clear line on stderr, non-zero exit ----------------------------------


def test_unknown_id(pfctl: Any) -> None:
    missing = unique_id("missing")
    for args in (
        ("job", "show", missing),
        ("job", "stop", missing),
        ("job", "delete", missing),
        ("job", "update", missing, "-p", "high"),
    ):
        result = pfctl(*args)
        assert result.code == 1, args
        assert result.out == ""
        lines = result.err.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: JobNotFound: ")
        assert "(HTTP 404, request id " in lines[0]


def test_server_side_rule_errors(pfctl: Any, tmp_path: Path) -> None:
    job_id = create(pfctl, tmp_path, job_document())
    delete_live = pfctl("job", "delete", job_id)
    assert delete_live.code == 1
    assert delete_live.err.startswith("error: ActionNotAllowed: delete job failed")
    pfctl("job", "stop", job_id)
    pfctl("job", "wait", job_id, "--interval", "0.2", "--timeout", "60")
    stop_again = pfctl("job", "stop", job_id)
    assert stop_again.code == 0, stop_again.err  # idempotent, as kubectl and Terraform
    assert stop_again.out == f"job[{job_id}] is already terminated\n"
    bad_priority = pfctl("job", "update", job_id, "-p", "urgent")
    assert bad_priority.code == 1 and "InvalidArguments" in bad_priority.err
    duplicate = pfctl("job", "create", "single", write_job(tmp_path, job_document(id=job_id)))
    assert duplicate.code == 1 and duplicate.err.startswith("error: JobCreateFailed: ")


def test_wrong_password(pfctl: Any) -> None:
    result = pfctl("job", "list", "--password", "wrong")
    assert result.code == 2  # could not run: the login was refused
    assert result.err.startswith("error: AuthFailed: Username or password not correct (HTTP 400")
    assert len(result.err.strip().splitlines()) == 1


def test_bad_file(pfctl: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"image": "x",')
    result = pfctl("job", "create", "single", str(broken))
    assert result.code == 2
    assert result.err.startswith(f"error: {broken}:1:15: invalid JSON")
    invalid = pfctl(
        "job", "create", "single", write_job(tmp_path, job_document(port=70000, env={"E": 3}))
    )
    assert invalid.code == 1  # read, and refused, as an invalid manifest
    assert "is not a valid single job request" in invalid.err
    assert "$.env.E" in invalid.err
    mismatch = pfctl("job", "create", "distributed", write_job(tmp_path, {"type": "single"}))
    assert mismatch.code == 2 and "declares type 'single'" in mismatch.err
    missing = pfctl("job", "create", "single", str(tmp_path / "nope.json"))
    assert missing.code == 2 and "no such file" in missing.err


def test_usage_errors(pfctl: Any) -> None:
    assert pfctl("job", "update", "job-x").code == 2
    assert pfctl("job", "list", "-fl", "nonsense").code == 2
    assert pfctl("job", "list", "-l", "novalue").code == 2
    assert pfctl("job", "create", "batch", "x.json").code == 2


def test_stopped_server(pfctl: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PFCTL_SERVER", f"http://127.0.0.1:{free_port()}")
    result = pfctl("job", "list")
    assert result.code == 2  # could not run: no server
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert "connection refused" in lines[0]
    assert lines[0].endswith('run "pfctl server start"')


def test_subprocess_exit_code_and_light_help(pf_server: Any) -> None:
    """The installed entry point: a real process, its exit code and its stderr."""
    env_server = f"http://127.0.0.1:{free_port()}"
    completed = run_pfctl("job", "show", "job-1", "--server", env_server, timeout=60)
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: cannot reach the PaddleFlow server at ")
    assert "Traceback" not in completed.stderr
    probe = (
        "import sys\n"
        "from pfctl.cli.main import app\n"
        "heavy = [m for m in ('requests', 'jsonschema', 'pfctl.client.api') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert imported.stdout.strip() == ""


def test_several_ids_for_show_stop_and_delete(pfctl: Any, tmp_path: Path) -> None:
    first = create(pfctl, tmp_path, job_document(command="sleep 300"))
    second = create(pfctl, tmp_path, job_document(command="sleep 300"))
    shown = pfctl("job", "show", first, second, "-o", "json")
    assert shown.code == 0, shown.err
    assert [job["id"] for job in json.loads(shown.out)] == [first, second]

    missing = unique_id("missing")
    stopped = pfctl("job", "stop", first, missing, second)
    assert stopped.code == 1  # one was refused; the others were still stopped
    assert stopped.out == f"job[{first}] stop success\njob[{second}] stop success\n"
    assert stopped.err.startswith("error: JobNotFound: ")
    assert stopped.err.rstrip().endswith("error: 1 of 3 jobs failed")
    for job_id in (first, second):
        pfctl("job", "wait", job_id, "--interval", "0.2", "--timeout", "60")
    again = pfctl("job", "stop", first, second)
    assert again.code == 0
    assert again.out == (
        f"job[{first}] is already terminated\njob[{second}] is already terminated\n"
    )
    deleted = pfctl("job", "delete", first, second)
    assert deleted.code == 0, deleted.err
    assert deleted.out.count("delete success") == 2


def test_every_changing_command_takes_output(pfctl: Any, tmp_path: Path) -> None:
    job_id = create(pfctl, tmp_path, job_document(command="sleep 300"))
    updated = pfctl("job", "update", job_id, "-l", "k=v", "-o", "json")
    assert updated.code == 0, updated.err
    assert json.loads(updated.out) == [
        {"id": job_id, "ok": True, "message": f"job[{job_id}] update success"}
    ]
    missing = unique_id("missing")
    stopped = pfctl("job", "stop", job_id, missing, "-o", "name")
    assert stopped.code == 1
    assert stopped.out == f"{job_id}\n"  # only the ids done
    pfctl("job", "wait", job_id, "--interval", "0.2", "--timeout", "60")
    deleted = pfctl("job", "delete", job_id, "-o", "yaml")
    assert deleted.code == 0, deleted.err
    assert yaml.safe_load(deleted.out) == [
        {"id": job_id, "ok": True, "message": f"job[{job_id}] delete success"}
    ]
    refused = pfctl("job", "delete", job_id, "-o", "json")
    assert refused.code == 1
    assert json.loads(refused.out)[0]["ok"] is False
    assert refused.err.startswith("error: JobNotFound")


def test_create_takes_output(pfctl: Any, tmp_path: Path) -> None:
    named = pfctl("job", "create", "single", write_job(tmp_path, job_document()), "-o", "name")
    assert named.code == 0, named.err
    job_id = named.out.strip()
    assert pfctl("job", "show", job_id, "-o", "name").out == f"{job_id}\n"
    as_json = pfctl("job", "create", "single", write_job(tmp_path, job_document()), "-o", "json")
    created = json.loads(as_json.out)
    assert created[0]["ok"] is True
    assert created[0]["message"] == f"job create success, id[{created[0]['id']}]"
    for done in (job_id, created[0]["id"]):
        pfctl("job", "stop", done)
