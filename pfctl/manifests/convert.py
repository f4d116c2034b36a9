"""YAML node graphs to plain data, with the checks plain PyYAML does not make.

Duplicate keys, keys that are not strings, alias bombs, recursive aliases, deep nesting and
values JSON cannot hold are caught with the line and column of the offending node. Plain node
graphs, the common case, take the fast path of ``pfctl.manifests.fastconvert`` instead.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from pfctl.manifests.model import Problem
from pfctl.manifests.nodes import (
    IMPLICIT_FIRST_CHARACTERS,
    MAP,
    SEQ,
    STR,
    TAG,
    is_merge,
    mark,
    scalar_tag,
)
from pfctl.spec.paths import Path, format_path

__all__ = ["MAX_DEPTH", "MAX_EXPANDED_NODES", "NodeConverter", "ParseError", "convert_scalar"]

#: Nesting deeper than this is refused (libyaml itself stops at 1000).
MAX_DEPTH = 100
#: A document whose aliases expand to more nodes than this is refused (billion laughs).
MAX_EXPANDED_NODES = 100_000

_SCALARS = SafeConstructor()


class ParseError(Exception):
    """A document that cannot be converted; carries the offending node's location."""

    def __init__(self, message: str, line: int, column: int, path: Path = ()) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.path = message, line, column, path


class NodeConverter:
    """Node graph to plain data, with the checks plain PyYAML does not make."""

    def __init__(self, source: str, *, may_alias: bool = True) -> None:
        self.source = source
        self.may_alias = may_alias
        self.problems: list[Problem] = []
        self.expanded = 0
        self.done: dict[int, tuple[Any, int]] = {}
        self.active: set[int] = set()

    def convert(self, node: yaml.Node, path: Path, depth: int) -> Any:
        if not self.may_alias:
            return self._convert_node(node, path, depth)
        seen = self.done.get(id(node))
        if seen is not None:  # an alias: count its full expansion without walking it again
            self._count(seen[1], node, path)
            return seen[0]
        if id(node) in self.active:
            raise ParseError("recursive alias: a node contains itself", *mark(node), path)
        before = self.expanded
        self._count(1, node, path)
        self.active.add(id(node))
        value = self._convert_node(node, path, depth)
        self.active.discard(id(node))
        self.done[id(node)] = (value, self.expanded - before)
        return value

    def _convert_node(self, node: yaml.Node, path: Path, depth: int) -> Any:
        if type(node) is yaml.ScalarNode:
            if node.tag == STR and (node.style or node.value[:1] not in IMPLICIT_FIRST_CHARACTERS):
                return node.value  # the common case, a string, without further calls
            return convert_scalar(node, path)
        if depth >= MAX_DEPTH:
            raise ParseError(f"nesting deeper than {MAX_DEPTH} levels", *mark(node), path)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if node.tag != SEQ:
            raise ParseError(f"unsupported YAML tag {node.tag}", *mark(node), path)
        return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]

    def _count(self, nodes: int, node: yaml.Node, path: Path) -> None:
        self.expanded += nodes
        if self.expanded > MAX_EXPANDED_NODES:
            raise ParseError(
                f"document expands to more than {MAX_EXPANDED_NODES} nodes through aliases "
                "(alias bomb protection)",
                *mark(node),
                path,
            )

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        if node.tag != MAP:
            raise ParseError(f"unsupported YAML tag {node.tag}", *mark(node), path)
        result: dict[str, Any] = {}
        key_nodes: dict[str, yaml.Node] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.value == "<<" and is_merge(key_node):
                merges.append(value_node)
                continue
            key = self._key(key_node, path)
            if key in key_nodes:
                line, column = mark(key_nodes[key])
                self.problems.append(
                    Problem(
                        self.source,
                        *mark(key_node),
                        format_path((*path, key)),
                        f"duplicate key `{key}` (first at line {line}, column {column})",
                    )
                )
            key_nodes[key] = key_node
            result[key] = self.convert(value_node, (*path, key), depth + 1)
        for merge_node in merges:
            sources = (
                merge_node.value if isinstance(merge_node, yaml.SequenceNode) else [merge_node]
            )
            for source_node in sources:
                merged = self.convert(source_node, path, depth + 1)
                if not isinstance(merged, dict):
                    raise ParseError("a merge key `<<` needs a mapping", *mark(source_node), path)
                for key, value in merged.items():
                    result.setdefault(key, value)
        return result

    def _key(self, key_node: yaml.Node, path: Path) -> str:
        if not isinstance(key_node, yaml.ScalarNode):
            raise ParseError("a key must be a plain string", *mark(key_node), path)
        tag = scalar_tag(key_node)
        if tag != STR:
            kind = tag.removeprefix(TAG)
            self.problems.append(
                Problem(
                    self.source,
                    *mark(key_node),
                    format_path((*path, str(key_node.value))),
                    f"key `{key_node.value}` is read as {kind}, not a string; "
                    f'quote it: "{key_node.value}"',
                )
            )
        return str(key_node.value)


def convert_scalar(node: yaml.ScalarNode, path: Path) -> Any:
    """The value of a scalar node, as the safe loader reads it but JSON-compatible: timestamps
    stay text; binary, NaN and infinities are refused (``ParseError``)."""
    tag = scalar_tag(node)
    if tag == STR:
        return node.value
    if tag == TAG + "timestamp":
        return node.value  # JSON has no dates: keep the text, as Kubernetes' YAML does
    constructor = _SCALARS.yaml_constructors.get(tag)
    if constructor is None or tag == TAG + "binary":
        raise ParseError(f"unsupported YAML tag {tag}", *mark(node), path)
    try:
        value = constructor(_SCALARS, node)
    except (ValueError, TypeError, IndexError, KeyError, yaml.YAMLError) as exc:
        kind = tag.removeprefix(TAG)
        raise ParseError(f"`{node.value}` is not a valid {kind}", *mark(node), path) from exc
    if isinstance(value, float) and not math.isfinite(value):
        raise ParseError(f"`{node.value}` is not a JSON number", *mark(node), path)
    if isinstance(value, datetime.date):  # pragma: no cover - timestamps handled above
        return node.value
    return value
