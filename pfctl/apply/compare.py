"""Field-level comparisons for the planner: the canonical record text, deepdiff of records,
three-way string maps, leaves.

Pure functions on JSON-shaped data; ``deepdiff`` is imported only when a record is compared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from math import isnan
from typing import Any

from pfctl.apply.model import DesiredJob, FieldChange

# One encoder for every record: ``json.dumps`` with these options would build a new one per call.
_RECORD_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_text(record: Mapping[str, Any]) -> str:
    """The compact, canonical JSON of a record (sorted keys, so equal records compare equal)."""
    return _RECORD_ENCODER.encode(record)


def plain_record_text(job_type: str, body: Mapping[str, Any]) -> str | None:
    """``record_text`` of a manifest's last-applied record (the body plus ``type``) when the body
    is plain JSON (:func:`is_plain_json`), else ``None``.

    Only such a record decodes back to exactly itself, which the planner's fast no-op check
    relies on; a loader may store the result in ``DesiredJob.record``.
    """
    record = {**body, "type": job_type}
    try:
        text = record_text(record)  # first, as it also refuses circular documents
    except (TypeError, ValueError):
        return None
    return text if is_plain_json(record) else None


def diff_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """Field-by-field differences between two JSON documents, found with deepdiff."""
    if before == after:  # the common case, and far cheaper than deepdiff
        return []
    from deepdiff import DeepDiff

    found = DeepDiff(dict(before), dict(after), view="tree", verbose_level=2)
    changes: list[FieldChange] = []
    for items in found.values():
        for item in items:
            path = tuple(item.path(output_format="list"))
            changes.append(FieldChange(path, present(item.t1), present(item.t2)))
    return sorted(changes, key=lambda change: [str(part) for part in change.path])


def three_way(
    root: str,
    desired: Mapping[str, str],
    last_applied: Mapping[str, str],
    live: Mapping[str, str],
    own_keys: frozenset[str],
) -> tuple[dict[str, str], list[FieldChange]]:
    """kubectl's three-way merge for one string map; returns (keys to send, visible changes).

    A desired key is set; a key in the last-applied record but no longer desired is removed
    (sent empty); any other live key is someone else's and kept. Empty values count as absent.
    """
    updates: dict[str, str] = {}
    changes: list[FieldChange] = []
    for key, value in desired.items():
        if key in own_keys or not value:
            continue
        current = live.get(key) or None
        if current != value:
            updates[key] = value
            changes.append(FieldChange((root, key), current, value))
    for key in last_applied:
        if key in own_keys or desired.get(key):
            continue
        current = live.get(key) or None
        if current is not None:
            updates[key] = ""
            changes.append(FieldChange((root, key), current, None))
    return updates, changes


def unchanged_map(
    desired: Mapping[str, str], live: Mapping[str, str], own_keys: frozenset[str]
) -> bool:
    """True when :func:`three_way` with ``desired`` also as the last-applied map sends nothing."""
    for key, value in desired.items():
        if key in own_keys:
            continue
        if value:
            if live.get(key) != value:
                return False
        elif live.get(key):
            return False  # last applied, no longer wanted, still set
    return True


_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


def is_plain_json(document: Mapping[str, Any]) -> bool:
    """True when ``document`` is built of exactly dict, list, str, int, bool, ``None`` and finite
    or infinite (not NaN) floats, with string keys: what JSON encodes and decodes unchanged."""
    if type(document) is not dict:
        return False
    pending: list[Any] = [document]
    while pending:
        container = pending.pop()
        if type(container) is dict:
            for key in container:
                if type(key) is not str:
                    return False
            children = container.values()
        else:
            children = container
        for child in children:
            kind = type(child)
            if kind in _PLAIN_SCALARS:
                continue
            if kind is dict or kind is list:
                pending.append(child)
            elif kind is not float or isnan(child):
                return False
    return True


def immutable_part(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record without its mutable fields (labels, annotations, schedulingPolicy.priority)."""
    part = {k: v for k, v in record.items() if k not in ("labels", "annotations")}
    policy = part.get("schedulingPolicy")
    if isinstance(policy, Mapping) and "priority" in policy:
        rest = {k: v for k, v in policy.items() if k != "priority"}
        if rest:
            part["schedulingPolicy"] = rest
        else:
            del part["schedulingPolicy"]
    return part


def adoption_differences(job: DesiredJob, live: Mapping[str, Any]) -> list[FieldChange]:
    """Immutable fields of a job pfctl did not create that visibly differ from the manifest.

    Only fields a server reliably echoes are compared, and only when both sides set them.
    """
    pairs: list[tuple[tuple[str | int, ...], Any, Any]] = [
        (("name",), job.body.get("name"), live.get("name")),
        (
            ("schedulingPolicy", "queue"),
            as_mapping(job.body.get("schedulingPolicy")).get("queue"),
            as_mapping(live.get("schedulingPolicy")).get("queue"),
        ),
        (("type",), job.type, _type_of(live)),
    ]
    if job.type == "single":
        pairs += [
            (("image",), job.body.get("image"), live.get("image")),
            (("command",), job.body.get("command"), live.get("command")),
        ]
    return [
        FieldChange(path, live_value, wanted, True)
        for path, wanted, live_value in pairs
        if wanted and live_value and wanted != live_value
    ]


def _type_of(live: Mapping[str, Any]) -> str | None:
    framework = live.get("framework")
    if framework == "standalone":
        return "single"
    if framework:
        return "distributed"
    return None  # workflow jobs have no framework, and neither do some servers' listings


def flatten(
    value: Any, prefix: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], Any]]:
    """The leaves of a JSON document with their paths (empty containers are leaves)."""
    if isinstance(value, Mapping) and value:
        leaves: list[tuple[tuple[str | int, ...], Any]] = []
        for key, item in value.items():
            leaves.extend(flatten(item, (*prefix, str(key))))
        return leaves
    if isinstance(value, list) and value:
        leaves = []
        for index, item in enumerate(value):
            leaves.extend(flatten(item, (*prefix, index)))
        return leaves
    return [(prefix, value)]


def present(value: Any) -> Any:
    """deepdiff's "not present" marker as ``None``."""
    return None if type(value).__name__ == "NotPresent" else value


def as_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    # ``type(...) is dict`` first: the ABC check costs more, and plans check many objects.
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def string_map(value: Any) -> dict[str, str]:
    """A labels/annotations object as ``str -> str`` (``None`` values become ``""``)."""
    if value is None or (type(value) is not dict and not isinstance(value, Mapping)):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}
