"""Field-level comparisons for the planner: deepdiff of records, three-way string maps, leaves.

Pure functions on JSON-shaped data; ``deepdiff`` is imported only when a record is compared. The
record text itself is ``pfctl.manifests.record``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pfctl.apply.model import DesiredJob, FieldChange, LiveJob, as_mapping


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


def adoption_differences(job: DesiredJob, live: LiveJob) -> list[FieldChange]:
    """Immutable fields of a job pfctl did not create that visibly differ from the manifest.

    Only fields a server reliably echoes are compared, and only when both sides set them.
    """
    wire = live.wire
    pairs: list[tuple[tuple[str | int, ...], Any, Any]] = [
        (("name",), job.body.get("name"), wire.get("name")),
        (
            ("schedulingPolicy", "queue"),
            as_mapping(job.body.get("schedulingPolicy")).get("queue"),
            as_mapping(wire.get("schedulingPolicy")).get("queue"),
        ),
        (("type",), job.type, _type_of(wire)),
    ]
    if job.type == "single":
        pairs += [
            (("image",), job.body.get("image"), wire.get("image")),
            (("command",), job.body.get("command"), wire.get("command")),
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
