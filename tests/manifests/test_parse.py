"""YAML and JSON parsing with locations, and what plain PyYAML would let through."""

from __future__ import annotations

from pathlib import Path

from pfctl.manifests import load_manifests
from pfctl.manifests.convert import MAX_DEPTH
from pfctl.manifests.parse import parse_json, parse_yaml


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


def test_anchors_the_alias_guard_does_not_see_are_syntax_errors() -> None:
    # parse_yaml skips alias protection when no `&name` and `*name` (ASCII word characters or
    # `-`) are in the text; any other anchor must be refused by the YAML scanner itself.
    for text in ("a: &é 1\nb: *é\n", "a: &.x 1\nb: *.x\n", "a: &&x 1\nb: *&x\n"):
        _, problems = parse_yaml("s", text)
        assert [p.message.split(":")[0] for p in problems] == ["YAML syntax error"]
