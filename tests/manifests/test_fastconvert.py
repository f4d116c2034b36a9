"""The fast conversion of plain YAML node graphs gives exactly what the full conversion gives."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pfctl.manifests.checks import strip_unset
from pfctl.manifests.nodes import Loader
from pfctl.manifests.parse import _convert_document, parse_yaml

# Raw YAML tokens, written as they are: plain scalars that resolve to every type, quoted and
# tagged ones, empty values, and flow collections; then ones that make problems.
PLAIN_TOKENS = [
    "a",
    "name",
    "type",
    "yes",
    "No",
    "on",
    "null",
    "~",
    "",
    '""',
    "''",
    "'1'",
    "1",
    "-2",
    "0x1F",
    "017",
    "1_000",
    "1.5",
    ".inf",
    ".nan",
    "1e3",
    "2024-01-01",
    "<<",
    "=",
    "!!str 12",
    "!!int 7",
    "!!float 1",
    "{}",
    "[]",
    "{a: 1, b: ''}",
    "[1, '', {}, ~]",
    "[[], [[]]]",
    "!!map {}",
    "!!seq []",
]


TOKENS = [
    *PLAIN_TOKENS * 4,
    "!!int x",
    "!!binary aGk=",
    "!!bool maybe",
    "!local x",
    "{a: 1, a: 2}",
    "{? [1]: 2}",
    "{1: x}",
    "{<<: {a: 1}}",
]


PLAIN_KEYS = ["a", "b", "c", "name", "env", "labels", "'x'", "members"]


KEY_TOKENS = [*PLAIN_KEYS * 4, "1", "yes", "null", "~", "<<", "!!str 3", "!!merge m"]


@st.composite
def yaml_texts(draw: st.DrawFn, depth: int = 0) -> str:
    """A block mapping of random keys and values, possibly nested."""
    lines = []
    indent = "  " * depth
    for key in draw(st.lists(st.sampled_from(KEY_TOKENS), min_size=1, max_size=4, unique=True)):
        if depth < 2 and draw(st.booleans()):
            inner = draw(yaml_texts(depth + 1))
            if draw(st.booleans()):
                lines.append(f"{indent}{key}:\n{inner}")
            else:  # a list of one mapping
                first, *rest = inner.split("\n")
                item = "\n".join([f"{indent}  - {first.lstrip()}", *(f"  {line}" for line in rest)])
                lines.append(f"{indent}{key}:\n{item}")
        else:
            lines.append(f"{indent}{key}: {draw(st.sampled_from(TOKENS))}".rstrip())
    return "\n".join(lines)


def typed(value: Any) -> Any:
    """``value`` with the type of every scalar, so that 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return ("dict", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, repr(value))


def compose(text: str) -> yaml.Node | None:
    loader = Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_texts())
def test_fast_conversion_is_the_full_conversion(text: str) -> None:
    try:
        node = compose(text)
    except yaml.YAMLError:
        return  # a syntax error: no node to convert either way
    assert node is not None
    fast = _convert_document("s", 0, node, may_alias=False)
    full = _convert_document("s", 0, node, may_alias=True)  # aliases possible: no fast path
    assert typed(fast.data) == typed(full.data)
    assert fast.problems == full.problems
    assert (fast.line, fast.column) == (full.line, full.column)
    assert not full.unset_free
    if fast.unset_free:
        assert fast.problems == []
        assert typed(strip_unset(fast.data)) == typed(fast.data)


def test_fast_conversion_is_taken_for_plain_documents_only() -> None:
    [plain], _ = parse_yaml("s", "a: 1\nb: [x, {c: d}]\n")
    [with_unset], _ = parse_yaml("s", "a: 1\nb: {c: ''}\n")
    [with_problem], _ = parse_yaml("s", "a: 1\na: 2\n")
    [with_alias], _ = parse_yaml("s", "a: &x {b: 1}\nc: *x\n")
    assert plain.unset_free
    assert plain.data == {"a": 1, "b": ["x", {"c": "d"}]}
    assert not with_unset.unset_free
    assert not with_problem.unset_free
    assert [p.message for p in with_problem.problems] == [
        "duplicate key `a` (first at line 1, column 1)"
    ]
    assert not with_alias.unset_free


def test_shell_and_globs_keep_the_fast_path_and_aliases_do_not() -> None:
    [shell], _ = parse_yaml("s", "command: make && ls *.txt\n")
    [aliased], _ = parse_yaml("s", "a: &x [1]\nb: *x\n")
    assert shell.unset_free
    assert not aliased.unset_free
    assert aliased.data == {"a": [1], "b": [1]}
