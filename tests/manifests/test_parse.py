"""YAML and JSON parsing with locations, and what plain PyYAML would let through."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pfctl.manifests import load_manifests
from pfctl.manifests.loader import check_bytes
from pfctl.manifests.parse import MAX_DEPTH, parse_json, parse_yaml


def first_error(tmp_path: Path, name: str, content: str | bytes) -> tuple[int, int, str, str]:
    source = tmp_path / name
    if isinstance(content, bytes):
        source.write_bytes(content)
    else:
        source.write_text(content, encoding="utf-8")
    result = load_manifests([str(source)])
    problem = next(p for p in result.problems if p.severity == "error")
    return problem.line, problem.column, problem.json_path, problem.message


def test_yaml_keeps_types_as_the_safe_loader_does() -> None:
    text = "a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: 2024-01-01\ng: 017\nh: 1_000\ni: yes\n"
    [document], problems = parse_yaml("s", text)
    assert problems == []
    assert document.data == {
        "a": 1,
        "b": 1.5,
        "c": True,
        "d": None,
        "e": "1",
        "f": "2024-01-01",  # JSON has no dates: the text is kept
        "g": 15,
        "h": 1000,
        "i": True,
    }


def test_locator_finds_keys_values_and_missing_paths() -> None:
    [document], _ = parse_yaml("s", "a:\n  - x\n  - {b: 1}\n")
    assert document.locator.locate(("a", 1, "b")) == (3, 9)
    assert document.locator.locate(("a", 1, "b"), at_key=True) == (3, 6)
    assert document.locator.locate(("a", 1, "missing")) == (3, 5)
    assert document.locator.locate(("a", 7)) == (2, 3)


def test_duplicate_keys_in_yaml_and_json(tmp_path: Path) -> None:
    assert first_error(tmp_path, "d.yaml", "type: single\nid: a\nid: b\nimage: x\n")[:3] == (
        3,
        1,
        "$.id",
    )
    assert first_error(
        tmp_path, "d.json", '{"type": "single", "id": "a", "image": "x",\n "type": "single"}'
    )[:3] == (
        2,
        2,
        "$.type",
    )


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    message = first_error(tmp_path, "r.yaml", "a: &x\n  b: *x\n")[3]
    assert message.startswith(("YAML syntax error", "recursive alias"))


def test_merge_needs_a_mapping(tmp_path: Path) -> None:
    error = first_error(tmp_path, "m.yaml", "type: single\nid: a\nx: &v 1\nfs:\n  <<: *v\n")
    assert error == (3, 4, "$.fs", "a merge key `<<` needs a mapping")


def test_explicit_unsupported_tags(tmp_path: Path) -> None:
    error = first_error(tmp_path, "t.yaml", "type: single\nid: a\nlabels: !!set {a, b}\n")
    assert error == (3, 9, "$.labels", "unsupported YAML tag tag:yaml.org,2002:set")


def test_nesting_is_bounded_in_yaml_and_json(tmp_path: Path) -> None:
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    assert first_error(tmp_path, "deep.yaml", f"x: {deep}\n")[3] == (
        f"nesting deeper than {MAX_DEPTH} levels"
    )
    assert first_error(tmp_path, "deep.json", '{"x": ' + deep + "}")[3] == (
        f"nesting deeper than {MAX_DEPTH} levels"
    )


def test_json_rejects_nan_and_reports_syntax_errors_with_location() -> None:
    documents, problems = parse_json("s", '{"port": NaN}')
    assert documents == []
    assert "`NaN` is not a JSON number" in problems[0].message
    documents, problems = parse_json("s", '{\n  "a": 1\n  "b": 2\n}')
    assert [(p.line, p.column) for p in problems] == [(3, 3)]
    assert problems[0].message == "JSON syntax error: Expecting ',' delimiter"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xef\xbb\xbftype: single\nid: a\nimage: x\n", None),  # a UTF-8 BOM is fine
        (b"\xff\xfet\x00y\x00", (1, 4, "$", "binary data")),
        (b"type: single\nid: a\nimage: \xc3\x28\n", (3, 8, "$", "not valid UTF-8 text")),
        (b"type: single\nid: a\nimage: \x07bell\n", (3, 8, "$", "YAML syntax error")),
    ],
)
def test_bytes_that_are_not_text(
    tmp_path: Path, content: bytes, expected: tuple[int, int, str, str] | None
) -> None:
    source = tmp_path / "b.yaml"
    source.write_bytes(content)
    result = load_manifests([str(source)])
    if expected is None:
        assert result.ok
        return
    problem = result.problems[0]
    assert (problem.line, problem.column, problem.json_path) == expected[:3]
    assert problem.message.startswith(expected[3])


YAMLISH = st.lists(
    st.sampled_from(
        [
            "type: single",
            "id: a",
            "image: x",
            "- ",
            "  ",
            "{",
            "}",
            "[",
            "]",
            ": ",
            "&a ",
            "*a",
            "<<: *a",
            "---",
            "\n",
            "'",
            '"',
            "#",
            "!!int ",
            "env:",
            "  A: 1",
            "\t",
            "members:",
            "?",
        ]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(YAMLISH, st.text(max_size=200)), st.booleans())
def test_any_text_gives_problems_never_an_exception(text: str, as_json: bool) -> None:
    outcome = check_bytes("fuzz", text.encode("utf-8", "surrogatepass"), as_json=as_json)
    for problem in outcome.problems + [p for d in outcome.documents for p in d.problems]:
        assert problem.line >= 1
        assert problem.column >= 1
        assert problem.json_path.startswith("$")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_problems_never_an_exception(data: bytes) -> None:
    outcome = check_bytes("fuzz", data, as_json=False)
    assert all(problem.line >= 1 for problem in outcome.problems)
