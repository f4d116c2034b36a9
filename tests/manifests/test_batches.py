"""Work split for the worker pool, streamed reports, and loading started ahead of its result."""

from __future__ import annotations

from pathlib import Path

import pytest

from pfctl.errors import InputError
from pfctl.manifests import load_manifests
from pfctl.manifests.loader import (
    PARALLEL_MIN_BYTES,
    PARALLEL_THRESHOLD,
    add_outcome,
    check_file,
    iter_outcomes,
    plan_batches,
    start_loading,
)
from pfctl.manifests.model import LoadResult
from pfctl.manifests.report import FORMATS, ReportStream, render

SINGLE = "type: single\nid: {id}\nimage: busybox\n"
PADDING = "# " + "a comment that makes the document as big as a real one " * 5 + "\n"


def _multi_document_files(directory: Path, files: int, per_file: int) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(files):
        documents = []
        for index in range(per_file):
            job_id = f"job-{number}-{index}"
            if index == per_file // 2:  # one invalid document in each file
                documents.append(f"type: single\nid: {job_id}\nimage: [x]\nport: 70000\n")
            else:
                documents.append(SINGLE.format(id=job_id) + f"labels: {{team: a}}\n{PADDING}")
        path = directory / f"jobs-{number:03d}.yaml"
        path.write_text("---\n".join(documents), encoding="utf-8")
        paths.append(str(path))
    return paths


def test_few_large_files_are_split_into_batches_by_bytes() -> None:
    files = [f"f{number}.yaml" for number in range(10)]
    sizes = [PARALLEL_MIN_BYTES // 4] * 10  # 10 files: few, but many bytes
    batches = plan_batches(files, sizes, workers=2)
    assert len(batches) > 2
    assert [path for batch in batches for path in batch] == files


@pytest.mark.parametrize(
    ("count", "size", "workers"),
    [(PARALLEL_THRESHOLD - 1, 100, 2), (PARALLEL_THRESHOLD * 5, 10_000, 1), (0, 0, 2)],
    ids=["small-input", "one-core", "nothing"],
)
def test_no_pool_for_small_input_or_one_core(count: int, size: int, workers: int) -> None:
    files = [f"f{number}.yaml" for number in range(count)]
    batches = plan_batches(files, [size] * count, workers=workers)
    assert batches == ([files] if files else [])


def test_many_files_make_batches_in_input_order() -> None:
    files = [f"f{number:05d}.yaml" for number in range(PARALLEL_THRESHOLD * 10)]
    batches = plan_batches(files, [900] * len(files), workers=2)
    assert len(batches) >= 2
    assert [path for batch in batches for path in batch] == files


def test_multi_document_files_checked_by_workers_match_one_by_one(tmp_path: Path) -> None:
    paths = _multi_document_files(tmp_path / "multi", files=8, per_file=120)
    assert sum(Path(path).stat().st_size for path in paths) >= PARALLEL_MIN_BYTES
    result = load_manifests([str(tmp_path / "multi")])
    expected = LoadResult()
    for path in paths:
        add_outcome(expected, check_file(path))
    assert result == expected
    assert len(result.documents) == 8 * 120
    assert result.invalid_count == 8
    assert len(result.manifests) == 8 * 119


def test_started_loading_gives_the_same_result(tmp_path: Path) -> None:
    for number in range(PARALLEL_THRESHOLD + 5):
        (tmp_path / f"m{number:04d}.yaml").write_text(SINGLE.format(id=f"job-{number % 150}"))
    pending = start_loading([str(tmp_path)])
    assert pending.result() == load_manifests([str(tmp_path)])


def test_started_loading_refuses_unusable_input_at_once(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        start_loading([str(tmp_path / "missing.yaml")])


@pytest.mark.parametrize("output", sorted(FORMATS))
@pytest.mark.parametrize("quiet", [False, True])
def test_a_streamed_report_prints_what_the_whole_report_does(
    tmp_path: Path, output: str, quiet: bool
) -> None:
    (tmp_path / "a.yaml").write_text(SINGLE.format(id="a") + "---\n---\n" + SINGLE.format(id="b"))
    (tmp_path / "b.yaml").write_text("type: single\nid: a\nimage: [x]\nenv: {N: 3}\n")
    (tmp_path / "c.yaml").write_text("")
    (tmp_path / "d.yaml").write_text("type: single\nid: d\nimage: x\n  bad: [\n")
    (tmp_path / "e.json").write_text('{"type": "single", "id": "e", "image": "x"}')
    whole = render(load_manifests([str(tmp_path)], keep_manifests=False), output, quiet=quiet)
    out: list[str] = []
    err: list[str] = []
    stream = ReportStream(output, quiet=quiet, out=out.append, err=err.append)
    for outcome in iter_outcomes([str(tmp_path)], keep_manifests=False):
        stream.add(outcome)
    assert stream.finish() is False
    assert (out, err) == (whole.stdout, whole.stderr)
    assert any("duplicate id `a`" in line for line in out)


def test_a_streamed_report_of_valid_files_is_ok(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SINGLE.format(id="a"))
    out: list[str] = []
    stream = ReportStream("text", out=out.append, err=out.append)
    for outcome in iter_outcomes([str(tmp_path)]):
        stream.add(outcome)
    assert stream.finish() is True
    assert out[-1] == "1 manifest, 1 valid, 0 invalid"
