"""The value classes of the PaddleFlow Python SDK, with the SDK's attribute names: the job API's
``JobRequest``, ``Member``, ``JobInfo``, ``Flavour`` and ``FileSystem``, and the info records
``QueueInfo``, ``GrantInfo``, ``FlavourInfo``, ``UserInfo``, ``LogInfoByLimit`` and
``VersionInfo`` (constructor parameters in the SDK's order).

They are plain dataclasses that convert to and from PaddleFlow's wire (camelCase) objects;
:class:`pfctl.client.sdk.Client` sends and returns them. Importing them imports no HTTP library.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FileSystem",
    "Flavour",
    "FlavourInfo",
    "GrantInfo",
    "JobInfo",
    "JobRequest",
    "LogInfoByLimit",
    "Member",
    "QueueInfo",
    "UserInfo",
    "VersionInfo",
]


@dataclass
class Member:
    """One member (role) of a distributed job, as the SDK's ``Member``."""

    role: str
    replicas: int
    job_id: str | None = None
    job_name: str | None = None
    queue: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    priority: str | None = None
    flavour: dict[str, Any] | None = None
    fs: dict[str, Any] | None = None
    extra_fs_list: list[dict[str, Any]] | None = None
    image: str | None = None
    env: dict[str, str] | None = None
    command: str | None = None
    args_list: list[str] | None = None
    port: int | None = None
    extension_template: dict[str, Any] | None = None

    def to_document(self) -> dict[str, Any]:
        """The member in the wire (camelCase) shape."""
        document = _spec_document(self)
        document.update(role=self.role, replicas=self.replicas)
        return document


@dataclass
class JobRequest:
    """A job to create, with the SDK's ``JobRequest`` attributes."""

    queue: str | None
    image: str | None = None
    job_id: str | None = None
    job_name: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    priority: str | None = None
    flavour: dict[str, Any] | None = None
    fs: dict[str, Any] | None = None
    extra_fs_list: list[dict[str, Any]] | None = None
    env: dict[str, str] | None = None
    command: str | None = None
    args_list: list[str] | None = None
    port: int | None = None
    extension_template: dict[str, Any] | None = None
    framework: str | None = None
    member_list: list[Any] | None = None

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> JobRequest:
        """Read a wire-shaped job dict (the keys ``paddleflow job create`` reads from its file)."""
        policy = document.get("schedulingPolicy") or {}
        return cls(
            queue=policy.get("queue"),
            image=document.get("image"),
            job_id=document.get("id"),
            job_name=document.get("name"),
            labels=document.get("labels"),
            annotations=document.get("annotations"),
            priority=policy.get("priority"),
            flavour=document.get("flavour"),
            fs=document.get("fs"),
            extra_fs_list=document.get("extraFS"),
            env=document.get("env"),
            command=document.get("command"),
            args_list=document.get("args"),
            port=document.get("port"),
            extension_template=document.get("extensionTemplate"),
            framework=document.get("framework"),
            member_list=document.get("members"),
        )

    def to_document(self) -> dict[str, Any]:
        """The request in the wire (camelCase) shape, before unset values are dropped."""
        document = _spec_document(self)
        document["framework"] = self.framework
        members = self.member_list or []
        document["members"] = [m.to_document() if isinstance(m, Member) else m for m in members]
        return document


def _spec_document(spec: JobRequest | Member) -> dict[str, Any]:
    return {
        "id": spec.job_id,
        "name": spec.job_name,
        "labels": spec.labels,
        "annotations": spec.annotations,
        "schedulingPolicy": {"queue": spec.queue, "priority": spec.priority},
        "flavour": spec.flavour,
        "fs": spec.fs,
        "extraFS": spec.extra_fs_list,
        "image": spec.image,
        "env": spec.env,
        "command": spec.command,
        "args": spec.args_list,
        "port": spec.port,
        "extensionTemplate": spec.extension_template,
    }


