"""Job request documents as PaddleFlow's CLI and SDK read them, turned into create bodies.

PaddleFlow's SDK reads a fixed set of keys from a job file, sends a value only when it is set
(``null``, ``""``, ``0``, ``{}`` and ``[]`` are dropped), keeps only ``name``/``cpu``/``mem``/
``scalarResources`` of a flavour and ``name``/``mountPath``/``subPath``/``readOnly`` of a file
system, and ignores every other key. :func:`build_create_body` does the same, so every file the
PaddleFlow CLI accepts (its own ``example/job/`` files included) produces the same body here,
and it reports the ignored keys that carried a value.

:func:`create_body_from_file` is the whole of ``pfctl job create``'s offline part: read the file,
build the body, check it against the schemas and PaddleFlow's create rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pfctl.errors import ExitCode, InputError, PfctlError, UsageError
from pfctl.manifests.inputs import NotRead, read_bytes
from pfctl.spec import paths
from pfctl.spec.rules import JOBSPEC_KEYS
from pfctl.spec.rules import check_create_body as check_rules
from pfctl.spec.schemas import validator_for

#: JobSpec keys read at the top level and in each member (PADDLEFLOW_API.md §4.0, §4.0b).
SPEC_KEYS = ("id", "name", "labels", "annotations", *JOBSPEC_KEYS)
FLAVOUR_KEYS = ("name", "cpu", "mem", "scalarResources")
FS_KEYS = ("name", "mountPath", "subPath", "readOnly")
#: Keys of a pfctl manifest that are not part of the create body; accepted without a note.
MANIFEST_KEYS = ("type", "stopped")


class InvalidJobFileError(PfctlError):
    """The job file was read but is not a valid request: the answer is "no" (exit 1), as for
    an invalid manifest; nothing was sent."""

    exit_code = ExitCode.FAILURE


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


def check_create_body(job_type: str, body: Mapping[str, Any]) -> list[str]:
    """Problems of a create body against pfctl's schemas and PaddleFlow's create rules, each as
    ``"$.json.path: message"``; an empty list when the body is valid."""
    validator = validator_for(f"{job_type}-job")
    errors = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    problems = [f"{paths.format_path(_path_of(e.absolute_path))}: {e.message}" for e in errors]
    if problems:
        return problems
    return [f"{paths.format_path(v.path)}: {v.message}" for v in check_rules(job_type, body)]


def _path_of(parts: Iterable[object]) -> paths.Path:
    """A schema error's path; keys of a YAML file need not be strings."""
    return tuple(
        part
        if isinstance(part, str) or (isinstance(part, int) and not isinstance(part, bool))
        else str(part)
        for part in parts
    )


def create_body_from_file(
    job_type: str,
    path: str,
    *,
    stdin_text: str | None = None,
    on_note: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The checked create body of the job file at ``path`` (``-`` reads ``stdin_text``), for
    creating a job of ``job_type`` (``single``, ``distributed`` or ``workflow``).

    ``on_note`` receives one line per key that carried a value but is ignored, as PaddleFlow
    ignores it. Raises ``InputError`` for a file that cannot be read, ``InvalidJobFileError``
    for one that is not a valid request of that type (every problem listed), and
    ``UsageError`` when the file declares another ``type``.
    """
    document = read_job_document(path, stdin_text=stdin_text)
    declared = document.get("type")
    if declared not in (None, "", job_type):
        raise UsageError(f"{path} declares type {declared!r} but JOBTYPE is {job_type!r}")
    built = build_create_body(document)
    if on_note is not None:
        for ignored in built.ignored:
            on_note(f"{path}: {ignored} is ignored (PaddleFlow reads no such key)")
    problems = check_create_body(job_type, built.body)
    if problems:
        details = "; ".join(str(problem) for problem in problems)
        raise InvalidJobFileError(f"{path} is not a valid {job_type} job request: {details}")
    return built.body


def read_job_document(path: str, *, stdin_text: str | None = None) -> dict[str, Any]:
    """Read one job document from a JSON or YAML file (``-`` reads ``stdin_text``).

    Raises ``InputError`` naming the file for a missing, unreadable, oversized or malformed
    file, or one that does not hold exactly one mapping.
    """
    name = "<stdin>" if path == "-" else path
    text = (stdin_text or "") if path == "-" else _read_text(Path(path))
    if path.endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    else:
        document = _load_yaml(name, text)
    if not isinstance(document, dict):
        kind = "nothing" if document is None else type(document).__name__
        raise InputError(f"{name}: expected a job object (a mapping), found {kind}")
    return document


def _read_text(path: Path) -> str:
    try:
        data = read_bytes(str(path))
    except NotRead as exc:
        raise InputError(f"{path}: {exc}; only regular files are read") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a job file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if b"\0" in data:
        raise InputError(f"{path}: binary file, expected JSON or YAML text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _load_yaml(name: str, text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise InputError(f"{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: invalid YAML: {exc}") from None
    if len(documents) > 1:
        raise InputError(f"{name}: holds {len(documents)} documents; job create takes one job")
    return documents[0] if documents else None
