"""The fast type check of create and update bodies (``pfctl.server.jobs.typecheck``) agrees with
jsonschema: whenever it answers True, jsonschema finds no ``type`` error, on valid bodies and on
every body made by putting a value of each JSON type at each place of a valid one; and it
answers True for the valid bodies (else it would save nothing)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from pfctl.server.jobs.typecheck import types_ok
from pfctl.spec.schemas import validator_for

MEMBER = {
    "role": "pworker",
    "replicas": 2,
    "image": "paddle:2.4",
    "command": "python train.py",
    "args": ["--epochs", "3"],
    "port": 8080,
    "env": {"A": "1"},
    "flavour": {"name": "custom", "cpu": "1", "mem": "1Gi", "scalarResources": {"gpu": "1"}},
    "limitFlavour": {"name": "flavour1"},
    "fs": {"name": "fs1", "mountPath": "/data", "readOnly": True},
    "extraFS": [{"name": "fs2", "subPath": "x"}],
    "labels": {"team": "a"},
    "annotations": {"note": "b"},
    "schedulingPolicy": {"queue": "default-queue", "priority": "HIGH"},
}
BODIES: dict[str, dict[str, Any]] = {
    "single-job": {
        "id": "job-1",
        "name": "one",
        **{key: value for key, value in MEMBER.items() if key not in ("role", "replicas")},
        "extensionTemplate": {"apiVersion": "v1", "kind": "Pod", "spec": {"n": [1, 2.5]}},
    },
    "distributed-job": {
        "id": "job-2",
        "framework": "paddle",
        "labels": {"x": "y"},
        "members": [MEMBER, {**MEMBER, "role": "pserver", "replicas": 1}],
    },
    "workflow-job": {
        "id": "job-3",
        "extensionTemplate": {"kind": "Workflow", "spec": {"entrypoint": "main"}},
    },
    "update-job": {"priority": "LOW", "labels": {"a": "b"}, "annotations": {"c": "d"}},
}
SAMPLES: tuple[Any, ...] = ("text", 3, 2.0, 2.5, True, None, [], ["x"], {}, {"k": "v"})


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


def _replaced(body: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    changed = copy.deepcopy(body)
    holder = changed
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = new
    return changed


def _type_errors(schema: str, body: Any) -> list[Any]:
    return [e for e in validator_for(schema).iter_errors(body) if e.validator == "type"]


@pytest.mark.parametrize("schema", sorted(BODIES))
def test_valid_bodies_pass_the_fast_check(schema):
    body = BODIES[schema]
    assert _type_errors(schema, body) == []
    assert types_ok(schema, body)


@pytest.mark.parametrize("schema", sorted(BODIES))
def test_fast_check_never_passes_a_body_jsonschema_finds_a_type_error_in(schema):
    body = BODIES[schema]
    passed = refused = 0
    for path in _places(body):
        for sample in SAMPLES:
            changed = _replaced(body, path, sample)
            if types_ok(schema, changed):
                assert _type_errors(schema, changed) == [], (path, sample)
                passed += 1
            else:
                refused += 1
    assert passed and refused  # both answers occur: the check is neither always nor never True


def test_unknown_keys_are_checked_as_jsonschema_checks_them():
    body = {**BODIES["single-job"], "replicas": "two", "framework": 5}
    assert types_ok("single-job", body) == (_type_errors("single-job", body) == [])
