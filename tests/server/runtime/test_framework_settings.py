"""Framework settings PaddleFlow reads from a member's env, on the local server: the Spark
application (PF_JOB_SPARK_*), the RayJob entrypoint and RAY_JOB_* settings, restarts
(PF_JOB_RESTART_POLICY) and the limit flavour (PF_JOB_LIMIT_FLAVOUR)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers.api import LOG_PARAMS

from .helpers import FINAL, RuntimeServer, single

StartServer = Callable[..., RuntimeServer]
EVENTS = "/api/pfctl/v1/job/{}/events"


def _logs(server: RuntimeServer, job_id: str) -> dict[str, str]:
    answer = server.call("GET", "/log/job", params={"jobID": job_id, **LOG_PARAMS}).json()
    return {task["name"]: task["logInfo"]["logContent"] for task in answer["taskList"]}


def _member(role: str, replicas: int, **extra: Any) -> dict[str, Any]:
    return {
        "role": role,
        "replicas": replicas,
        "image": "img",
        "flavour": {"name": "flavour1"},
        **extra,
    }


def _job(framework: str, *members: dict[str, Any]) -> dict[str, Any]:
    return {
        "framework": framework,
        "schedulingPolicy": {"queue": "default-queue"},
        "members": list(members),
    }


def _fake_spark_submit(folder: Path) -> str:
    """A ``spark-submit`` that prints its arguments; the PATH that finds it."""
    program = folder / "spark-submit"
    program.write_text('#!/bin/sh\nfor a in "$@"; do echo "arg=[$a]"; done\n')
    program.chmod(0o755)
    return f"{folder}:{os.environ.get('PATH', '/usr/bin:/bin')}"


def test_spark_submits_the_application_its_driver_env_names(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    env = {
        "PATH": _fake_spark_submit(tmp_path),
        "PF_JOB_SPARK_MAIN_FILE": "local:///opt/app/pi.py",
        "PF_JOB_SPARK_MAIN_CLASS": "org.example.Pi",
        "PF_JOB_SPARK_ARGUMENTS": "100 --fast",
    }
    driver = _member("driver", 1, env=env, command="exit 7")  # PaddleFlow ignores command
    executor = _member("executor", 2, command="exit 8")
    job_id = server.create("distributed", _job("spark", driver, executor))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    logs = _logs(server, job_id)
    arguments = [line for line in logs["driver-0"].splitlines() if line.startswith("arg=")]
    assert arguments == [
        "arg=[--master]",
        "arg=[local[2]]",
        "arg=[--name]",
        f"arg=[{job_id}]",
        "arg=[--class]",
        "arg=[org.example.Pi]",
        "arg=[/opt/app/pi.py]",
        "arg=[100 --fast]",  # one argument, as PaddleFlow passes it
    ]


def test_spark_without_spark_submit_says_the_application_was_not_run(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    env = {"PATH": "/usr/bin:/bin", "PF_JOB_SPARK_MAIN_FILE": "local:///opt/app/pi.py"}
    job_id = server.create(
        "distributed", _job("spark", _member("driver", 1, env=env), _member("executor", 1))
    )
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    log = _logs(server, job_id)["driver-0"]
    assert "spark-submit is not on this host's PATH" in log
    assert "spark-submit --master 'local[1]' --name" in log


def test_a_spark_driver_without_main_file_fails(runtime_server: StartServer) -> None:
    server = runtime_server()
    driver = _member("driver", 1, command="echo ignored")
    job_id = server.create("distributed", _job("spark", driver, _member("executor", 1)))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert "no Spark application" in _logs(server, job_id)["driver-0"]


def test_ray_runs_the_master_command_as_the_entrypoint(runtime_server: StartServer) -> None:
    server = runtime_server()
    runtime_env = '{"env_vars": {"GREETING": "from-runtime-env"}}'
    master = _member(
        "master",
        1,
        command='echo "entrypoint at $RAY_ADDRESS: $GREETING, args=$#"',
        args=["num-cpus: 2"],  # ray start parameters, not arguments of the entrypoint
        env={
            "RAY_JOB_RUNTIME_ENV": runtime_env,
            "RAY_JOB_HEADER_PRE_STOP": 'echo "pre-stop hook in $PWD"',
        },
    )
    worker = _member("worker", 2, command="exit 3")  # the ray operator runs ray start instead
    job_id = server.create("distributed", _job("ray", master, worker))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    logs = _logs(server, job_id)
    assert "entrypoint at 127.0.0.1:" in logs["master-0"]
    assert ": from-runtime-env, args=0" in logs["master-0"]
    entrypoint_at = logs["master-0"].index("entrypoint at")
    assert logs["master-0"].index("pre-stop hook in /") > entrypoint_at


def test_a_ray_worker_setting_that_is_not_a_number_fails_the_job(
    runtime_server: StartServer,
) -> None:
    server = runtime_server()
    worker = _member("worker", 1, env={"RAY_JOB_WORKER_MIN_REPLICAS": "two"})
    job_id = server.create("distributed", _job("ray", _member("master", 1, command="true"), worker))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert job["message"] == (
        "submit job to cluster failed, err: get minReplicas failed, err: "
        "RAY_JOB_WORKER_MIN_REPLICAS is not valid int type, err: "
        'strconv.Atoi: parsing "two": invalid syntax'
    )


def _events(server: RuntimeServer, job_id: str, kind: str) -> list[dict[str, Any]]:
    answer = server.call("GET", f"{server.api.base_url}{EVENTS.format(job_id)}").json()
    return [event for event in answer["events"] if event["kind"] == kind]


def test_on_failure_restarts_a_failed_replica(runtime_server: StartServer) -> None:
    server = runtime_server()
    command = 'if [ -f once ]; then echo "second run"; else touch once; echo first; exit 3; fi'
    body = single(command, env={"PF_JOB_RESTART_POLICY": "OnFailure"})
    job_id = server.create("single", body)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    log = _logs(server, job_id)["worker-0"]
    assert log.index("first") < log.index("second run")
    restarted = _events(server, job_id, "replica-restarted")
    assert [(event["exitCode"], event["detail"]["restarts"]) for event in restarted] == [(3, 1)]
    [container] = json.loads(job["runtime"]["status"])["containerStatuses"]
    assert container["restartCount"] == 1


def test_restarts_are_bounded(runtime_server: StartServer) -> None:
    server = runtime_server()
    body = single("echo run; exit 4", env={"PF_JOB_RESTART_POLICY": "OnFailure"})
    job_id = server.create("single", body)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert job["message"] == "job is failed, replica worker-0 exited with code 4"
    assert _logs(server, job_id)["worker-0"].count("run") == 4  # the first run and 3 restarts
    assert len(_events(server, job_id, "replica-restarted")) == 3


def test_always_restarts_a_replica_that_succeeded(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single("echo run", env={"PF_JOB_RESTART_POLICY": "Always"}))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    assert _logs(server, job_id)["worker-0"].count("run") == 4


def test_kubeflow_frameworks_do_not_restart(runtime_server: StartServer) -> None:
    server = runtime_server()
    env = {"PF_JOB_RESTART_POLICY": "OnFailure"}
    master = _member("master", 1, command="echo run; exit 5", env=env)
    job_id = server.create(
        "distributed", _job("pytorch", master, _member("worker", 1, command="sleep 30"))
    )
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert _logs(server, job_id)["master-0"].count("run") == 1
    assert _events(server, job_id, "replica-restarted") == []


def test_the_limit_flavour_is_checked_and_recorded(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single("true", env={"PF_JOB_LIMIT_FLAVOUR": "flavour1"}))
    assert server.job(job_id)["members"][0]["limitFlavour"]["name"] == "flavour1"
    job_id = server.create("single", single("true", env={"PF_JOB_LIMIT_FLAVOUR": "none"}))
    assert server.job(job_id)["members"][0]["limitFlavour"]["name"] == "none"
    response = server.call(
        "POST", "/job/single", json=single("true", env={"PF_JOB_LIMIT_FLAVOUR": "nosuch"})
    )
    assert response.status_code == 400
    assert response.json()["message"] == "get flavour[nosuch] failed, err:record not found"
    big = single(
        "true", flavour={"cpu": "64", "mem": "1Gi"}, env={"PF_JOB_LIMIT_FLAVOUR": "flavour1"}
    )
    response = server.call("POST", "/job/single", json=big)
    assert response.status_code == 400
    assert response.json()["message"].startswith("request ")
    assert "is greater than limit" in response.json()["message"]
