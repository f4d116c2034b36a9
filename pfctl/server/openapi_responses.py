"""The success-response schemas of the OpenAPI document (PADDLEFLOW_API.md §5, §10).

``RESPONSE_SCHEMAS`` maps ``(METHOD, path)`` to the schema of the 200 body (a ``$ref`` into
``components/schemas``); ``COMPONENTS`` holds the schemas they refer to. Routes answering with an
empty 200 body (stop, modify, delete) are listed in ``EMPTY_RESPONSES``. The schemas are strict
about the keys PaddleFlow always sends and their types, and allow no unknown key in the job
object, so the API fuzzer notices a response that drifts from the wire contract.
"""

from __future__ import annotations

from typing import Any

from pfctl.spec import statuses

_P = "/api/paddleflow/v1"

_STRING: dict[str, Any] = {"type": "string"}
_STRING_MAP: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "string"}}
_NULLABLE_STRING_MAP: dict[str, Any] = {"type": ["object", "null"], "additionalProperties": _STRING}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
    }


def _list_envelope(list_key: str, item: dict[str, Any]) -> dict[str, Any]:
    return _object(
        {
            "maxKeys": {"type": "integer", "minimum": 1, "maximum": 1000},
            "isTruncated": {"type": "boolean"},
            list_key: {"type": "array", "items": item},
        },
        {"nextMarker": {"type": "string", "minLength": 1}},
    )


_FLAVOUR_VIEW = _object(
    {"cpu": _STRING, "mem": _STRING, "name": _STRING}, {"scalarResources": _STRING_MAP}
)
_FS_VIEW = _object(
    {"name": _STRING, "type": _STRING},
    {
        "id": _STRING,
        "hostPath": _STRING,
        "mountPath": _STRING,
        "subPath": _STRING,
        "readOnly": {"type": "boolean"},
    },
)
_RUNTIME_INFO: dict[str, Any] = {"type": "object"}
_MEMBER_VIEW = _object(
    {
        "id": _STRING,
        "replicas": {"type": "integer"},
        "role": _STRING,
        "name": _STRING,
        "fs": _ref("JobFileSystemView"),
        "flavour": _ref("JobFlavourView"),
        "limitFlavour": _ref("JobFlavourView"),
        "priority": _STRING,
        "clusterID": _STRING,
        "queueID": _STRING,
        "kindGroupVersion": _object({"kind": _STRING, "group": _STRING, "apiVersion": _STRING}),
        "labels": _NULLABLE_STRING_MAP,
        "annotations": _NULLABLE_STRING_MAP,
        "image": _STRING,
    },
    {
        "queueName": _STRING,
        "extraFS": {"type": "array", "items": _ref("JobFileSystemView")},
        "env": _STRING_MAP,
        "command": _STRING,
        "port": {"type": "integer"},
        "args": {"type": "array", "items": _STRING},
    },
)
_JOB_OBJECT = _object(
    {
        "id": _STRING,
        "name": _STRING,
        "labels": _NULLABLE_STRING_MAP,
        "annotations": _NULLABLE_STRING_MAP,
        "schedulingPolicy": _object({"queue": _STRING}, {"priority": _STRING}),
        "flavour": _ref("JobFlavourView"),
        "limitFlavour": _ref("JobFlavourView"),
        "fs": _ref("JobFileSystemView"),
        "extraFS": {"type": ["array", "null"], "items": _ref("JobFileSystemView")},
        "image": _STRING,
        "env": _NULLABLE_STRING_MAP,
        "command": _STRING,
        "args": {"type": ["array", "null"], "items": _STRING},
        "port": {"type": "integer"},
        "extensionTemplate": {"type": "null"},
        "status": {"enum": list(statuses.ALL_STATUSES)},
        "message": _STRING,
        "acceptTime": _STRING,
        "startTime": _STRING,
        "finishTime": _STRING,
    },
    {
        "UserName": _STRING,
        "framework": _STRING,
        "members": {"type": "array", "items": _ref("JobMemberView")},
        "runtime": _RUNTIME_INFO,
        "distributedRuntime": _RUNTIME_INFO,
        "workflowRuntime": _RUNTIME_INFO,
    },
)
_RESOURCES = _object({"cpu": _STRING, "memory": _STRING}, {"scalarResources": _STRING_MAP})
_QUEUE_OBJECT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": _STRING,
        "name": _STRING,
        "status": _STRING,
        "maxResources": _RESOURCES,
        "minResources": _RESOURCES,
        "usedResources": _RESOURCES,
        "idleResources": _RESOURCES,
    },
    "required": ["id", "name", "status", "maxResources", "usedResources", "idleResources"],
}
_FLAVOUR_OBJECT = _object(
    {
        "id": _STRING,
        "name": _STRING,
        "cpu": _STRING,
        "mem": _STRING,
        "scalarResources": {"type": ["object", "null"], "additionalProperties": _STRING},
        "createTime": _STRING,
        "updateTime": _STRING,
    }
)
_USER_OBJECT = _object({"createTime": _STRING, "name": _STRING})
_GRANT_OBJECT = _object(
    {
        "grantID": _STRING,
        "userName": _STRING,
        "resourceType": {"enum": ["queue", "user", "fs"]},
        "resourceID": _STRING,
        "createTime": _STRING,
        "updateTime": _STRING,
    }
)

