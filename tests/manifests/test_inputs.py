"""Which files an input names: directories (``-R``), files given twice, unusable paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from pfctl.errors import InputError
from pfctl.manifests import load_manifests
from pfctl.manifests.inputs import find_inputs

SINGLE = "type: single\nid: {id}\nimage: busybox\n"


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_directories_read_manifest_files_and_recurse_only_with_r(tmp_path: Path) -> None:
    write(tmp_path / "b.yaml", SINGLE.format(id="b"))
    write(tmp_path / "a.json", '{"type": "single", "id": "a", "image": "x"}')
    write(tmp_path / "notes.txt", "not a manifest")
    write(tmp_path / ".hidden.yaml", "broken: [")
    write(tmp_path / "sub" / "c.yml", SINGLE.format(id="c"))
    write(tmp_path / ".git" / "d.yaml", "broken: [")
    flat = load_manifests([str(tmp_path)])
    assert [m.id for m in flat.manifests] == ["a", "b"]
    deep = load_manifests([str(tmp_path)], recursive=True)
    assert [m.id for m in deep.manifests] == ["a", "b", "c"]


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    source = write(tmp_path / "job.yaml", SINGLE.format(id="once"))
    result = load_manifests([source, str(tmp_path)])
    assert result.ok
    assert len(result.manifests) == 1


@pytest.mark.parametrize("recursive", [False, True])
def test_unusable_inputs_raise_input_error(tmp_path: Path, recursive: bool) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        load_manifests([str(tmp_path / "missing.yaml")], recursive=recursive)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no \*\.yaml, \*\.yml or \*\.json files"):
        load_manifests([str(tmp_path / "empty")], recursive=recursive)


def test_a_directory_with_only_subdirectories_needs_r(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "job.yaml", SINGLE.format(id="deep"))
    with pytest.raises(InputError, match="use -R"):
        load_manifests([str(tmp_path)])


def test_inputs_keep_their_order_without_repeats(tmp_path: Path) -> None:
    second = write(tmp_path / "b.yaml", SINGLE.format(id="b"))
    first = write(tmp_path / "a.yaml", SINGLE.format(id="a"))
    found = find_inputs(["-", second, str(tmp_path), "-"], recursive=False)
    assert found == ["-", second, first]