@dataclass
class JobInfo:
    """A job as ``show_job``/``list_job`` return it, with the SDK's ``JobInfo`` attributes."""

    job_id: str
    job_name: str
    labels: dict[str, str] | None
    annotations: dict[str, str] | None
    username: str | None
    queue: str | None
    priority: str | None
    flavour: dict[str, Any] | None
    fs: dict[str, Any] | None
    extra_fs_list: list[dict[str, Any]] | None
    image: str | None
    env: dict[str, str] | None
    command: str | None
    args_list: list[str] | None
    port: int | None
    extension_template: dict[str, Any] | None
    framework: str | None
    member_list: list[dict[str, Any]] | None
    status: str
    message: str
    accept_time: str
    start_time: str
    finish_time: str
    runtime: dict[str, Any] | None
    distributed_runtime: dict[str, Any] | None
    workflow_runtime: dict[str, Any] | None

    @classmethod
    def from_wire(cls, job: Mapping[str, Any], *, with_runtime: bool = True) -> JobInfo:
        """Build from a wire job object (PADDLEFLOW_API.md §5.2)."""
        policy = job.get("schedulingPolicy") or {}
        return cls(
            job_id=job.get("id", ""),
            job_name=job.get("name", ""),
            labels=job.get("labels"),
            annotations=job.get("annotations"),
            username=job.get("UserName") or job.get("userName"),
            queue=policy.get("queue"),
            priority=policy.get("priority"),
            flavour=job.get("flavour"),
            fs=job.get("fs"),
            extra_fs_list=job.get("extraFS"),
            image=job.get("image"),
            env=job.get("env"),
            command=job.get("command"),
            args_list=job.get("args"),
            port=job.get("port"),
            extension_template=job.get("extensionTemplate"),
            framework=job.get("framework"),
            member_list=job.get("members"),
            status=job.get("status", ""),
            message=job.get("message", ""),
            accept_time=job.get("acceptTime", ""),
            start_time=job.get("startTime", ""),
            finish_time=job.get("finishTime", ""),
            runtime=job.get("runtime") if with_runtime else None,
            distributed_runtime=job.get("distributedRuntime") if with_runtime else None,
            workflow_runtime=job.get("workflowRuntime") if with_runtime else None,
        )


@dataclass
class Flavour:
    """The SDK's ``Flavour`` record (not used to build requests, as in the SDK)."""

    name: str
    cpu: str
    memory: str
    scalar_resources: dict[str, str] | None


@dataclass
class FileSystem:
    """The SDK's ``FileSystem`` record (not used to build requests, as in the SDK)."""

    name: str
    mount_path: str | None
    sub_path: str | None
    read_only: bool | None


@dataclass
class QueueInfo:
    """A queue as ``show_queue``/``list_queue`` return it (the SDK's camelCase attributes);
    ``list_queue`` leaves ``usedResources``, ``idleResources``, ``location`` and
    ``schedulingPolicy`` None, as the SDK does. The camelCase names are the SDK's."""

    name: str
    status: str
    namespace: str
    clusterName: str
    quotaType: str
    maxResources: dict[str, Any] | None
    minResources: dict[str, Any] | None
    usedResources: dict[str, Any] | None
    idleResources: dict[str, Any] | None
    location: dict[str, str] | None
    schedulingPolicy: list[str] | None
    createTime: str
    updateTime: str

    @classmethod
    def from_wire(cls, queue: Mapping[str, Any], *, detail: bool = True) -> QueueInfo:
        """Build from a wire queue object (``GET /queue/{name}``, or a ``queueList`` entry)."""
        return cls(
            name=queue.get("name", ""),
            status=queue.get("status", ""),
            namespace=queue.get("namespace", ""),
            clusterName=queue.get("clusterName", ""),
            quotaType=queue.get("quotaType", ""),
            maxResources=queue.get("maxResources"),
            minResources=queue.get("minResources"),
            usedResources=queue.get("usedResources") if detail else None,
            idleResources=queue.get("idleResources") if detail else None,
            location=queue.get("location") if detail else None,
            schedulingPolicy=queue.get("schedulingPolicy") if detail else None,
            createTime=queue.get("createTime", ""),
            updateTime=queue.get("updateTime", ""),
        )


@dataclass
class GrantInfo:
    """A queue grant as ``show_queue_grant`` returns it."""

    username: str
    resourceName: str


@dataclass
class FlavourInfo:
    """A flavour as ``show_flavour``/``list_flavour`` return it: ``scalar_resources`` is the
    JSON text of the flavour's scalar resources ("" without any) and ``cluster_name`` is "",
    as in the SDK."""

    name: str
    cpu: str
    mem: str
    scalar_resources: str
    cluster_name: str
    createtime: str
    updatetime: str

    @classmethod
    def from_wire(cls, flavour: Mapping[str, Any]) -> FlavourInfo:
        """Build from a wire flavour object."""
        scalars = flavour.get("scalarResources")
        return cls(
            name=flavour.get("name", ""),
            cpu=flavour.get("cpu", ""),
            mem=flavour.get("mem", ""),
            scalar_resources=json.dumps(scalars) if "scalarResources" in flavour else "",
            cluster_name="",
            createtime=flavour.get("createTime", ""),
            updatetime=flavour.get("updateTime", ""),
        )


@dataclass
class UserInfo:
    """A user as ``list_user`` returns it."""

    name: str
    create_time: str


@dataclass
class LogInfoByLimit:
    """One task's log as ``show_log_by_limit`` returns it in ``logs``."""

    job_id: str = ""
    task_id: str = ""
    name: str = ""
    has_next_page: bool = False
    truncated: bool = False
    line_limit: int = 0
    size_limit: str = ""
    log_content: str = ""


@dataclass
class VersionInfo:
    """The SDK's ``VersionInfo`` record (``get_version`` returns the server's answer as it is,
    as the SDK does)."""

    git_version: str
    git_commit: str
    git_branch: str
    build_date: str
    go_version: str
    compiler: str
    platform: str
