"""Turn the text of a YAML or JSON file into plain documents that keep their source locations.

YAML is composed to nodes by PyYAML (libyaml's C parser when available) and converted here, so
that duplicate keys, non-string keys, alias bombs and deep nesting are caught with the line and
column of the offending node. JSON is parsed by the json module for exact JSON semantics; its
nodes are composed (as YAML, a superset) only when a location is needed.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from pfctl.manifests.model import Problem
from pfctl.manifests.nodes import (
    IMPLICIT_FIRST_CHARACTERS,
    MAP,
    NULL,
    SEQ,
    STR,
    TAG,
    Loader,
    Locator,
    is_merge,
    mark,
    scalar_tag,
)
from pfctl.spec.paths import Path, format_path

__all__ = ["Locator", "ParsedDocument", "parse_json", "parse_yaml"]

#: Nesting deeper than this is refused (libyaml itself stops at 1000).
MAX_DEPTH = 100
#: A document whose aliases expand to more nodes than this is refused (billion laughs).
MAX_EXPANDED_NODES = 100_000

_SCALARS = SafeConstructor()
# libyaml's anchor and alias names are made of ASCII letters, digits, `_` and `-`; `\w` is a
# superset. A shell's `&&` or a glob's `*.txt` matches neither.
_ANCHOR = re.compile(r"&[\w-]")
_ALIAS = re.compile(r"\*[\w-]")
#: The types of the converted values that mean "unset" when empty: null, "", {} and [] (what
#: ``checks.strip_unset`` removes from mappings).
_UNSET_TYPES = frozenset({type(None), str, dict, list})


class ParseError(Exception):
    """A document that cannot be converted; carries the offending node's location."""

    def __init__(self, message: str, line: int, column: int, path: Path = ()) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.path = message, line, column, path


@dataclass
class ParsedDocument:
    """One document of a file: its plain data (None when empty) and how to locate its nodes."""

    index: int
    data: Any
    locator: Locator
    line: int
    column: int
    problems: list[Problem] = field(default_factory=list)
    unset_free: bool = False
    """True when ``data`` shares no node and no mapping in it holds an unset value (null, "",
    {} or []): stripping unset values would only copy it."""


def _syntax_problem(source: str, exc: yaml.YAMLError, kind: str, text: str = "") -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        offset = min(exc.position, len(text))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        problem = f"character {exc.character!r} is not allowed: {exc.reason}"
    context = getattr(exc, "context", None)
    message = f"{kind} syntax error: {problem}" + (f" ({context})" if context else "")
    lines = text.splitlines()
    if 0 < line <= len(lines) and lines[line - 1][column - 1 : column] == "\t":
        message += "; YAML cannot indent with tabs, use spaces"
    return Problem(source, line, column, "$", message)


def parse_yaml(source: str, text: str) -> tuple[list[ParsedDocument], list[Problem]]:
    """Every document of a YAML stream; a syntax error ends the stream with a problem."""
    documents: list[ParsedDocument] = []
    problems: list[Problem] = []
    loader = Loader(text)
    # An alias needs an anchor (`&a`) and a use of it (`*a`): without both in the text, no node
    # is shared, so there is no bomb or recursion to guard against.
    may_alias = _ANCHOR.search(text) is not None and _ALIAS.search(text) is not None
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            document = _convert_document(source, index, node, may_alias=may_alias)
            if document.data is None and not document.problems:
                document.line, document.column = _document_start(text, document.line), 1
            documents.append(document)
            index += 1
    except yaml.YAMLError as exc:
        problems.append(_syntax_problem(source, exc, "YAML", text))
    finally:
        loader.dispose()
    return documents, problems


def _document_start(text: str, node_line: int) -> int:
    """The line of the ``---`` that opens an empty document whose (empty) node is at ``node_line``.

    An empty node is marked where the next token starts, which can be the next document's
    marker or the end of the file; the document itself began at the marker before that.
    """
    lines = text.splitlines()
    for number in range(min(node_line - 1, len(lines)), 0, -1):
        if lines[number - 1].startswith("---") and number < node_line:
            return number
    return max(1, min(node_line, len(lines)))


def _convert_document(
    source: str, index: int, node: yaml.Node, *, may_alias: bool = True
) -> ParsedDocument:
    line, column = mark(node)
    document = ParsedDocument(index, None, Locator(node, lambda: None), line, column)
    if isinstance(node, yaml.ScalarNode) and scalar_tag(node) == NULL:
        return document
    if not may_alias:
        try:
            unset: list[bool] = []
            document.data = _plain(node, 0, unset)
        except _NotPlain:
            pass  # the full conversion below reports what the fast one passed over
        else:
            document.unset_free = not unset
            return document
    converter = _Converter(source, may_alias=may_alias)
    try:
        document.data = converter.convert(node, (), 0)
    except ParseError as exc:
        document.data = None
        converter.problems.append(
            Problem(source, exc.line, exc.column, format_path(exc.path), exc.message)
        )
    document.problems = converter.problems
    return document