_JOB_EVENT = _object(
    {
        "seq": {"type": "integer", "minimum": 1},
        "time": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"},
        "kind": {"type": "string"},
        "message": _STRING,
    },
    {
        "member": _STRING,
        "replica": {"type": "integer"},
        "pid": {"type": "integer"},
        "workDir": _STRING,
        "exitCode": {"type": "integer"},
        "signal": _STRING,
        "lastLogLine": _STRING,
        "by": _STRING,
        "reason": {"enum": ["capacity", "priority", "reservation"]},
        "detail": {"type": "object"},
    },
)

COMPONENTS: dict[str, Any] = {
    "JobEvent": _JOB_EVENT,
    "JobObject": _JOB_OBJECT,
    "JobMemberView": _MEMBER_VIEW,
    "JobFlavourView": _FLAVOUR_VIEW,
    "JobFileSystemView": _FS_VIEW,
    "Queue": _QUEUE_OBJECT,
    "FlavourObject": _FLAVOUR_OBJECT,
    "User": _USER_OBJECT,
    "Grant": _GRANT_OBJECT,
}

_CREATED_JOB = _object({"id": {"type": "string", "minLength": 1}})
RESPONSE_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", f"{_P}/login"): _object({"authorization": {"type": "string", "minLength": 1}}),
    ("GET", f"{_P}/version"): {
        "type": "array",
        "items": {"type": "string", "pattern": "^[A-Za-z]+: "},
        "minItems": 1,
    },
    ("POST", f"{_P}/job/single"): _CREATED_JOB,
    ("POST", f"{_P}/job/distributed"): _CREATED_JOB,
    ("POST", f"{_P}/job/workflow"): _CREATED_JOB,
    ("GET", f"{_P}/job/{{jobID}}"): _ref("JobObject"),
    ("GET", f"{_P}/job"): _list_envelope("jobList", _ref("JobObject")),
    ("POST", f"{_P}/queue"): _object({"name": _STRING}),
    ("GET", f"{_P}/queue"): _list_envelope("queueList", _ref("Queue")),
    ("GET", f"{_P}/queue/{{queueName}}"): _ref("Queue"),
    ("PUT", f"{_P}/queue/{{queueName}}"): _ref("Queue"),
    ("POST", f"{_P}/flavour"): _object({"name": _STRING}),
    ("GET", f"{_P}/flavour"): _list_envelope("flavourList", _ref("FlavourObject")),
    ("GET", f"{_P}/flavour/{{flavourName}}"): _ref("FlavourObject"),
    ("PUT", f"{_P}/flavour/{{flavourName}}"): _ref("FlavourObject"),
    ("POST", f"{_P}/user"): _object({"username": _STRING}),
    ("GET", f"{_P}/user"): {"oneOf": [_list_envelope("userList", _ref("User")), _ref("User")]},
    ("POST", f"{_P}/grant"): _object({"grantID": {"type": "string", "minLength": 1}}),
    ("GET", f"{_P}/grant"): _list_envelope("grantList", _ref("Grant")),
    ("GET", f"{_P}/log/job"): {"type": "object"},
    ("GET", "/api/pfctl/v1/job/{jobID}/events"): _object(
        {
            "jobID": _STRING,
            "events": {"type": "array", "items": _ref("JobEvent")},
            "dropped": {"type": "integer", "minimum": 0},
            "lastSeq": {"type": "integer", "minimum": 0},
        }
    ),
}
EMPTY_RESPONSES = {
    ("PUT", f"{_P}/job/{{jobID}}"),
    ("DELETE", f"{_P}/job/{{jobID}}"),
    ("DELETE", f"{_P}/queue/{{queueName}}"),
    ("DELETE", f"{_P}/flavour/{{flavourName}}"),
    ("PUT", f"{_P}/user/{{username}}"),
    ("DELETE", f"{_P}/user/{{username}}"),
    ("DELETE", f"{_P}/grant"),
}


def _links(parameter: str, pointer: str, *operation_ids: str) -> dict[str, Any]:
    return {
        operation_id: {"operationId": operation_id, "parameters": {parameter: pointer}}
        for operation_id in operation_ids
    }


_JOB_LINKS = {
    **_links("jobID", "$response.body#/id", "get_show_job", "put_put_job", "delete_delete_job"),
    **_links("query.jobID", "$response.body#/id", "get_get_job_log"),
}
#: OpenAPI links from a create to the operations on what it created (stateful fuzzing follows them).
LINKS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", f"{_P}/job/single"): _JOB_LINKS,
    ("POST", f"{_P}/job/distributed"): _JOB_LINKS,
    ("POST", f"{_P}/job/workflow"): _JOB_LINKS,
    ("POST", f"{_P}/queue"): _links(
        "queueName",
        "$response.body#/name",
        "get_show_queue",
        "put_update_queue",
        "delete_delete_queue",
    ),
    ("POST", f"{_P}/flavour"): _links(
        "flavourName",
        "$response.body#/name",
        "get_show_flavour",
        "put_update_flavour",
        "delete_delete_flavour",
    ),
    ("POST", f"{_P}/user"): _links(
        "username", "$response.body#/username", "put_update_user", "delete_delete_user"
    ),
}
