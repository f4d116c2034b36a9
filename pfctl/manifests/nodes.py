"""YAML nodes as pfctl reads them: the loader, plain-scalar typing, and locating JSON paths.

The base loader types no scalar (a Python call per scalar saved); plain scalars are typed here
with the safe loader's YAML 1.1 rules. ``Locator`` maps a JSON path of a document to the line
and column of its node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from pfctl.spec.paths import Path

__all__ = [
    "IMPLICIT_FIRST_CHARACTERS",
    "MAP",
    "NULL",
    "SEQ",
    "STR",
    "TAG",
    "Loader",
    "Locator",
    "is_merge",
    "mark",
    "scalar_tag",
]

TAG = "tag:yaml.org,2002:"
STR, MAP, SEQ, MERGE = TAG + "str", TAG + "map", TAG + "seq", TAG + "merge"
NULL = TAG + "null"

_DEFAULT_TAGS = {yaml.ScalarNode: STR, yaml.SequenceNode: SEQ, yaml.MappingNode: MAP}


class Loader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # type: ignore[misc]
    """The base loader with the cheapest possible resolver: untagged nodes get default tags.

    Called only for nodes without an explicit tag; plain scalars are typed by ``scalar_tag``.
    """

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        return _DEFAULT_TAGS[kind]

    # The composer calls these around every node, for path resolvers, which pfctl does not use:
    # builtins that take the same arguments and do nothing cost less than Python methods.
    descend_resolver = slice  # slice(parent, index), made and dropped
    ascend_resolver = tuple  # tuple(), the empty tuple


_IMPLICIT: dict[str | None, list[tuple[str, Any]]] = dict(
    yaml.resolver.Resolver.yaml_implicit_resolvers
)
_WILDCARD = _IMPLICIT.get(None, [])
#: The first characters of plain scalars that may resolve to a tag other than ``str``: a plain
#: scalar starting with any other character is a string.
IMPLICIT_FIRST_CHARACTERS: frozenset[str] = frozenset(key for key in _IMPLICIT if key is not None)
if _WILDCARD:  # pragma: no cover - PyYAML has no resolver for any first character
    raise ImportError("pfctl.manifests.nodes: unexpected wildcard YAML resolver")


# The tags of plain scalars already resolved: keys and small values repeat across manifests.
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_LIMIT = 4096
_PLAIN_TAG_LENGTH_LIMIT = 64


def scalar_tag(node: yaml.ScalarNode) -> str:
    """The resolved tag of a scalar node, as the safe loader would resolve it."""
    tag: str = node.tag
    if tag != STR or node.style:  # quoted or block scalars stay strings; "" or None is plain
        return tag
    value: str = node.value
    known = _PLAIN_TAGS.get(value)
    if known is not None:
        return known
    found = STR
    for resolved, pattern in _IMPLICIT.get(value[:1], _WILDCARD):
        if pattern.match(value):
            found = resolved
            break
    if len(_PLAIN_TAGS) < _PLAIN_TAGS_LIMIT and len(value) <= _PLAIN_TAG_LENGTH_LIMIT:
        _PLAIN_TAGS[value] = found
    return found


def is_merge(key_node: yaml.Node) -> bool:
    """Whether a mapping key is the YAML merge key ``<<``."""
    return isinstance(key_node, yaml.ScalarNode) and scalar_tag(key_node) == MERGE


def mark(node: yaml.Node) -> tuple[int, int]:
    """1-based (line, column) where ``node`` starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


class Locator:
    """Finds the line and column of a JSON path in one document."""

    def __init__(self, root: yaml.Node | None, compose: Callable[[], yaml.Node | None]) -> None:
        self._root = root
        self._compose = compose
        self._composed = root is not None

    def root(self) -> yaml.Node | None:
        """The document's root node, composed on first use for JSON input."""
        if not self._composed:
            self._composed = True
            try:
                self._root = self._compose()
            except yaml.YAMLError:
                self._root = None
        return self._root

    def node_at(self, path: Path) -> tuple[yaml.Node | None, yaml.Node | None, int]:
        """(node, key node, depth reached): the deepest node on ``path`` that exists."""
        node = self.root()
        key_node = None
        depth = 0
        for part in path:
            if isinstance(node, yaml.MappingNode):
                found = _find_key(node, part)
                if found is None:
                    break
                key_node, node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                key_node, node = None, node.value[part]
            else:
                break
            depth += 1
        return node, key_node, depth

    def locate(self, path: Path, *, at_key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of ``path``, or of its deepest existing ancestor.

        With ``at_key``, a mapping entry is located at its key rather than its value.
        """
        node, key_node, depth = self.node_at(path)
        if node is None:
            return 1, 1
        target = key_node if at_key and key_node is not None and depth == len(path) else node
        return target.start_mark.line + 1, target.start_mark.column + 1

    def scalar_text(self, path: Path) -> str | None:
        """The source text of the scalar at ``path``, if it is one."""
        node, _, depth = self.node_at(path)
        if depth == len(path) and isinstance(node, yaml.ScalarNode):
            return str(node.value)
        return None


def _find_key(mapping: yaml.MappingNode, key: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    merged = None
    wanted = str(key)
    for key_node, value_node in mapping.value:
        text = key_node.value
        # Only an explicitly tagged key or a plain `<<` can be the merge key.
        if (text == "<<" or key_node.tag != STR) and is_merge(key_node):
            merged = value_node
        elif str(text) == wanted:
            return key_node, value_node
    sources = merged.value if isinstance(merged, yaml.SequenceNode) else [merged]
    for source in sources:
        if isinstance(source, yaml.MappingNode):
            found = _find_key(source, key)
            if found is not None:
                return found
    return None
