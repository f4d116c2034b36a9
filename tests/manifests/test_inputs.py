"""Which files an input names: directories (``-R``), files given twice, unusable paths, and what
is not read (FIFOs, devices, directories that cannot be listed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pfctl.errors import InputError
from pfctl.manifests import load_manifests
from pfctl.manifests.filecheck import check_file
from pfctl.manifests.inputs import NotRead, find_inputs, read_bytes

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


# --- devices, FIFOs and what cannot be listed (only regular files are read) -------------------


def _fifo_and_zero(directory: Path) -> tuple[str, str]:
    """A FIFO (no writer: reading it would wait forever) and a symlink to /dev/zero (reading it
    would never end), both named like manifests."""
    directory.mkdir(parents=True, exist_ok=True)
    fifo, zero = directory / "fifo.yaml", directory / "zero.yaml"
    os.mkfifo(fifo)
    zero.symlink_to("/dev/zero")
    return str(fifo), str(zero)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("recursive", [False, True])
def test_a_fifo_and_a_device_in_a_directory_are_skipped_with_a_warning(
    tmp_path: Path, recursive: bool
) -> None:
    write(tmp_path / "job.yaml", SINGLE.format(id="real"))
    fifo, zero = _fifo_and_zero(tmp_path if not recursive else tmp_path / "sub")
    result = load_manifests([str(tmp_path)], recursive=recursive)
    assert result.ok
    assert [m.id for m in result.manifests] == ["real"]
    warnings = {(p.source, p.severity, p.message) for p in result.problems}
    assert warnings == {
        (fifo, "warning", "not a regular file (a FIFO); skipped"),
        (zero, "warning", "not a regular file (a character device); skipped"),
    }
    assert {problem.source for problem in result.unread} == {fifo, zero}


@pytest.mark.timeout(30)
def test_a_fifo_or_a_device_named_explicitly_is_an_input_error(tmp_path: Path) -> None:
    fifo, zero = _fifo_and_zero(tmp_path)
    for path, kind in ((fifo, "a FIFO"), (zero, "a character device")):
        with pytest.raises(InputError, match=rf"not a regular file \({kind}\)"):
            load_manifests([path])


@pytest.mark.timeout(30)
def test_read_bytes_never_waits_on_a_fifo_nor_reads_a_device_without_end(tmp_path: Path) -> None:
    fifo, zero = _fifo_and_zero(tmp_path)
    for path in (fifo, zero):
        with pytest.raises(NotRead, match="not a regular file"):
            read_bytes(path)
    # A file swapped for a FIFO after it was listed is a problem of its outcome, not a hang.
    assert check_file(fifo).problems[0].message == "not a regular file (a FIFO)"


def _deeper_than_path_max(root: Path) -> str:
    """A directory whose path is longer than PATH_MAX: listing it fails (ENAMETOOLONG) even for
    root, which chmod 000 cannot make fail. Made relative to open directories, as only that
    works at such depths."""
    component = "d" * 250
    descriptor = os.open(root, os.O_RDONLY)
    depth = 0
    try:
        while depth * (len(component) + 1) < 4200:
            os.mkdir(component, dir_fd=descriptor)
            inner = os.open(component, os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
            depth += 1
        manifest = os.open("job.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor)
        os.write(manifest, SINGLE.format(id="deep").encode())
        os.close(manifest)
    finally:
        os.close(descriptor)
    return str(root / component)


def test_a_sub_directory_that_cannot_be_listed_is_an_error_at_its_path(tmp_path: Path) -> None:
    write(tmp_path / "top.yaml", SINGLE.format(id="top"))
    (tmp_path / "deep").mkdir()
    first_level = _deeper_than_path_max(tmp_path / "deep")
    result = load_manifests([str(tmp_path)], recursive=True)
    assert not result.ok
    assert [m.id for m in result.manifests] == ["top"]
    errors = [p for p in result.problems if p.severity == "error"]
    assert len(errors) == 1
    assert errors[0].source.startswith(first_level)
    assert errors[0].message == "cannot read directory: File name too long"
    assert result.unread == errors


def test_a_symlinked_directory_is_followed_once(tmp_path: Path) -> None:
    write(tmp_path / "team" / "job.yaml", SINGLE.format(id="team-job"))
    (tmp_path / "alias").symlink_to(tmp_path / "team")
    (tmp_path / "team" / "loop").symlink_to(tmp_path)
    result = load_manifests([str(tmp_path)], recursive=True)
    assert result.ok, result.problems
    assert [m.id for m in result.manifests] == ["team-job"]
    assert result.problems == []
