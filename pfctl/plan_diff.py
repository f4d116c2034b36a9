"""Field-level comparisons for the planner: deepdiff of records, three-way string maps, leaves.

Pure functions on JSON-shaped data; ``deepdiff`` is imported only when a record is compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pfctl.plan import FieldChange


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
    return value if isinstance(value, Mapping) else {}


def string_map(value: Any) -> dict[str, str]:
    """A labels/annotations object as ``str -> str`` (``None`` values become ``""``)."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}
