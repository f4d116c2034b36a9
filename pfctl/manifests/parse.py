"""Turn the text of a YAML or JSON file into plain documents that keep their source locations.

YAML is composed to nodes by PyYAML (libyaml's C parser when available) and converted to plain
data (``pfctl.manifests.fastconvert``, or ``pfctl.manifests.convert`` when a node needs its
checks), so that duplicate keys, non-string keys, alias bombs and deep nesting are caught with
the line and column of the offending node. JSON is parsed by the json module for exact JSON
semantics; its nodes are composed (as YAML, a superset) only when a location is needed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from pfctl.manifests.convert import MAX_DEPTH, NodeConverter, ParseError
from pfctl.manifests.fastconvert import NotPlain, convert_plain
from pfctl.manifests.model import DOCUMENT_PATH, Problem
from pfctl.manifests.nodes import NULL, Loader, Locator, mark, scalar_tag
from pfctl.spec.paths import Path, format_path

__all__ = ["ParsedDocument", "parse_json", "parse_yaml"]

# libyaml's anchor and alias names are made of ASCII letters, digits, `_` and `-`; `\w` is a
# superset. A shell's `&&` or a glob's `*.txt` matches neither.
_ANCHOR = re.compile(r"&[\w-]")
_ALIAS = re.compile(r"\*[\w-]")
# An escape of a UTF-16 surrogate (U+D800 to U+DFFF): in JSON `\ud800`, in YAML also
# `\U0000d800`. Half of a pair, alone, it is no character: it cannot be stored nor printed.
_JSON_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_YAML_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_YAML_SURROGATE_HINT = (
    "; a UTF-16 surrogate escape such as \\ud800 is no character in YAML: write the character "
    "itself, or its code point as \\U0001f600"
)


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
    return Problem(source, line, column, DOCUMENT_PATH, message)


def parse_yaml(source: str, text: str) -> tuple[list[ParsedDocument], list[Problem]]:
    """Every document of a YAML stream; a syntax error ends the stream with a problem."""
    documents: list[ParsedDocument] = []
    problems: list[Problem] = []
    loader = Loader(text)
    # An alias needs an anchor (`&a`) and a use of it (`*a`): without both in the text, no node
    # is shared, so there is no bomb or recursion to guard against.
    may_alias = _ANCHOR.search(text) is not None and _ALIAS.search(text) is not None
    # libyaml refuses surrogate escapes as a syntax error; PyYAML's Python parser does not.
    surrogates = _YAML_SURROGATE_ESCAPE.search(text) is not None
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            document = _convert_document(source, index, node, may_alias=may_alias)
            if surrogates and document.data is not None:
                _check_values(source, document, surrogates=True)
            if document.data is None and not document.problems:
                document.line, document.column = _document_start(text, document.line), 1
            documents.append(document)
            index += 1
    except yaml.YAMLError as exc:
        problem = _syntax_problem(source, exc, "YAML", text)
        if surrogates and "escape code" in problem.message:
            message = f"{problem.message}{_YAML_SURROGATE_HINT}"
            problem = dataclasses.replace(problem, message=message)
        problems.append(problem)
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
            document.data = convert_plain(node, 0, unset)
        except NotPlain:
            pass  # the full conversion below reports what the fast one passed over
        else:
            document.unset_free = not unset
            return document
    converter = NodeConverter(source, may_alias=may_alias)
    try:
        document.data = converter.convert(node, (), 0)
    except ParseError as exc:
        document.data = None
        converter.problems.append(
            Problem(source, exc.line, exc.column, format_path(exc.path), exc.message)
        )
    document.problems = converter.problems
    return document


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

    infinite: list[bool] = []

    def number(literal: str) -> float:
        value = float(literal)
        if math.isinf(value):  # 1e400: beyond a double, as PaddleFlow's Go decoder refuses it
            infinite.append(True)
        return value

    surrogates = _JSON_SURROGATE_ESCAPE.search(text) is not None

    def compose() -> yaml.Node | None:
        # JSON is YAML, except that tabs may not indent YAML; a tab outside a JSON string is
        # whitespace and inside one is invalid, so replacing it keeps every column in place.
        # YAML refuses surrogate escapes: U+FFFD's escape has the same length.
        composed = text.replace("\t", " ")
        if surrogates:
            composed = _JSON_SURROGATE_ESCAPE.sub(r"\\ufffd", composed)
        return yaml.compose(composed, Loader=Loader)

    try:
        data = json.loads(
            text, object_pairs_hook=pairs, parse_constant=no_constants, parse_float=number
        )
    except json.JSONDecodeError as exc:
        problem = Problem(
            source, exc.lineno, exc.colno, DOCUMENT_PATH, f"JSON syntax error: {exc.msg}"
        )
        return [], [problem]
    except (ValueError, RecursionError) as exc:
        return [], [Problem(source, 1, 1, DOCUMENT_PATH, f"JSON error: {exc}")]
    line, column = _first_char(text)
    document = ParsedDocument(0, data, Locator(None, compose), line, column)
    if surrogates or infinite:
        _check_values(source, document, surrogates=surrogates, located_keys=not surrogates)
    too_deep = _too_deep(data)
    if duplicates or too_deep:
        found = _json_node_problems(source, document)
        if not found:  # pragma: no cover - compose disagreed with json
            found = [Problem(source, 1, 1, DOCUMENT_PATH, "duplicate key or nesting too deep")]
        document.problems = sorted(
            [*document.problems, *found], key=lambda problem: (problem.line, problem.column)
        )
        if too_deep:
            document.data = None
    return [document], []


def _check_values(
    source: str, document: ParsedDocument, *, surrogates: bool, located_keys: bool = True
) -> None:
    """Add a problem for every value no server can take: a string or key holding a lone
    surrogate (the document is then unusable: its data is dropped), and a number beyond the
    range of a double. ``located_keys=False``: the locator's keys have U+FFFD for surrogates."""
    found: list[tuple[Path, str, str]] = []  # (path, "key"/"string"/"number", the text)
    pending: list[tuple[Path, Any]] = [((), document.data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if surrogates and _LONE_SURROGATE.search(key):
                    found.append(((*path, key), "key", key))
                pending.append(((*path, key), item))
        elif isinstance(value, list):
            pending.extend(((*path, index), item) for index, item in enumerate(value))
        elif isinstance(value, str):
            if surrogates and _LONE_SURROGATE.search(value):
                found.append((path, "string", value))
        elif isinstance(value, float) and math.isinf(value):
            found.append((path, "number", ""))
    problems = []
    for path, kind, text in found:
        where = path if located_keys else _fffd_keys(path)
        line, column = document.locator.locate(where, at_key=kind == "key")
        if kind == "number":
            literal = document.locator.scalar_text(where) or "the number"
            message = f"`{literal}` is beyond the range of a JSON number (a double)"
        else:
            char = ord(_LONE_SURROGATE.findall(text)[0])
            message = (
                f"the {kind} holds a lone UTF-16 surrogate (\\u{char:04x}), which is not a "
                "character: write the character itself or its full surrogate pair"
            )
        problems.append(Problem(source, line, column, format_path(path), message))
    document.problems.extend(sorted(problems, key=lambda problem: (problem.line, problem.column)))
    if any(kind != "number" for _, kind, _ in found):
        document.data = None


def _fffd_keys(path: Path) -> Path:
    return tuple(
        _LONE_SURROGATE.sub("\ufffd", part) if isinstance(part, str) else part for part in path
    )


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
    converter = NodeConverter(source)
    try:
        converter.convert(root, (), 0)
    except ParseError as exc:
        converter.problems.append(
            Problem(source, exc.line, exc.column, format_path(exc.path), exc.message)
        )
    return converter.problems
