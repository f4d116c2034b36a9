"""Work split for the worker pool: batches by bytes, in input order, checked as one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

from pfctl.manifests import LoadResult, load_manifests
from pfctl.manifests.batches import PARALLEL_MIN_BYTES, PARALLEL_THRESHOLD, plan_batches
from pfctl.manifests.filecheck import check_file
from pfctl.manifests.outcomes import add_outcome

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
