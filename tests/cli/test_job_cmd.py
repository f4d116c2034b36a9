"""`pfctl job ...` end to end: the real CLI entry point against the real local server."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pfctl.cli.main import main
from tests.client.helpers import PADDLE_PS_EXAMPLE, SINGLE_EXAMPLE, free_port, unique_id


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    """Run ``pfctl ARGS`` in-process against the session server; returns a Result."""
    monkeypatch.setenv("PFCTL_SERVER", pf_server.url)

    def run(*args: str, stdin: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        code = exit_info.value.code
        return Result(code if isinstance(code, int) else 1, captured.out, captured.err)

    return run


def write_job(tmp_path: Path, document: dict[str, Any], name: str = "job.json") -> str:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(document))
    else:
        path.write_text(yaml.safe_dump(document))
    return str(path)


def create(pfctl: Any, tmp_path: Path, document: dict[str, Any], job_type: str = "single") -> str:
    result = pfctl("job", "create", job_type, write_job(tmp_path, document))
    assert result.code == 0, result.err
    assert result.out.startswith("job create success, id[")
    return str(result.out.strip()[len("job create success, id[") : -1])


def job_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": unique_id("cli"),
        "name": "cli-job",
        "schedulingPolicy": {"queue": "default-queue"},
        "flavour": {"name": "flavour1"},
        "image": "python:3.11",
        "command": "sleep 600",
    }
    document.update(overrides)
    return document


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
    assert f"job[{job_id}] terminated" in waited.err

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


def test_ignored_keys_are_noted(pfctl: Any, tmp_path: Path) -> None:
    document = job_document(fileSystem={"name": "data"})
    result = pfctl("job", "create", "single", write_job(tmp_path, document))
    assert result.code == 0
    assert "note:" in result.err and "$.fileSystem is ignored" in result.err
    pfctl("job", "stop", document["id"])


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
    assert stop_again.code == 1
    assert stop_again.err.startswith("error: HTTP 500: stop job failed, err: job ")
    bad_priority = pfctl("job", "update", job_id, "-p", "urgent")
    assert bad_priority.code == 1 and "InvalidArguments" in bad_priority.err
    duplicate = pfctl("job", "create", "single", write_job(tmp_path, job_document(id=job_id)))
    assert duplicate.code == 1 and duplicate.err.startswith("error: JobCreateFailed: ")


def test_wrong_password(pfctl: Any) -> None:
    result = pfctl("job", "list", "--password", "wrong")
    assert result.code == 1
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
    assert invalid.code == 2
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
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert "connection refused" in lines[0]
    assert lines[0].endswith('run "pfctl server start"')


def test_wait_timeout(pfctl: Any, tmp_path: Path) -> None:
    job_id = create(pfctl, tmp_path, job_document())
    result = pfctl("job", "wait", job_id, "--timeout", "0.3", "--interval", "0.1")
    assert result.code == 1
    assert f"timed out waiting for {job_id}" in result.err
    pfctl("job", "stop", job_id)


def test_wait_and_logs_of_jobs_that_run(pfctl: Any, tmp_path: Path) -> None:
    ok_job = create(pfctl, tmp_path, job_document(command="echo hello-from-job; echo line-two"))
    bad_job = create(pfctl, tmp_path, job_document(command="echo about-to-fail; exit 3"))
    waited = pfctl("job", "wait", ok_job, "--timeout", "120", "--interval", "0.2", "-o", "json")
    assert waited.code == 0, waited.err
    assert json.loads(waited.out)[0]["status"] == "succeeded"
    assert f"job[{ok_job}] succeeded" in waited.err

    logs = pfctl("job", "logs", ok_job)
    assert logs.code == 0, logs.err
    assert logs.out == "hello-from-job\nline-two\n"
    followed = pfctl("job", "logs", ok_job, "-f", "--interval", "0.2")
    assert followed.out == logs.out  # a finished job: printed once, then done
    for extra in ((), ("-f",)):
        last = pfctl("job", "logs", ok_job, "--tail", "1", *extra)
        assert (last.code, last.out) == (0, "line-two\n"), last.err
    as_json = json.loads(pfctl("job", "logs", ok_job, "--tail", "1", "-o", "json").out)
    assert as_json["taskList"][0]["logInfo"]["logContent"] == "line-two\n"
    assert pfctl("job", "logs", ok_job, "--tail", "-1").code == 2

    failed = pfctl("job", "wait", ok_job, bad_job, "--timeout", "120", "--interval", "0.2")
    assert failed.code == 1
    assert f"unsuccessful: {bad_job}" in failed.err
    assert "about-to-fail" in pfctl("job", "logs", bad_job).out


def test_follow_a_running_job(pfctl: Any, tmp_path: Path) -> None:
    command = "for i in 1 2 3; do echo tick-$i; sleep 0.3; done"
    job_id = create(pfctl, tmp_path, job_document(command=command))
    result = pfctl("job", "logs", job_id, "-f", "--interval", "0.2")
    assert result.code == 0, result.err
    assert result.out == "tick-1\ntick-2\ntick-3\n"


def test_subprocess_exit_code_and_light_help(pf_server: Any) -> None:
    """The installed entry point: a real process, its exit code and its stderr."""
    env_server = f"http://127.0.0.1:{free_port()}"
    completed = subprocess.run(
        [sys.executable, "-m", "pfctl", "job", "show", "job-1", "--server", env_server],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
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


def replica_job(command_of: dict[str, str], replicas: int) -> dict[str, Any]:
    """A paddle PS job: each role's replicas run ``command_of[role]`` (``$PADDLE_TRAINER_ID`` is
    the replica's index)."""
    members = [
        {
            "role": role,
            "replicas": replicas,
            "flavour": {"name": "flavour1"},
            "image": "paddle:2.0",
            "command": command,
        }
        for role, command in command_of.items()
    ]
    return {
        "id": unique_id("roles"),
        "framework": "paddle",
        "schedulingPolicy": {"queue": "default-queue"},
        "members": members,
    }


