"""The create body of a job request: one builder for `pfctl apply`, `pfctl job create` and the SDK.

PaddleFlow's SDK (``client/paddleflow/job/job_api.py``, ``convert_to_job_spec_body``) reads a
fixed set of keys from a request and sends a value only when it is set: a falsy ``image``,
``port``, ``env``, ... is left out. :func:`build_create_body` builds the body the same way from
a checked manifest body or a job document: unset values (``null``, ``""``, ``0``, ``{}``,
``[]``) are left out, at the top level, in each member and inside ``flavour``, ``fs`` and
``schedulingPolicy``; keys the SDK does not read are listed in ``ignored`` and not sent.

Where the bodies differ from the SDK's on purpose (PaddleFlow decodes both the same way):

* the SDK copies ``""`` inside ``flavour`` and ``fs`` as written (``{"name": "flavour1",
  "cpu": "", "mem": ""}``) and gives every member ``{"schedulingPolicy": {"queue": null}}``
  when it names no queue; pfctl leaves those unset values out, as everywhere else;
* the SDK never sends ``limitFlavour`` nor ``id``, ``type`` and ``hostPath`` of a file system;
  pfctl sends them, as PaddleFlow's Go structs read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pfctl.spec import paths
from pfctl.spec.fields import JOBSPEC_KEYS

__all__ = [
    "FLAVOUR_KEYS",
    "FS_KEYS",
    "MANIFEST_KEYS",
    "SPEC_KEYS",
    "CreateBody",
    "build_create_body",
    "is_unset",
]

#: JobSpec keys read at the top level and in each member (PADDLEFLOW_API.md §4.0, §4.0b).
SPEC_KEYS = ("id", "name", "labels", "annotations", *JOBSPEC_KEYS)
FLAVOUR_KEYS = ("name", "cpu", "mem", "scalarResources")
#: Every key of PaddleFlow's FileSystem: the SDK sends only name, mountPath, subPath and
#: readOnly, but PaddleFlow reads ``id`` too (the file system to mount), so pfctl sends what the
#: schema accepts.
FS_KEYS = ("id", "name", "type", "hostPath", "mountPath", "subPath", "readOnly")
#: Keys of a pfctl manifest that are not part of the create body; accepted without a note.
MANIFEST_KEYS = ("type", "stopped")


@dataclass
class CreateBody:
    """The body to POST and the JSON paths of keys that were ignored although they had a value."""

    body: dict[str, Any]
    ignored: list[str] = field(default_factory=list)


def is_unset(value: Any) -> bool:
    """PaddleFlow's notion of "not given": None, "", 0 (not False), {} or []."""
    if isinstance(value, bool):
        return False
    return value is None or value in ("", 0, {}, [])


def build_create_body(document: Mapping[str, Any]) -> CreateBody:
    """The create body for a job document in the wire (camelCase) shape, as the SDK builds it."""
    result = CreateBody(body={})
    known = (*SPEC_KEYS, "schedulingPolicy", "framework", "members", *MANIFEST_KEYS)
    _note_ignored(document, known, (), result.ignored)
    body = _spec_part(document, (), result.ignored)
    framework = document.get("framework")
    if not is_unset(framework):
        body["framework"] = framework
    members = document.get("members")
    if isinstance(members, list) and members:
        body["members"] = [
            _member(member, ("members", index), result.ignored)
            for index, member in enumerate(members)
        ]
    elif not is_unset(members):
        body["members"] = members  # not a list: left for validation to report
    result.body = body
    return result


def _member(member: Any, path: paths.Path, ignored: list[str]) -> Any:
    if not isinstance(member, Mapping):
        return member
    known = (*SPEC_KEYS, "schedulingPolicy", "role", "replicas")
    _note_ignored(member, known, path, ignored)
    body: dict[str, Any] = {}
    for key in ("role", "replicas"):
        if key in member and member[key] is not None:
            body[key] = member[key]
    body.update(_spec_part(member, path, ignored))
    return body


def _spec_part(source: Mapping[str, Any], path: paths.Path, ignored: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    policy = source.get("schedulingPolicy")
    if isinstance(policy, Mapping):
        kept = {key: policy[key] for key in ("queue", "priority") if not is_unset(policy.get(key))}
        if kept:
            body["schedulingPolicy"] = kept
    elif not is_unset(policy):
        body["schedulingPolicy"] = policy
    for key in SPEC_KEYS:
        value = source.get(key)
        if is_unset(value):
            continue
        if key in ("flavour", "limitFlavour") and isinstance(value, Mapping):
            value = _pick(value, FLAVOUR_KEYS, (*path, key), ignored)
        elif key == "fs" and isinstance(value, Mapping):
            value = _pick(value, FS_KEYS, (*path, key), ignored)
        elif key == "extraFS" and isinstance(value, list):
            value = [
                _pick(item, FS_KEYS, (*path, key, index), ignored)
                if isinstance(item, Mapping)
                else item
                for index, item in enumerate(value)
            ]
        if not is_unset(value):
            body[key] = value
    return body


def _pick(
    source: Mapping[str, Any], keys: tuple[str, ...], path: paths.Path, ignored: list[str]
) -> Any:
    _note_ignored(source, keys, path, ignored)
    return {key: source[key] for key in keys if not is_unset(source.get(key))}


def _note_ignored(
    source: Mapping[str, Any], known: tuple[str, ...], path: paths.Path, ignored: list[str]
) -> None:
    ignored.extend(
        paths.format_path((*path, str(key)))  # str(): YAML keys may be null, numbers, ...
        for key, value in source.items()
        if key not in known and not is_unset(value)
    )
