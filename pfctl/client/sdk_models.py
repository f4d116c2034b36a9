"""The value classes of the PaddleFlow Python SDK's job API: ``JobRequest``, ``Member``,
``JobInfo``, ``Flavour`` and ``FileSystem``, with the SDK's attribute names.

They are plain dataclasses that convert to and from PaddleFlow's wire (camelCase) job objects;
:class:`pfctl.client.sdk.Client` sends and returns them. Importing them imports no HTTP library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FileSystem", "Flavour", "JobInfo", "JobRequest", "Member"]


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
