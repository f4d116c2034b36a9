"""Job requests shaped like each file of PaddleFlow's ``example/job`` (written here from the job
API docs, with values of our own), the body pfctl sends for each, and the body PaddleFlow's
Python SDK sends (read off ``client/paddleflow/job/job_api.py``: ``convert_to_job_spec_body``).

The shapes are what those files exercise: an empty ``id``, ``{}``/``[]``/``null`` values, ``""``
cpu and mem beside a flavour name, ``port: 0``, an empty ``extensionTemplate``, a member with its
own queue, the ``pworker`` role, and the spark file's top-level ``image`` (which PaddleFlow's
CreateDisJobRequest ignores) and SparkApplication template.
"""

from __future__ import annotations

import copy
from typing import Any

_NAMED_FLAVOUR = {"cpu": "", "mem": "", "name": "flavour1"}


def _member(role: str, replicas: int, command: str, **extra: Any) -> dict[str, Any]:
    return {
        "role": role,
        "replicas": replicas,
        "labels": {},
        "annotations": {},
        "flavour": dict(_NAMED_FLAVOUR),
        "fs": {},
        "extraFS": None,
        "image": "busybox",
        "env": None,
        "command": command,
        "args": None,
        "port": 0,
        "extensionTemplate": {},
        **extra,
    }


SINGLE = {
    "id": "",
    "name": "sample-single",
    "labels": {},
    "annotations": {},
    "schedulingPolicy": {"queue": "default-queue"},
    "flavour": dict(_NAMED_FLAVOUR),
    "fs": {},
    "extraFS": [],
    "image": "busybox",
    "env": [],
    "command": "echo single",
    "args": [],
    "port": 0,
    "extensionTemplate": {},
}

_DISTRIBUTED_TOP = {
    "id": "",
    "name": "",
    "labels": None,
    "annotations": None,
    "framework": "paddle",
    "schedulingPolicy": {"queue": "default-queue", "priority": "NORMAL"},
}

PADDLE_COLLECTIVE = {**_DISTRIBUTED_TOP, "members": [_member("worker", 2, "echo collective")]}

PADDLE_PS = {
    **_DISTRIBUTED_TOP,
    "members": [
        _member("pserver", 1, "echo pserver", schedulingPolicy={"queue": "default-queue"}),
        _member("pworker", 1, "echo pworker", schedulingPolicy={"queue": "default-queue"}),
    ],
}

SPARK_TEMPLATE = {
    "apiVersion": "sparkoperator.k8s.io/v1beta2",
    "kind": "SparkApplication",
    "metadata": {"name": "sample-spark", "namespace": "default"},
    "spec": {
        "type": "Python",
        "mode": "cluster",
        "image": "spark:3.4",
        "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
        "sparkVersion": "3.4.0",
        "driver": {"cores": 1, "memory": "512m"},
        "executor": {"cores": 1, "instances": 1, "memory": "512m"},
    },
}

SPARK = {
    **_DISTRIBUTED_TOP,
    "framework": "spark",
    "image": "spark:3.4",
    "members": [
        {
            **_member("driver", 1, "echo driver"),
            "image": "spark:3.4",
            "env": {"PF_JOB_SPARK_MAIN_FILE": "local:///opt/spark/pi.py"},
        },
        {**_member("executor", 1, "echo executor"), "image": "spark:3.4"},
    ],
    "extensionTemplate": SPARK_TEMPLATE,
}

#: (name, job type, request) for each file of PaddleFlow's example/job.
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("single_job", "single", SINGLE),
    ("paddle_collective", "distributed", PADDLE_COLLECTIVE),
    ("paddle_ps", "distributed", PADDLE_PS),
    ("spark", "distributed", SPARK),
]

_POLICY = {"queue": "default-queue", "priority": "NORMAL"}


def _sent_member(role: str, replicas: int, command: str, **extra: Any) -> dict[str, Any]:
    return {
        "role": role,
        "replicas": replicas,
        "flavour": {"name": "flavour1"},
        "image": "busybox",
        "command": command,
        **extra,
    }


#: The exact body pfctl sends for each request (``pfctl job create``; ``pfctl apply`` adds the
#: manifest's id and pfctl's own labels and annotations).
PFCTL_BODIES: dict[str, dict[str, Any]] = {
    "single_job": {
        "name": "sample-single",
        "schedulingPolicy": {"queue": "default-queue"},
        "flavour": {"name": "flavour1"},
        "image": "busybox",
        "command": "echo single",
    },
    "paddle_collective": {
        "framework": "paddle",
        "schedulingPolicy": _POLICY,
        "members": [_sent_member("worker", 2, "echo collective")],
    },
    "paddle_ps": {
        "framework": "paddle",
        "schedulingPolicy": _POLICY,
        "members": [
            _sent_member("pserver", 1, "echo pserver", schedulingPolicy={"queue": "default-queue"}),
            _sent_member("pworker", 1, "echo pworker", schedulingPolicy={"queue": "default-queue"}),
        ],
    },
    "spark": {
        "framework": "spark",
        "schedulingPolicy": _POLICY,
        "image": "spark:3.4",
        "members": [
            _sent_member(
                "driver",
                1,
                "echo driver",
                image="spark:3.4",
                env={"PF_JOB_SPARK_MAIN_FILE": "local:///opt/spark/pi.py"},
            ),
            _sent_member("executor", 1, "echo executor", image="spark:3.4"),
        ],
        "extensionTemplate": SPARK_TEMPLATE,
    },
}


def sdk_body(name: str) -> dict[str, Any]:
    """The body PaddleFlow's SDK sends for request ``name``: pfctl's, plus the zero values the SDK
    keeps (``""`` cpu and mem copied from the flavour as written; ``{"queue": null}`` for a
    member that names no queue). PaddleFlow decodes both bodies the same way."""
    body = copy.deepcopy(PFCTL_BODIES[name])
    parts = [body] if name == "single_job" else body["members"]
    for part in parts:
        part["flavour"] = dict(_NAMED_FLAVOUR)
        part.setdefault("schedulingPolicy", {"queue": None})
    return body
