"""Outcomes added up into one load result: the same id twice across the input."""

from __future__ import annotations

from pathlib import Path

from pfctl.manifests import load_manifests

SINGLE = "type: single\nid: {id}\nimage: busybox\n"


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_same_id_twice_across_inputs(tmp_path: Path) -> None:
    first = write(tmp_path / "a.yaml", SINGLE.format(id="twin"))
    second = write(tmp_path / "b.yaml", "# again\n" + SINGLE.format(id="twin"))
    result = load_manifests([first, second])
    assert [m.source for m in result.manifests] == [first]
    [problem] = result.problems
    assert (problem.source, problem.line, problem.column, problem.json_path) == (
        second,
        3,
        5,
        "$.id",
    )
    assert problem.message == f"duplicate id `twin`: first at {first}:2:5"
    assert result.invalid_count == 1
