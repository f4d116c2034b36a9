"""The fast paths of parsing and checking give exactly what the full paths give."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pfctl.manifests.checks import strip_unset
from pfctl.manifests.fastcheck import compile_schema
from pfctl.manifests.nodes import Loader, scalar_tag
from pfctl.manifests.parse import _convert_document, parse_yaml
from pfctl.spec.argo_subset import _Checker

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


@given(st.lists(st.sampled_from(TOKENS + KEY_TOKENS), min_size=1, max_size=20))
def test_scalar_tags_are_the_safe_loaders_every_time(values: list[str]) -> None:
    resolver = yaml.resolver.Resolver()
    for value in values * 2:  # the second time, from the table of known tags
        node = yaml.ScalarNode("tag:yaml.org,2002:str", value, style="")
        assert scalar_tag(node) == resolver.resolve(yaml.ScalarNode, value, (True, False))


def old_expression_walk(checker: _Checker, root: Any, path: tuple[Any, ...]) -> None:
    """The walk before paths were built lazily: every value pushed with its full path."""
    pending: list[tuple[Any, tuple[Any, ...]]] = [(root, path)]
    while pending:
        value, where = pending.pop()
        if isinstance(value, str):
            checker.expressions_in(value, where, {"p"})
        elif isinstance(value, Mapping):
            items = [(item, (*where, str(key))) for key, item in value.items()]
            pending.extend(reversed(items))
        elif isinstance(value, list):
            pending.extend(reversed([(item, (*where, i)) for i, item in enumerate(value)]))


EXPRESSION_STRINGS = st.sampled_from(
    [
        "plain",
        "{{inputs.parameters.a}}",
        "x {{workflow.parameters.p}} {{workflow.parameters.q}}",
        "{{ item }}",
        "{{workflow.name}}{{steps.x.outputs}}",
        "{ {not} }",
        "{{",
    ]
)
TEMPLATE_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), EXPRESSION_STRINGS),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(["a", "b", "c"]), st.integers(0, 2)), children),
    ),
    max_leaves=20,
)


@given(TEMPLATE_VALUES)
def test_expressions_are_found_in_document_order_as_before(value: Any) -> None:
    fast, old = _Checker(), _Checker()
    fast.expressions(value, ("spec", "templates"), {"p"})
    old_expression_walk(old, value, ("spec", "templates"))
    assert fast.problems == old.problems


NAMED = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
CLOSED = {**NAMED, "additionalProperties": False}
EXTRA = {**NAMED, "additionalProperties": {"type": "boolean"}}
OBJECTS = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]),
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=2)),
)


@given(st.sampled_from([NAMED, CLOSED, EXTRA]), st.one_of(OBJECTS, st.integers()))
def test_property_checks_agree_with_jsonschema(schema: dict[str, Any], value: Any) -> None:
    from jsonschema import Draft202012Validator

    check = compile_schema({"urn:x": schema}, "urn:x")
    assert check(value) == Draft202012Validator(schema).is_valid(value)


def test_keys_are_located_through_merge_keys_only() -> None:
    text = (
        "base: &b {image: x, port: 1}\n"
        "plain:\n  <<: *b\n  name: p\n"
        "quoted:\n  '<<': {image: y}\n"
        "tagged:\n  !!merge m: *b\n"
    )
    [document], _ = parse_yaml("s", text)
    locate = document.locator.locate
    assert locate(("plain", "name")) == (4, 9)
    assert locate(("plain", "image")) == (1, 18)  # in the merged mapping
    assert locate(("plain", "image"), at_key=True) == (1, 11)
    assert locate(("quoted", "image")) == (6, 3)  # `'<<'` is a key like any other: not found
    assert locate(("quoted", "<<", "image")) == (6, 17)
    assert locate(("tagged", "port")) == (1, 27)  # an explicit merge tag merges


def test_anchors_the_alias_guard_does_not_see_are_syntax_errors() -> None:
    # parse_yaml skips alias protection when no `&name` and `*name` (ASCII word characters or
    # `-`) are in the text; any other anchor must be refused by the YAML scanner itself.
    for text in ("a: &é 1\nb: *é\n", "a: &.x 1\nb: *.x\n", "a: &&x 1\nb: *&x\n"):
        _, problems = parse_yaml("s", text)
        assert [p.message.split(":")[0] for p in problems] == ["YAML syntax error"]


def test_shell_and_globs_keep_the_fast_path_and_aliases_do_not() -> None:
    [shell], _ = parse_yaml("s", "command: make && ls *.txt\n")
    [aliased], _ = parse_yaml("s", "a: &x [1]\nb: *x\n")
    assert shell.unset_free
    assert not aliased.unset_free
    assert aliased.data == {"a": [1], "b": [1]}
