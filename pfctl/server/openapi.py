"""The server's OpenAPI 3.1 document, built from the route table and the ``schemas/`` files.

Served at ``GET /api/pfctl/v1/openapi.json`` and kept in ``docs/openapi.json``; regenerate the
file with ``python -m pfctl.server.openapi docs/openapi.json`` (a test fails when it is stale).
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

_REQUEST_SCHEMAS = {
    ("POST", "/api/paddleflow/v1/job/single"): "single-job",
    ("POST", "/api/paddleflow/v1/job/distributed"): "distributed-job",
    ("POST", "/api/paddleflow/v1/job/workflow"): "workflow-job",
    ("PUT", "/api/paddleflow/v1/job/{jobID}"): "update-job",
}
_QUERY_PARAMETERS = {
    ("GET", "/api/paddleflow/v1/job"): (
        "status",
        "timestamp",
        "startTime",
        "queue",
        "labels",
        "marker",
        "maxKeys",
    ),
    ("PUT", "/api/paddleflow/v1/job/{jobID}"): ("action",),
    ("GET", "/api/paddleflow/v1/queue"): ("marker", "maxKeys", "name"),
    ("GET", "/api/paddleflow/v1/flavour"): ("marker", "maxKeys", "name", "clusterName"),
    ("GET", "/api/paddleflow/v1/user"): ("marker", "maxKeys", "user"),
    ("GET", "/api/paddleflow/v1/grant"): ("marker", "maxKeys", "username"),
    ("DELETE", "/api/paddleflow/v1/grant"): ("username", "resourceType", "resourceID"),
    ("GET", "/api/pfctl/v1/job/{jobID}/events"): ("after",),
    ("GET", "/api/paddleflow/v1/log/job"): (
        "jobID",
        "lineLimit",
        "sizeLimit",
        "readFromTail",
        "clusterName",
        "role",
        "index",
        "node",
        "offset",
    ),
}
#: Query parameters an operation refuses to go without (PaddleFlow's ``getPFJobLogs`` parses
#: ``lineLimit`` unconditionally and compares ``clusterName`` with the job's queue's cluster).
_REQUIRED_QUERY = {
    ("GET", "/api/paddleflow/v1/log/job"): ("jobID", "lineLimit", "clusterName"),
}
_PUBLIC = {("POST", "/api/paddleflow/v1/login"), ("GET", "/api/pfctl/v1/openapi.json")}
_ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: PaddleFlow's code, its message, and the request id.",
    "properties": {
        "requestID": {"type": "string"},
        "code": {"type": "string"},
        "message": {"type": "string"},
    },
    "required": ["requestID", "code", "message"],
    "additionalProperties": False,
}


def _schema_key(name: str) -> str:
    return re.sub(r"(?:^|-)(\w)", lambda m: m.group(1).upper(), name)


def _operation(method: str, path: str, handler: Any) -> dict[str, Any]:
    doc = inspect.getdoc(handler) or ""
    summary, _, description = doc.partition("\n\n")
    operation: dict[str, Any] = {
        "operationId": f"{method.lower()}_{handler.__name__}",
        "summary": " ".join(summary.split()),
    }
    if description:
        operation["description"] = description
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", path)
    ]
    params += [
        {
            "name": name,
            "in": "query",
            "required": name in _REQUIRED_QUERY.get((method, path), ()),
            "schema": {"type": "string"},
        }
        for name in _QUERY_PARAMETERS.get((method, path), ())
    ]
    if params:
        operation["parameters"] = params
    schema_name = _REQUEST_SCHEMAS.get((method, path))
    if schema_name is not None:
        ref = {"$ref": f"#/components/schemas/{_schema_key(schema_name)}"}
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref}},
        }
    elif method in ("POST", "PUT"):
        body = {"type": "object"}
        operation["requestBody"] = {"content": {"application/json": {"schema": body}}}
    if (method, path) not in _PUBLIC:
        operation["security"] = [{"pfToken": []}]
    error = {
        "description": "PaddleFlow error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    operation["responses"] = {"200": _success(method, path), "default": error}
    return operation


def _success(method: str, path: str) -> dict[str, Any]:
    from pfctl.server.openapi_responses import EMPTY_RESPONSES, LINKS, RESPONSE_SCHEMAS

    if (method, path) in EMPTY_RESPONSES:
        return {"description": "Success: an empty body"}
    schema = RESPONSE_SCHEMAS.get((method, path), {"type": "object"})
    success = {"description": "Success", "content": {"application/json": {"schema": schema}}}
    if (method, path) in LINKS:
        success["links"] = LINKS[(method, path)]
    return success


_FILE_REF = re.compile(r"^([\w-]+)\.schema\.json(#.*)?$")


def _component_refs(schema: Any, own_key: str) -> Any:
    """``schema`` with its ``$id`` dropped and every ``$ref`` pointing into
    ``#/components/schemas``, so the document resolves without the schemas' own base URIs
    (``x.schema.json#/$defs/y`` -> ``#/components/schemas/X/$defs/y``; ``#/$defs/y`` -> the
    same inside this schema)."""
    if isinstance(schema, list):
        return [_component_refs(item, own_key) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$id":
            continue
        if key == "$ref" and isinstance(value, str):
            result[key] = _component_ref(value, own_key)
        else:
            result[key] = _component_refs(value, own_key)
    return result


def _component_ref(ref: str, own_key: str) -> str:
    if ref.startswith("#"):
        return f"#/components/schemas/{own_key}{ref[1:]}"
    match = _FILE_REF.match(ref)
    if match is None:
        return ref
    return f"#/components/schemas/{_schema_key(match.group(1))}{(match.group(2) or '#')[1:]}"


def build_openapi() -> dict[str, Any]:
    """The OpenAPI document of every route the server serves."""
    from starlette.routing import Route

    from pfctl.server.routes import all_routes
    from pfctl.spec.schemas import REQUEST_SCHEMA_NAMES, load_schema

    paths: dict[str, dict[str, Any]] = {}
    for route in all_routes():
        if not isinstance(route, Route) or not route.include_in_schema:
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            handler = route.endpoint
            paths.setdefault(route.path, {})[method.lower()] = _operation(
                method, route.path, handler
            )
    from pfctl.server.openapi_responses import COMPONENTS

    schemas: dict[str, Any] = {}
    for name in REQUEST_SCHEMA_NAMES:
        key = _schema_key(name)
        schemas[key] = _component_refs(load_schema(name), key)
    schemas.update(COMPONENTS)
    schemas["Error"] = _ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pfctl local PaddleFlow server",
            "version": "v1",
            "description": "The PaddleFlow v1 job, queue, flavour and user API as served by "
            "`pfctl server`, plus pfctl's own routes under /api/pfctl/v1.",
        },
        "servers": [{"url": "http://127.0.0.1:8999"}],
        "paths": paths,
        "x-websockets": _websockets(),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "pfToken": {"type": "apiKey", "in": "header", "name": "x-pf-authorization"}
            },
        },
    }


def _websockets() -> dict[str, Any]:
    """The websocket routes, which OpenAPI cannot describe as operations: path, summary."""
    from starlette.routing import WebSocketRoute

    from pfctl.server.routes import all_routes

    found: dict[str, Any] = {}
    for route in all_routes():
        if isinstance(route, WebSocketRoute):
            doc = inspect.getdoc(route.endpoint) or ""
            summary, _, description = doc.partition("\n\n")
            found[route.path] = {
                "summary": " ".join(summary.split()),
                "description": description or " ".join(summary.split()),
                "security": [{"pfToken": []}],
            }
    return found


def render_openapi() -> str:
    """The document as the text kept in ``docs/openapi.json``."""
    return json.dumps(build_openapi(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(render_openapi(), encoding="utf-8")
