"""The runtime end to end: jobs created through the real server run as local processes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.api import LOG_PARAMS

from .helpers import FINAL, RuntimeServer, process_running, single

StartServer = Callable[..., RuntimeServer]


def test_single_job_runs_and_succeeds(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create(
        "single",
        single("echo job=$PF_JOB_ID queue=$PF_JOB_QUEUE_NAME mine=$MINE; pwd", env={"MINE": "x"}),
    )
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    assert job["startTime"] and job["finishTime"]
    runtime = job["runtime"]
    assert runtime["role"] == "worker" and runtime["index"] == 0
    pod = json.loads(runtime["status"])
    assert pod["phase"] == "Succeeded"
    assert "not pulled" in pod["message"]
    logs = server.call("GET", "/log/job", params={"jobID": job_id, **LOG_PARAMS}).json()
    content = logs["taskList"][0]["logInfo"]["logContent"]
    assert f"job={job_id} queue=default-queue mine=x" in content


def test_failing_replica_fails_the_job_and_stops_the_others(runtime_server: StartServer) -> None:
    server = runtime_server()
    body = {
        "framework": "paddle",
        "schedulingPolicy": {"queue": "default-queue"},
        "members": [
            {
                "role": "pserver",
                "replicas": 1,
                "image": "paddle",
                "flavour": {"name": "flavour1"},
                "command": "sleep 300",
            },
            {
                "role": "worker",
                "replicas": 2,
                "image": "paddle",
                "flavour": {"name": "flavour1"},
                "command": 'if [ "$PADDLE_TRAINER_ID" = 1 ]; then exit 5; fi; sleep 300',
            },
        ],
    }
    job_id = server.create("distributed", body)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert "worker-1" in job["message"] and "code 5" in job["message"]
    runtimes = job["distributedRuntime"]["runtimes"]
    assert [(entry["role"], entry["index"]) for entry in runtimes] == [
        ("pserver", 0),
        ("worker", 0),
        ("worker", 1),
    ]
    assert all(json.loads(entry["status"])["phase"] == "Failed" for entry in runtimes)


def test_paddle_collective_job_succeeds_when_all_workers_do(runtime_server: StartServer) -> None:
    server = runtime_server()
    member = {
        "role": "worker",
        "replicas": 2,
        "image": "paddle",
        "flavour": {"name": "flavour1"},
        "command": "echo $PADDLE_CURRENT_ENDPOINT of $PADDLE_TRAINER_ENDPOINTS",
    }
    job_id = server.create(
        "distributed",
        {
            "framework": "paddle",
            "schedulingPolicy": {"queue": "default-queue"},
            "members": [member],
        },
    )
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    logs = server.call(
        "GET", "/log/job", params={"jobID": job_id, "role": "worker", **LOG_PARAMS}
    ).json()
    assert [task["name"] for task in logs["taskList"]] == ["worker-0", "worker-1"]
    endpoint = logs["taskList"][1]["logInfo"]["logContent"].split()[0]
    assert endpoint.startswith("127.0.0.1:")


def test_stop_of_a_process_ignoring_term_leaves_nothing_behind(
    runtime_server: StartServer,
) -> None:
    server = runtime_server(grace_seconds=1.0)
    command = "trap '' TERM; echo $$ > pid; while true; do sleep 0.1; done"
    job_id = server.create("single", single(command))
    job = server.wait_status(job_id, {"running"})
    assert json.loads(job["runtime"]["status"])["phase"] == "Running"
    pid = json.loads(job["runtime"]["status"])["pid"]
    response = server.call("PUT", f"/job/{job_id}", params={"action": "stop"})
    assert response.status_code == 200, response.text
    # The process ignores TERM, so it lives through the grace period: the job is terminating.
    assert server.job(job_id)["status"] == "terminating"
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "terminated"
    assert not process_running(pid)


def test_workflow_with_a_failing_node_fails(runtime_server: StartServer) -> None:
    server = runtime_server()
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "wf"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [{"name": "ok", "template": "ok"}],
                        [{"name": "bad", "template": "bad"}],
                        [{"name": "never", "template": "ok"}],
                    ],
                },
                {"name": "ok", "container": {"image": "a", "command": ["echo", "fine"]}},
                {"name": "bad", "container": {"image": "a", "command": ["sh", "-c", "exit 4"]}},
            ],
        },
    }
    job_id = server.create(
        "workflow", {"schedulingPolicy": {"queue": "default-queue"}, "extensionTemplate": template}
    )
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert "wf[1].bad" in job["message"]
    nodes = {
        node["name"]: json.loads(node["status"])["phase"]
        for node in job["workflowRuntime"]["nodes"]
    }
    assert nodes["wf[0].ok"] == "Succeeded"
    assert nodes["wf[1].bad"] == "Failed"
    assert "wf[2].never" not in nodes
    logs = server.call(
        "GET", "/log/job", params={"jobID": job_id, "node": "wf[0].ok", **LOG_PARAMS}
    ).json()
    assert logs["taskList"][0]["logInfo"]["logContent"] == "fine\n"


def test_unsupported_workflow_is_rejected_at_create(runtime_server: StartServer) -> None:
    server = runtime_server()
    template = {"spec": {"entrypoint": "m", "templates": [{"name": "m", "suspend": {}}]}}
    response = server.call(
        "POST",
        "/job/workflow",
        json={"schedulingPolicy": {"queue": "default-queue"}, "extensionTemplate": template},
    )
    assert response.status_code == 400
    assert "spec.templates[0].suspend" in response.json()["message"]


FRAMEWORK_MEMBERS = {
    # framework: (primary role, primary replicas, serving role or None, what the primary prints)
    "pytorch": ("worker", 2, "master", "RANK"),
    "tensorflow": ("worker", 2, "pserver", "TF_CONFIG"),
    "mpi": ("master", 1, "worker", "OMPI_MCA_orte_default_hostfile"),
    "ray": ("master", 1, "worker", "RAY_ADDRESS"),
    "spark": ("driver", 1, "executor", "SPARK_DRIVER_URL"),
    "mxnet": ("worker", 2, "pserver", "DMLC_ROLE"),
}


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_MEMBERS))
def test_each_framework_succeeds_when_its_primary_roles_do(
    framework: str, runtime_server: StartServer
) -> None:
    server = runtime_server()
    primary, count, serving, variable = FRAMEWORK_MEMBERS[framework]

    def member(role: str, replicas: int, command: str) -> dict[str, Any]:
        return {
            "role": role,
            "replicas": replicas,
            "image": framework,
            "flavour": {"name": "flavour1"},
            "command": command,
        }

    # The serving role of pytorch (master) decides too; the others would run forever.
    serving_command = f"echo ${variable}" if framework == "pytorch" else "sleep 300"
    members = [member(serving, 1, serving_command), member(primary, count, f"echo ${variable}")]
    if framework == "mxnet":
        members.insert(0, member("master", 1, "sleep 300"))
    if framework == "spark":  # the application is named in the driver's env, not its command
        members[1]["env"] = {"PF_JOB_SPARK_MAIN_FILE": "local:///opt/app/main.py"}
    job_id = server.create(
        "distributed",
        {
            "framework": framework,
            "schedulingPolicy": {"queue": "default-queue"},
            "members": members,
        },
    )
    job = server.wait_status(job_id, FINAL, timeout=60)
    assert job["status"] == "succeeded", job["message"]
    logs = server.call(
        "GET", "/log/job", params={"jobID": job_id, "role": primary, **LOG_PARAMS}
    ).json()
    assert all(task["logInfo"]["logContent"].strip() for task in logs["taskList"])
