"""Desired and live jobs for the planner's and the renderers' tests, as plain data.

Live jobs are built as the server's job objects (PADDLEFLOW_API.md §5.2), which a test may then
change, and enter the planner through ``listed``: ``LiveJob.from_wire``, as at the client boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pfctl.apply.model import DesiredJob, LiveJob, SourceLocation
from pfctl.apply.planner import create_body


def listed(*jobs: Mapping[str, Any]) -> list[LiveJob]:
    """The live jobs of these job objects, as ``read_live_jobs`` makes them from a listing."""
    return [LiveJob.from_wire(job) for job in jobs]


def created_job(job_type: str, body: Mapping[str, Any], status: str = "init") -> dict[str, Any]:
    """The live job a server returns after creating ``body``."""
    policy = dict(body.get("schedulingPolicy") or {})
    return {
        "id": body["id"],
        "name": body.get("name", ""),
        "labels": dict(body.get("labels") or {}),
        "annotations": dict(body.get("annotations") or {}),
        "schedulingPolicy": {
            "queue": policy.get("queue", "default-queue"),
            "priority": str(policy.get("priority") or "NORMAL").upper(),
        },
        "image": body.get("image", "") if job_type == "single" else "",
        "framework": "standalone" if job_type == "single" else body.get("framework", "paddle"),
        "status": status,
    }


def desired(
    job_id: str,
    *,
    image: str = "python:3.11",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    priority: str | None = None,
    stopped: bool = False,
    env: dict[str, str] | None = None,
) -> DesiredJob:
    """A single job of ``jobs.yaml``."""
    body: dict[str, Any] = {"id": job_id, "image": image, "command": "echo hi"}
    if labels:
        body["labels"] = labels
    if annotations:
        body["annotations"] = annotations
    if priority:
        body["schedulingPolicy"] = {"priority": priority}
    if env:
        body["env"] = env
    return DesiredJob(job_id, "single", body, stopped, SourceLocation("jobs.yaml", 1, 1))


def applied(job: DesiredJob, status: str = "init", apply_set: str | None = None) -> dict[str, Any]:
    """The live job after pfctl created ``job``."""
    return created_job(job.type, create_body(job, apply_set), status)
