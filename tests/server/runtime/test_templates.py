"""A single or distributed job's extensionTemplate on the local server: its kind is checked as
PaddleFlow checks it (the create refuses a bad kind annotation; the job fails at submit for a
template of the wrong kind), and what it says runs."""

from __future__ import annotations

import base64
import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers.api import LOG_PARAMS
from tests.manifests.paddleflow_requests import SPARK

from .helpers import FINAL, RuntimeServer, single

StartServer = Callable[..., RuntimeServer]


def _logs(server: RuntimeServer, job_id: str) -> dict[str, str]:
    answer = server.call("GET", "/log/job", params={"jobID": job_id, **LOG_PARAMS}).json()
    return {task["name"]: task["logInfo"]["logContent"] for task in answer["taskList"]}


def _pod(container: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [container]}}


def _pod_template(command: str) -> dict[str, Any]:
    return {"spec": {"containers": [{"name": "c", "command": ["sh", "-c", command]}]}}


def _pytorch(master: int, worker: int, command: str) -> dict[str, Any]:
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "spec": {
            "pytorchReplicaSpecs": {
                "Master": {"replicas": master, "template": _pod_template(command)},
                "Worker": {"replicas": worker, "template": _pod_template(command)},
            }
        },
    }


def _distributed(framework: str, template: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "framework": framework,
        "schedulingPolicy": {"queue": "default-queue"},
        "extensionTemplate": template,
        **extra,
    }


def test_a_pod_template_of_a_single_job_runs_its_container(runtime_server: StartServer) -> None:
    server = runtime_server()
    container = {
        "name": "main",
        "image": "busybox",
        "command": ["sh", "-c", 'echo "tpl=$TPL mine=$MINE first=$0 job=$PF_JOB_ID"'],
        "args": ["A"],
        "env": [{"name": "TPL", "value": "from-template"}, {"name": "MINE", "value": "tpl"}],
    }
    body = single("", env={"MINE": "job"}, extensionTemplate=_pod(container))
    del body["command"]
    job_id = server.create("single", body)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    # A name the template's container sets keeps its value, as PaddleFlow appends only new names.
    assert f"tpl=from-template mine=tpl first=A job={job_id}" in _logs(server, job_id)["worker-0"]


def test_a_single_jobs_command_replaces_the_template_containers(
    runtime_server: StartServer,
) -> None:
    server = runtime_server()
    container = {"command": ["sh", "-c", "exit 9"], "env": [{"name": "TPL", "value": "t"}]}
    body = single('echo "job command, TPL=$TPL"', extensionTemplate=_pod(container))
    job_id = server.create("single", body)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    assert "job command, TPL=t" in _logs(server, job_id)["worker-0"]


def test_a_template_of_another_kind_fails_the_job_as_paddleflow_submits_it(
    runtime_server: StartServer,
) -> None:
    server = runtime_server()
    marker = "never-run"
    body = single(f"echo {marker}", extensionTemplate=_pytorch(1, 1, "true"))
    job_id = server.create("single", body)  # PaddleFlow accepts it and fails it at submit
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert job["message"] == (
        "submit job to cluster failed, err: expect GroupVersionKind is /v1, Kind=Pod, "
        "but got kubeflow.org/v1, Kind=PyTorchJob"
    )