def test_logs_of_some_replicas(pfctl: Any, tmp_path: Path) -> None:
    ticks = "echo {0}-$PADDLE_TRAINER_ID; sleep 0.5; echo {0}-$PADDLE_TRAINER_ID-done"
    document = replica_job({"pserver": ticks.format("ps"), "worker": ticks.format("wk")}, 3)
    job_id = create(pfctl, tmp_path, document, "distributed")

    followed = pfctl(
        "job", "logs", job_id, "--role", "worker", "--index", "1", "-f", "--interval", "0.2"
    )
    assert followed.code == 0, followed.err
    assert (followed.out, followed.err) == ("wk-1\nwk-1-done\n", "")
    waited = pfctl("job", "wait", job_id, "--timeout", "120", "--interval", "0.2")
    assert waited.code == 0, waited.err

    workers = pfctl("job", "logs", job_id, "--role", "worker")
    assert (workers.code, workers.err) == (0, "")
    assert workers.out == "".join(
        f"==> worker-{index} <==\nwk-{index}\nwk-{index}-done\n" for index in range(3)
    )
    second = pfctl("job", "logs", job_id, "--index", "1")
    assert second.out == ("==> pserver-1 <==\nps-1\nps-1-done\n==> worker-1 <==\nwk-1\nwk-1-done\n")
    one = pfctl("job", "logs", job_id, "--role", "pserver", "--index", "2")
    assert (one.code, one.out) == (0, "ps-2\nps-2-done\n")
    as_json = json.loads(pfctl("job", "logs", job_id, "--role", "pserver", "-o", "json").out)
    assert [task["name"] for task in as_json["taskList"]] == ["pserver-0", "pserver-1", "pserver-2"]
    assert {task["role"] for task in as_json["taskList"]} == {"pserver"}
    as_yaml = yaml.safe_load(pfctl("job", "logs", job_id, "--index", "0", "-o", "yaml").out)
    assert [task["name"] for task in as_yaml["taskList"]] == ["pserver-0", "worker-0"]

    every = [f"{role}-{index}" for role in ("pserver", "worker") for index in range(3)]
    for args in (("--role", "chief"), ("--role", "worker", "--index", "3"), ("--index", "7")):
        for extra in ((), ("-f",), ("-o", "json")):
            nothing = pfctl("job", "logs", job_id, *args, *extra)
            assert (nothing.code, nothing.out) == (1, ""), (args, extra)
            assert nothing.err == (
                f"error: no task of job {job_id} matches {' '.join(args)}; "
                f"its tasks: {', '.join(every)}\n"
            )
    negative = pfctl("job", "logs", job_id, "--index", "-1")
    assert negative.code == 2 and "--index" in negative.err


def test_logs_filter_against_tasks_without_role_or_index(
    pfctl: Any, scripted_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PaddleFlow on Kubernetes: tasks named by pod only, role/index parameters ignored."""
    pods = {
        "taskList": [
            {"taskID": f"job-k8s-worker-{index}", "logInfo": {"logContent": f"w{index}\n"}}
            for index in range(2)
        ]
    }
    job = {"id": "job-k8s", "status": "running", "schedulingPolicy": {"queue": "gpu-q"}}
    queue = {"name": "gpu-q", "clusterName": "k8s-east"}
    url, received = scripted_server([(200, job), (200, queue), (200, pods)] * 2)
    monkeypatch.setenv("PFCTL_SERVER", url)
    shown = pfctl("job", "logs", "job-k8s", "--role", "worker", "--index", "1")
    assert shown.code == 0
    assert shown.out == "==> job-k8s-worker-0 <==\nw0\n==> job-k8s-worker-1 <==\nw1\n"
    assert shown.err.count("warning: ") == 1 and "showing all tasks" in shown.err
    assert received[-3:-1] == [
        "GET /api/paddleflow/v1/job/job-k8s",
        "GET /api/paddleflow/v1/queue/gpu-q",
    ]
    # what PaddleFlow's getPFJobLogs requires: the queue's cluster and a line limit
    assert "clusterName=k8s-east" in received[-1] and "lineLimit=1000" in received[-1]
    assert "role=worker" in received[-1] and "index=1" in received[-1]
    as_json = pfctl("job", "logs", "job-k8s", "--role", "worker", "-o", "json")
    assert json.loads(as_json.out)["taskList"] == pods["taskList"]
    assert as_json.err.startswith("warning: ")


def test_logs_of_a_job_on_another_cluster(pfctl: Any, tmp_path: Path, client: Any) -> None:
    """The log requests carry the clusterName of the job's own queue, which the server checks."""
    import requests

    queue = unique_id("east")
    created = requests.post(
        f"{client.base_url}/queue",
        json={
            "name": queue,
            "namespace": "default",
            "clusterName": "cluster-east",
            "maxResources": {"cpu": "2", "mem": "2Gi"},
        },
        headers={"x-pf-authorization": client.login()},
        timeout=10,
    )
    assert created.status_code == 200, created.text
    document = job_document(command="echo east-1; echo east-2", schedulingPolicy={"queue": queue})
    job_id = create(pfctl, tmp_path, document)
    followed = pfctl("job", "logs", job_id, "-f", "--interval", "0.2")
    assert (followed.code, followed.out) == (0, "east-1\neast-2\n"), followed.err
    assert pfctl("job", "logs", job_id, "--tail", "1").out == "east-2\n"
