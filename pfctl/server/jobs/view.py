"""A stored job as PaddleFlow's job object (PADDLEFLOW_API.md §5.2): keys, order and zero values.

The runtime info stored with the job (``JobRecord.runtime``, written by the job runtime) is shown
as-is under ``runtime`` (single), ``distributedRuntime`` (distributed) or ``workflowRuntime``
(workflow), on ``GET /job/{id}`` only.
"""

from __future__ import annotations

from typing import Any

from pfctl.server.store.jobrecords import JobRecord
from pfctl.server.store.timefmt import format_time
from pfctl.spec import statuses

_KIND_GROUP_VERSION = {
    "standalone": ("Pod", "", "v1"),
    "paddle": ("PaddleJob", "batch.paddlepaddle.org", "batch.paddlepaddle.org/v1"),
    "pytorch": ("PyTorchJob", "kubeflow.org", "kubeflow.org/v1"),
    "tensorflow": ("TFJob", "kubeflow.org", "kubeflow.org/v1"),
    "mxnet": ("MXJob", "kubeflow.org", "kubeflow.org/v1"),
    "mpi": ("MPIJob", "kubeflow.org", "kubeflow.org/v1"),
    "ray": ("RayJob", "ray.io", "ray.io/v1alpha1"),
    "spark": ("SparkApplication", "sparkoperator.k8s.io", "sparkoperator.k8s.io/v1beta2"),
    "aitj": ("AITrainingJob", "kongming.cce.baiudbce.com", "kongming.cce.baiudbce.com/v1"),
}
_RUNTIME_KEYS = {"single": "runtime", "distributed": "distributedRuntime"}


def flavour_view(flavour: dict[str, Any] | None) -> dict[str, Any]:
    """``{"cpu", "mem", "scalarResources"?, "name"}`` (zero values when unset)."""
    flavour = flavour or {}
    view: dict[str, Any] = {"cpu": flavour.get("cpu", ""), "mem": flavour.get("mem", "")}
    if flavour.get("scalarResources"):
        view["scalarResources"] = flavour["scalarResources"]
    view["name"] = flavour.get("name", "")
    return view


def fs_view(fs: dict[str, Any] | None, user_name: str) -> dict[str, Any]:
    """``{"id"?, "name", "type", "hostPath"?, "mountPath"?, "subPath"?, "readOnly"?}``; a named
    file system gets PaddleFlow's default id and mount path."""
    fs = fs or {}
    name = fs.get("name", "")
    if not name:
        return {"name": "", "type": ""}
    fs_id = fs.get("id") or f"fs-{user_name}-{name}"
    view: dict[str, Any] = {"id": fs_id, "name": name, "type": fs.get("type") or "local"}
    if fs.get("hostPath"):
        view["hostPath"] = fs["hostPath"]
    view["mountPath"] = fs.get("mountPath") or f"/home/paddleflow/storage/mnt/{fs_id}"
    if fs.get("subPath"):
        view["subPath"] = fs["subPath"]
    if fs.get("readOnly"):
        view["readOnly"] = True
    return view


def _or_null(value: Any) -> Any:
    return value if value else None


def _member_view(job: JobRecord, member: dict[str, Any]) -> dict[str, Any]:
    kind, group, api_version = _KIND_GROUP_VERSION.get(job.framework, ("", "", ""))
    view: dict[str, Any] = {
        "id": member.get("id", ""),
        "replicas": member.get("replicas", 0),
        "role": member.get("role", ""),
        "name": member.get("name", ""),
        "fs": fs_view(member.get("fs"), job.user_name),
    }
    if member.get("extraFS"):
        view["extraFS"] = [fs_view(fs, job.user_name) for fs in member["extraFS"]]
    view |= {
        "flavour": flavour_view(member.get("flavour")),
        "limitFlavour": flavour_view(member.get("limitFlavour")),
        "priority": job.priority,
        "clusterID": "cluster-default",
        "queueID": job.queue,
        "queueName": job.queue,
        "kindGroupVersion": {"kind": kind, "group": group, "apiVersion": api_version},
        "labels": _or_null(job.labels),
        "annotations": _or_null(job.annotations),
    }
    if member.get("env"):
        view["env"] = member["env"]
    if member.get("command"):
        view["command"] = member["command"]
    view["image"] = member.get("image", "")
    if member.get("port"):
        view["port"] = member["port"]
    if member.get("args"):
        view["args"] = member["args"]
    return view


def job_view(job: JobRecord, *, with_runtime: bool) -> dict[str, Any]:
    """The job object of ``GET /job/{id}`` (``with_runtime``) or of a ``jobList`` element."""
    view = definition_view(job) | status_view(
        job.status,
        job.message,
        accepted_at=job.accepted_at,
        updated_at=job.updated_at,
        activated_at=job.activated_at,
        finished_at=job.finished_at,
    )
    if with_runtime and job.runtime is not None:
        view[_RUNTIME_KEYS.get(job.type, "workflowRuntime")] = job.runtime
    return view


def definition_view(job: JobRecord) -> dict[str, Any]:
    """The keys of the job object that come from the job's definition (``id`` to ``members``).

    Reads no status or time field: the list cache (``pfctl.server.jobs.listing``) reuses these keys
    while only a job's status and times change."""
    members: list[dict[str, Any]] = job.spec.get("members") or []
    top = members[0] if job.type == "single" and members else {}
    policy: dict[str, Any] = {"queue": job.queue}
    if job.priority:
        policy["priority"] = job.priority
    view: dict[str, Any] = {
        "id": job.id,
        "name": job.name,
        "labels": _or_null(job.labels),
        "annotations": _or_null(job.annotations),
        "schedulingPolicy": policy,
    }
    if job.user_name:
        view["UserName"] = job.user_name
    view |= {
        "flavour": flavour_view(top.get("flavour")),
        "limitFlavour": flavour_view(top.get("limitFlavour")),
        "fs": fs_view(top.get("fs"), job.user_name),
        "extraFS": [fs_view(fs, job.user_name) for fs in top["extraFS"]]
        if top.get("extraFS")
        else None,
        "image": top.get("image", ""),
        "env": _or_null(top.get("env")),
        "command": top.get("command", ""),
        "args": _or_null(top.get("args")),
        "port": top.get("port", 0),
        "extensionTemplate": None,
    }
    if job.framework:
        view["framework"] = job.framework
    if members:
        view["members"] = [_member_view(job, member) for member in members]
    return view


def status_view(
    status: str,
    message: str,
    *,
    accepted_at: float,
    updated_at: float,
    activated_at: float | None,
    finished_at: float | None,
) -> dict[str, Any]:
    """The keys of the job object that follow its definition: ``status``, ``message`` and the
    times (a final job without a finish time shows its last update)."""
    finished = ""
    if statuses.is_final(status):
        finished = format_time(finished_at if finished_at is not None else updated_at)
    return {
        "status": status,
        "message": message,
        "acceptTime": format_time(accepted_at),
        "startTime": format_time(activated_at),
        "finishTime": finished,
    }