def test_a_paddle_job_with_a_pytorch_template_fails(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("distributed", _distributed("paddle", _pytorch(1, 1, "true")))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert job["message"].endswith(
        "expect GroupVersionKind is batch.paddlepaddle.org/v1, Kind=PaddleJob, "
        "but got kubeflow.org/v1, Kind=PyTorchJob"
    )


def test_a_template_without_kind_fails_the_job(runtime_server: StartServer) -> None:
    server = runtime_server()
    template = {"spec": {"containers": [{"command": ["true"]}]}}
    job_id = server.create("single", single("true", extensionTemplate=template))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert "Object 'Kind' is missing in" in job["message"]


def test_a_framework_template_without_members_runs_its_replica_specs(
    runtime_server: StartServer,
) -> None:
    server = runtime_server()
    command = 'echo "rank=$RANK of $WORLD_SIZE"'
    job_id = server.create("distributed", _distributed("pytorch", _pytorch(1, 2, command)))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    logs = _logs(server, job_id)
    assert sorted(logs) == ["master-0", "worker-0", "worker-1"]
    assert "rank=0 of 3" in logs["master-0"]
    assert "rank=2 of 3" in logs["worker-1"]


def test_members_patch_the_replica_specs_of_their_role(runtime_server: StartServer) -> None:
    server = runtime_server()
    worker = {
        "role": "worker",
        "replicas": 1,
        "image": "torch",
        "flavour": {"name": "flavour1"},
        "command": 'echo "member command, world $WORLD_SIZE"',
    }
    master = {"role": "master", "replicas": 1, "image": "torch", "flavour": {"name": "flavour1"}}
    template = _pytorch(1, 3, "echo template command")
    body = _distributed("pytorch", template, members=[master, worker])
    job_id = server.create("distributed", body)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    logs = _logs(server, job_id)
    assert sorted(logs) == ["master-0", "worker-0"]  # the member's replicas replace 3
    assert "template command" in logs["master-0"]  # a member without command keeps it
    assert "member command, world 2" in logs["worker-0"]


def test_a_paddlejob_template_runs_ps_and_workers(runtime_server: StartServer) -> None:
    server = runtime_server()
    template = {
        "apiVersion": "batch.paddlepaddle.org/v1",
        "kind": "PaddleJob",
        "spec": {
            "withGloo": 1,
            "ps": {"replicas": 1, "template": _pod_template("sleep 300")},
            "worker": {"replicas": 2, "template": _pod_template('echo "role=$TRAINING_ROLE"')},
        },
    }
    job_id = server.create("distributed", _distributed("paddle", template))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    assert "role=TRAINER" in _logs(server, job_id)["worker-1"]


def _refusal(server: RuntimeServer, job_type: str, body: dict[str, Any]) -> str:
    response = server.call("POST", f"/job/{job_type}", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "JobCreateFailed"
    return str(response.json()["message"])


def test_a_template_the_local_executor_cannot_run_is_refused_at_create(
    runtime_server: StartServer,
) -> None:
    server = runtime_server()
    aitj = {"apiVersion": "kongming.cce.baiudbce.com/v1", "kind": "AITrainingJob", "spec": {}}
    message = _refusal(server, "distributed", _distributed("aitj", aitj))
    assert message.startswith("extensionTemplate: an AITrainingJob template is not run by the")
    pod = _pod({"command": ["true"]})
    pod["spec"]["initContainers"] = [{"command": ["true"]}]
    message = _refusal(server, "single", single("true", extensionTemplate=pod))
    assert message == "spec.initContainers: not run by the local executor"
    env = [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]
    message = _refusal(server, "single", single("true", extensionTemplate=_pod({"env": env})))
    assert message.startswith("spec.containers[0].env[0].valueFrom: ")


def test_the_kind_annotation_is_checked_at_create(runtime_server: StartServer) -> None:
    server = runtime_server()
    annotation = "paddleflow/job-kind-group-version"
    message = _refusal(server, "single", single("true", annotations={annotation: "Pod"}))
    assert message == (
        "the KindGroupVersion Pod is invalid, and it's format must be {kind}.{group}/{version}"
    )
    wrong = {annotation: "Deployment.apps/v1"}
    message = _refusal(server, "single", single("true", annotations=wrong))
    assert (
        message == "the KindGroupVersion kind: Deployment, groupVersion: apps/v1 is not supported"
    )


def test_an_annotated_kind_decides_what_the_template_must_be(
    runtime_server: StartServer,
) -> None:
    server = runtime_server()
    annotations = {"paddleflow/job-kind-group-version": "PyTorchJob.kubeflow.org/v1"}
    worker = {"role": "worker", "replicas": 2, "image": "paddle", "flavour": {"name": "flavour1"}}
    worker["command"] = "true"
    body = {
        "framework": "paddle",
        "schedulingPolicy": {"queue": "default-queue"},
        "annotations": annotations,
        "members": [worker],
    }
    job_id = server.create("distributed", body)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"  # PaddleFlow's built-in paddle template is a PaddleJob
    assert job["message"] == (
        "submit job to cluster failed, err: expect GroupVersionKind is kubeflow.org/v1, "
        "Kind=PyTorchJob, but got batch.paddlepaddle.org/v1, Kind=PaddleJob"
    )


def test_paddleflows_spark_example_runs_its_sparkapplication_as_written(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    """PaddleFlow's example/job spark request: members and a SparkApplication template, which
    PaddleFlow builds as written (customSparkJob reads no member)."""
    server = runtime_server()
    program = tmp_path / "spark-submit"
    program.write_text('#!/bin/sh\nfor a in "$@"; do echo "arg=[$a] env=$FROM_TEMPLATE"; done\n')
    program.chmod(0o755)
    body = copy.deepcopy(SPARK)
    spec = body["extensionTemplate"]["spec"]
    spec["arguments"] = ["10", "--verbose"]
    spec["executor"]["instances"] = 2
    path = f"{tmp_path}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    spec["driver"]["env"] = [
        {"name": "PATH", "value": path},
        {"name": "FROM_TEMPLATE", "value": "t"},
    ]
    job_id = server.create("distributed", body)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    logs = _logs(server, job_id)
    assert sorted(logs) == ["driver-0", "executor-0", "executor-1"]
    arguments = [line for line in logs["driver-0"].splitlines() if line.startswith("arg=")]
    assert arguments == [
        f"arg=[{value}] env=t"
        for value in (
            "--master",
            "local[2]",
            "--name",
            job_id,
            "/opt/spark/examples/src/main/python/pi.py",
            "10",
            "--verbose",
        )
    ]


def test_a_rayjob_template_runs_its_entrypoint_on_the_head(runtime_server: StartServer) -> None:
    server = runtime_server()
    runtime_env = base64.b64encode(b'{"env_vars": {"STAGE": "tuning"}}').decode()
    worker_pod = {"spec": {"containers": [{"image": "ray", "command": ["exit", "3"]}]}}
    template = {
        "apiVersion": "ray.io/v1alpha1",
        "kind": "RayJob",
        "spec": {
            "entrypoint": 'echo "entrypoint: $STAGE at $RAY_ADDRESS"',
            "runtimeEnv": runtime_env,
            "rayClusterSpec": {
                "headGroupSpec": {"template": {"spec": {"containers": [{"image": "ray"}]}}},
                "workerGroupSpecs": [
                    {"groupName": "a", "replicas": 2, "template": worker_pod},
                    {"groupName": "b", "replicas": 1, "template": worker_pod},
                ],
            },
        },
    }
    job_id = server.create("distributed", _distributed("ray", template))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    logs = _logs(server, job_id)
    assert sorted(logs) == ["master-0", "worker-0", "worker-1", "worker-2"]
    assert "entrypoint: tuning at 127.0.0.1:" in logs["master-0"]
