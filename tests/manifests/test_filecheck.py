"""Checking one file's bytes: text or not, and never an exception whatever the bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pfctl.manifests import load_manifests
from pfctl.manifests.filecheck import check_bytes


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