#: Plain scalars converted before: their text (a number, a boolean, null) decides their value.
_PLAIN_VALUES: dict[str, Any] = {}
_PLAIN_VALUES_LIMIT = 4096
_PLAIN_TEXT_LIMIT = 64
_UNKNOWN = object()


class _NotPlain(Exception):
    """A node the fast conversion leaves to ``_Converter``."""


def _plain(node: yaml.Node, depth: int, unset: list[bool]) -> Any:
    """``_Converter.convert`` for a node graph without aliases, problems or merge keys, which
    raises ``_NotPlain`` instead of reporting anything; appends to ``unset`` when a mapping
    holds an unset value (null, "", {} or [])."""
    if type(node) is yaml.ScalarNode:
        plain = node.tag == STR and not node.style
        if not plain:
            if node.tag == STR:
                return node.value  # quoted or block
        else:
            text = node.value
            if text[:1] not in IMPLICIT_FIRST_CHARACTERS:
                return text
            known = _PLAIN_VALUES.get(text, _UNKNOWN)
            if known is not _UNKNOWN:
                return known
        try:
            value = _SCALAR_CONVERTER._scalar(node, ())
        except ParseError:
            raise _NotPlain from None
        if plain and len(_PLAIN_VALUES) < _PLAIN_VALUES_LIMIT and len(text) <= _PLAIN_TEXT_LIMIT:
            _PLAIN_VALUES[text] = value  # a plain scalar's value depends on its text only
        return value
    if depth >= MAX_DEPTH:
        raise _NotPlain
    kind = type(node)
    if kind is yaml.MappingNode and node.tag == MAP:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise _NotPlain
            key = key_node.value
            string_key = key_node.tag == STR and (
                key_node.style or key[:1] not in IMPLICIT_FIRST_CHARACTERS
            )
            if key in result or not (string_key or scalar_tag(key_node) == STR):
                raise _NotPlain  # a repeated key, a typed key or a merge key
            if (
                type(value_node) is yaml.ScalarNode
                and value_node.tag == STR
                and (value_node.style or value_node.value[:1] not in IMPLICIT_FIRST_CHARACTERS)
            ):
                value = value_node.value  # the common case, a string, without a call
            else:
                value = _plain(value_node, depth + 1, unset)
            if not value and type(value) in _UNSET_TYPES:
                unset.append(True)
            result[key] = value
        return result
    if kind is yaml.SequenceNode and node.tag == SEQ:
        return [_plain(item, depth + 1, unset) for item in node.value]
    raise _NotPlain


class _Converter:
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
            return self._scalar(node, path)
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

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
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


_SCALAR_CONVERTER = _Converter("")


def parse_json(source: str, text: str) -> tuple[list[ParsedDocument], list[Problem]]:
    """The one document of a JSON file (none when the file is blank)."""
    if not text.strip():
        return [], []
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    def no_constants(name: str) -> Any:
        raise ValueError(f"`{name}` is not a JSON number")

    def compose() -> yaml.Node | None:
        # JSON is YAML, except that tabs may not indent YAML; a tab outside a JSON string is
        # whitespace and inside one is invalid, so replacing it keeps every column in place.
        return yaml.compose(text.replace("\t", " "), Loader=Loader)

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        problem = Problem(source, exc.lineno, exc.colno, "$", f"JSON syntax error: {exc.msg}")
        return [], [problem]
    except (ValueError, RecursionError) as exc:
        return [], [Problem(source, 1, 1, "$", f"JSON error: {exc}")]
    line, column = _first_char(text)
    document = ParsedDocument(0, data, Locator(None, compose), line, column)
    if duplicates or _too_deep(data):
        document.problems = _json_node_problems(source, document)
        if not document.problems:  # pragma: no cover - compose disagreed with json
            document.problems = [Problem(source, 1, 1, "$", "duplicate key or nesting too deep")]
        document.data = None if _too_deep(data) else data
    return [document], []


def _first_char(text: str) -> tuple[int, int]:
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _too_deep(data: Any) -> bool:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return False


def _json_node_problems(source: str, document: ParsedDocument) -> list[Problem]:
    root = document.locator.root()
    if root is None:
        return []
    converter = _Converter(source)
    try:
        converter.convert(root, (), 0)
    except ParseError as exc:
        converter.problems.append(
            Problem(source, exc.line, exc.column, format_path(exc.path), exc.message)
        )
    return converter.problems
