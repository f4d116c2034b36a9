"""Reading a job request body the way PaddleFlow's Go decoder does.

Go's ``encoding/json`` matches struct keys case-insensitively, ignores unknown keys, treats
``null`` as "unset", and fails on a value of the wrong JSON type (``MalformedJSON`` 400 with the
Go error text). ``decode_job_body`` reproduces that: it returns the body with canonical key
spellings and without unknown keys or nulls, and checks the JSON types against the same
``schemas/`` files the client uses. Rule violations are not its business (``JobCreateFailed``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pfctl.server.apierrors import ApiError
from pfctl.server.gojson import go_json_kind
from pfctl.spec.rules import COMMON_KEYS, JOBSPEC_KEYS

_COMMON = (*COMMON_KEYS, "UserName")
_SPEC = JOBSPEC_KEYS
_FIELDS: dict[str, tuple[str, ...]] = {
    "single": (*_COMMON, *_SPEC),
    "distributed": (*_COMMON, "framework", "members", "extensionTemplate"),
    "workflow": (*_COMMON, "framework", "members", "extensionTemplate"),
    "member": (*_COMMON, *_SPEC, "role", "replicas"),
    "schedulingPolicy": ("queue", "priority"),
    "flavour": ("name", "cpu", "mem", "scalarResources"),
    "fs": ("id", "name", "type", "hostPath", "mountPath", "subPath", "readOnly"),
    "update": ("priority", "labels", "annotations"),
}
# Which struct a key's object value decodes into (the rest are maps or scalars).
_NESTED = {
    "schedulingPolicy": "schedulingPolicy",
    "flavour": "flavour",
    "limitFlavour": "flavour",
    "fs": "fs",
}
_STRUCT_NAMES = {
    "single": "CreateSingleJobRequest",
    "distributed": "CreateDisJobRequest",
    "workflow": "CreateWfJobRequest",
    "update": "UpdateJobRequest",
}
_SCHEMAS = {
    "single": "single-job",
    "distributed": "distributed-job",
    "workflow": "workflow-job",
    "update": "update-job",
}
_GO_TYPES = {
    "labels": "map[string]string",
    "annotations": "map[string]string",
    "env": "map[string]string",
    "scalarResources": "map[string]string",
    "extensionTemplate": "map[string]interface {}",
    "args": "[]string",
    "members": "[]job.MemberSpec",
    "extraFS": "[]schema.FileSystem",
    "schedulingPolicy": "job.SchedulingPolicy",
    "flavour": "schema.Flavour",
    "limitFlavour": "schema.Flavour",
    "fs": "schema.FileSystem",
    "port": "int",
    "replicas": "int",
    "readOnly": "bool",
}


def _canonical(value: Any, struct: str) -> Any:
    """Keep only the struct's keys (matched case-insensitively), dropping nulls."""
    if not isinstance(value, Mapping):
        return value
    known = {name.lower(): name for name in _FIELDS[struct]}
    result: dict[str, Any] = {}
    for key, raw in value.items():
        name = known.get(str(key).lower())
        if name is None or raw is None:
            continue
        item = raw
        if name in _NESTED:
            item = _canonical(raw, _NESTED[name])
        elif name == "extraFS" and isinstance(raw, list):
            item = [_canonical(entry, "fs") for entry in raw if entry is not None]
        elif name == "members" and isinstance(raw, list):
            item = [_canonical(entry, "member") for entry in raw if entry is not None]
        elif isinstance(raw, Mapping) and name != "extensionTemplate":
            item = {k: ("" if v is None else v) for k, v in raw.items()}
        result[name] = item
    return result


def decode_job_body(kind: str, body: Any) -> dict[str, Any]:
    """The body of a create (``single``/``distributed``/``workflow``) or ``update`` request,
    decoded with Go's semantics; ``MalformedJSON`` on a wrong JSON type."""
    struct = _STRUCT_NAMES[kind]
    if not isinstance(body, Mapping):
        raise ApiError(
            "MalformedJSON",
            f"json: cannot unmarshal {go_json_kind(body)} into Go value of type job.{struct}",
        )
    decoded: dict[str, Any] = _canonical(body, "member" if kind == "single" else kind)
    if kind == "single":
        decoded.pop("role", None)
        decoded.pop("replicas", None)
    _check_types(kind, struct, decoded)
    _check_numbers(struct, decoded)
    return decoded


#: The range of Go's ``int`` (64 bits), into which ``replicas`` and ``port`` decode.
_GO_INT_RANGE = (-(2**63), 2**63 - 1)
_GO_INT_FIELDS = frozenset({"replicas", "port"})


def _check_numbers(struct: str, body: dict[str, Any]) -> None:
    """Numbers Go's decoder refuses: one beyond a double anywhere (``1e400``, which Python
    reads as infinity, or NaN), and in an ``int`` field one with a fraction or an exponent
    (``1e20``, ``2.0``) or beyond 64 bits."""
    pending: list[tuple[list[str], Any]] = [([], body)]
    while pending:
        fields, value = pending.pop()
        if isinstance(value, Mapping):
            pending.extend(([*fields, str(key)], item) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend((fields, item) for item in value)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        elif isinstance(value, float) and not math.isfinite(value):
            _refuse_number(struct, fields, value, "float64")
        elif fields[-1:] and fields[-1] in _GO_INT_FIELDS and fields[:-1] in ([], ["members"]):
            low, high = _GO_INT_RANGE
            if isinstance(value, float) or not low <= value <= high:
                _refuse_number(struct, fields, value, "int")


def _refuse_number(struct: str, fields: list[str], value: float, go_type: str) -> None:
    # Go names the struct field, or the map field holding the value: extensionTemplate.
    shown = fields[:1] if fields and fields[0] == "extensionTemplate" else fields
    raise ApiError(
        "MalformedJSON",
        f"json: cannot unmarshal number {value!r} into Go struct field "
        f"{struct}.{'.'.join(shown)} of type {go_type}",
    )


def _check_types(kind: str, struct: str, body: dict[str, Any]) -> None:
    from pfctl.server.jobs.typecheck import types_ok
    from pfctl.spec.schemas import validator_for

    if types_ok(_SCHEMAS[kind], body):
        return  # jsonschema would find no type error (its walk costs most of a create)
    validator = validator_for(_SCHEMAS[kind])
    errors = [error for error in validator.iter_errors(body) if error.validator == "type"]
    if not errors:
        return
    error = min(errors, key=lambda e: len(e.absolute_path))
    fields: list[str] = []
    map_value = False
    for part in error.absolute_path:
        if isinstance(part, int):
            continue
        if fields and _GO_TYPES.get(fields[-1], "").startswith("map["):
            map_value = True
            break
        fields.append(str(part))
    go_type = "string" if map_value else _GO_TYPES.get(fields[-1] if fields else "", "string")
    raise ApiError(
        "MalformedJSON",
        f"json: cannot unmarshal {go_json_kind(error.instance)} into Go struct field "
        f"{struct}.{'.'.join(fields)} of type {go_type}",
    )
