"""Runtime info in PaddleFlow's shapes (``RuntimeInfo``, ``DistributedRuntimeInfo``,
``WorkflowRuntimeInfo`` of ``pkg/apiserver/controller/job/get.go``).

The ``status`` fields are JSON strings, as PaddleFlow stores Kubernetes statuses; here they say
that the local executor ran the job on this host and that the image was not pulled.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from pfctl.server.runtime.workflow import NodeRecord

EXECUTOR_NOTE = "run on this host by the pfctl local executor; the image was not pulled"
_LOG_ROUTE = "/api/paddleflow/v1/log/job"
#: The ``lineLimit`` of the log URLs in runtime info (PaddleFlow's route requires one).
LOG_URL_LINE_LIMIT = 1000


def log_url(job_id: str, cluster_name: str, **selector: str | int) -> str:
    """The log route's URL for some of a job's tasks, with the parameters PaddleFlow's route
    requires (``clusterName`` of the job's queue, ``lineLimit``)."""
    query = {"jobID": job_id, **selector, "clusterName": cluster_name}
    return f"{_LOG_ROUTE}?{urlencode({**query, 'lineLimit': LOG_URL_LINE_LIMIT})}"


def rfc3339(epoch_seconds: float | None) -> str | None:
    """Kubernetes' time form (UTC, seconds), or None."""
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass
class ReplicaState:
    """What the runtime knows of one replica or workflow pod node."""

    task_name: str
    role: str
    index: int
    image: str
    pid: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    message: str = ""
    restart_count: int = 0

    @property
    def phase(self) -> str:
        """The pod phase: Pending, Running, Succeeded or Failed."""
        if self.pid is None and self.exit_code is None:
            return "Failed" if self.message else "Pending"
        if self.exit_code is None:
            return "Running"
        return "Succeeded" if self.exit_code == 0 else "Failed"


def pod_status(replica: ReplicaState) -> dict[str, Any]:
    """A Kubernetes PodStatus-like object for one replica."""
    if replica.exit_code is not None:
        state: dict[str, Any] = {
            "terminated": {
                "exitCode": replica.exit_code,
                "reason": "Completed" if replica.exit_code == 0 else "Error",
                "startedAt": rfc3339(replica.started_at),
                "finishedAt": rfc3339(replica.finished_at),
            }
        }
    elif replica.pid is not None:
        state = {"running": {"startedAt": rfc3339(replica.started_at)}}
    else:
        state = {"waiting": {"reason": "ContainerCreating"}}
    status: dict[str, Any] = {
        "phase": replica.phase,
        "hostIP": "127.0.0.1",
        "podIP": "127.0.0.1",
        "startTime": rfc3339(replica.started_at),
        "message": replica.message or EXECUTOR_NOTE,
        "containerStatuses": [
            {
                "name": replica.role,
                "image": replica.image,
                "ready": replica.phase == "Running",
                "restartCount": replica.restart_count,
                "state": state,
            }
        ],
    }
    if replica.pid is not None:
        status["pid"] = replica.pid
    return status


def runtime_entry(
    job_id: str, namespace: str, replica: ReplicaState, *, cluster_name: str
) -> dict[str, Any]:
    """One ``RuntimeInfo``."""
    return {
        "name": f"{job_id}-{replica.task_name}",
        "namespace": namespace,
        "id": f"local-{job_id}-{replica.task_name}",
        "status": _json(pod_status(replica)),
        "nodeName": socket.gethostname(),
        "role": replica.role,
        "index": replica.index,
        "logURL": log_url(job_id, cluster_name, role=replica.role, index=replica.index),
    }


def job_status(phase: str, message: str, started: float | None, finished: float | None) -> str:
    """The JSON status string of a distributed job or workflow."""
    return _json(
        {
            "phase": phase,
            "executor": "local",
            "host": socket.gethostname(),
            "message": message or EXECUTOR_NOTE,
            "startedAt": rfc3339(started),
            "finishedAt": rfc3339(finished),
        }
    )


def single_runtime(
    job_id: str, namespace: str, replica: ReplicaState, *, cluster_name: str
) -> dict[str, Any]:
    """What a single job stores (shown as ``runtime``): one ``RuntimeInfo``."""
    return runtime_entry(job_id, namespace, replica, cluster_name=cluster_name)


def distributed_runtime(
    job_id: str,
    namespace: str,
    replicas: list[ReplicaState],
    *,
    cluster_name: str,
    phase: str,
    message: str,
    times: tuple[float | None, float | None],
) -> dict[str, Any]:
    """What a distributed job stores (shown as ``distributedRuntime``)."""
    return {
        "name": job_id,
        "namespace": namespace,
        "id": f"local-{job_id}",
        "status": job_status(phase, message, *times),
        "runtimes": [
            runtime_entry(job_id, namespace, replica, cluster_name=cluster_name)
            for replica in replicas
        ],
    }


def _node_entry(job_id: str, namespace: str, node: NodeRecord, cluster_name: str) -> dict[str, Any]:
    status: dict[str, Any] = {
        "phase": node.phase,
        "type": node.node_type,
        "displayName": node.display_name,
        "templateName": node.template,
        "message": node.message,
        "startedAt": rfc3339(node.started_at),
        "finishedAt": rfc3339(node.finished_at),
    }
    if node.exit_code is not None:
        status["exitCode"] = node.exit_code
    entry: dict[str, Any] = {
        "name": node.name,
        "namespace": namespace,
        "id": node.node_id,
        "status": _json(status),
    }
    if node.node_type == "Pod" and node.phase != "Omitted":
        pod = ReplicaState(
            task_name=node.name,
            role=node.display_name,
            index=0,
            image=node.image,
            pid=node.pid,
            started_at=node.started_at,
            finished_at=node.finished_at,
            exit_code=node.exit_code,
        )
        runtime = runtime_entry(job_id, namespace, pod, cluster_name=cluster_name)
        runtime["name"] = node.name
        runtime["logURL"] = log_url(job_id, cluster_name, node=node.name)
        entry["runtimes"] = [runtime]
    return entry


def workflow_runtime(
    job_id: str,
    namespace: str,
    workflow_name: str,
    nodes: list[NodeRecord],
    *,
    cluster_name: str,
    phase: str,
    message: str,
    times: tuple[float | None, float | None],
) -> dict[str, Any]:
    """What a workflow job stores (shown as ``workflowRuntime``)."""
    return {
        "name": workflow_name,
        "namespace": namespace,
        "id": f"local-{job_id}",
        "status": job_status(phase, message, *times),
        "nodes": [_node_entry(job_id, namespace, node, cluster_name) for node in nodes],
    }
