"""Job bodies and manifests for the tests: one builder per shape, fresh ids.

- ``single_body(command, **extra)``: an API create body of a single job (python:3.11, flavour1,
  the default queue); ``fresh_single(**overrides)`` adds a fresh id and a name first.
- ``single_manifest(job_id, **fields)`` and ``write_manifests(path, documents)``: what
  ``pfctl apply`` reads.
- ``stored_job(job_id)``: a row for ``Store.create_job(s)``, bypassing the API.
- ``SINGLE_EXAMPLE``, ``PADDLE_PS_EXAMPLE``, ``WORKFLOW``: documents shaped like PaddleFlow's own.

Every call builds new dicts, so a test may change what it got.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pfctl.server.store.jobrecords import NewJob

# Shaped like PaddleFlow's own example/job/single_job/single_job.json: empty id, {} and [] values,
# the docs' old `fileSystem`/`extraFileSystems` keys, port 0 and an empty extensionTemplate.
SINGLE_EXAMPLE = {
    "id": "",
    "name": "example-single",
    "labels": {},
    "annotations": {},
    "schedulingPolicy": {"queue": "default-queue"},
    "flavour": {"cpu": "", "mem": "", "name": "flavour1"},
    "fileSystem": {},
    "extraFileSystems": [],
    "image": "python:3.11",
    "env": [],
    "command": "sleep 40",
    "args": [],
    "port": 0,
    "extensionTemplate": {},
}

# Shaped like example/job/distributed_job/paddle_ps/paddle_ps_job.json: null labels, pworker role,
# members with their own schedulingPolicy and null values.
PADDLE_PS_EXAMPLE = {
    "id": "",
    "name": "",
    "labels": None,
    "annotations": None,
    "framework": "paddle",
    "schedulingPolicy": {"queue": "default-queue", "priority": "NORMAL"},
    "members": [
        {
            "role": "pserver",
            "replicas": 1,
            "labels": {},
            "annotations": {},
            "schedulingPolicy": {"queue": "default-queue"},
            "flavour": {"cpu": "", "mem": "", "name": "flavour1"},
            "fileSystem": {},
            "extraFileSystems": None,
            "image": "paddle:2.0",
            "env": None,
            "command": "sleep 30",
            "args": None,
            "port": 0,
            "extensionTemplate": {},
        },
        {
            "role": "pworker",
            "replicas": 1,
            "flavour": {"cpu": "", "mem": "", "name": "flavour1"},
            "image": "paddle:2.0",
            "env": None,
            "command": "sleep 20",
        },
    ],
}

#: The smallest Argo Workflow the local server runs: one container that ends at once.
WORKFLOW = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "spec": {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "busybox", "command": ["true"]}}],
    },
}


def unique_id(prefix: str = "t") -> str:
    """A fresh job id (DNS-1123, short): ``PREFIX-`` and 12 hex digits."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def single_body(command: str, **extra: Any) -> dict[str, Any]:
    """A single-job create body on the default queue with flavour1; ``extra`` fields replace
    these in place or follow them."""
    return {
        "image": "python:3.11",
        "command": command,
        "flavour": {"name": "flavour1"},
        "schedulingPolicy": {"queue": "default-queue"},
        **extra,
    }


def fresh_single(
    command: str = "echo hello", *, name: str = "train", id_prefix: str = "job", **overrides: Any
) -> dict[str, Any]:
    """``single_body(command)`` with a fresh id and ``name`` first, then ``overrides``."""
    return {"id": unique_id(id_prefix), "name": name, **single_body(command), **overrides}


def single_manifest(job_id: str, **fields: Any) -> dict[str, Any]:
    """A single-job manifest; its command ends at once (an executor runs it), so the job does not
    hold queue room on a shared server."""
    return {"type": "single", "id": job_id, "image": "python:3.11", "command": "true", **fields}


def write_manifests(path: Path, documents: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``documents`` as one multi-document file, each document one line of JSON."""
    path.write_text("\n---\n".join(json.dumps(document) for document in documents))
    return path


def stored_job(job_id: str, user: str = "root", labels: dict[str, str] | None = None) -> NewJob:
    """A single job as the store keeps it, for ``Store.create_job(s)``."""
    from pfctl.server.store.jobrecords import NewJob

    member = {
        "role": "worker",
        "replicas": 1,
        "image": "busybox",
        "flavour": {"name": "flavour1", "cpu": "1", "mem": "1Gi"},
    }
    return NewJob(
        id=job_id,
        name="bulk",
        type="single",
        framework="standalone",
        user_name=user,
        queue="default-queue",
        priority="NORMAL",
        labels=labels or {},
        annotations={},
        spec={"image": "busybox", "members": [member]},
    )
