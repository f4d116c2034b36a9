"""The manifest cache: a warm load equals a cold one, and nothing stale or foreign is trusted."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from pfctl.manifests import LoadResult, load_manifests, plain_record_text
from pfctl.manifests.batches import PARALLEL_THRESHOLD
from pfctl.manifests.cache import KEEP_FILES, ManifestCache

SINGLE = "type: single\nid: {id}\nimage: busybox\ncommand: echo {id}\nlabels: {{team: a}}\n"
FILES = {
    "a-valid.yaml": SINGLE.format(id="job-a"),
    "b-two-docs.yaml": SINGLE.format(id="job-b") + "---\n" + SINGLE.format(id="job-c"),
    "c-invalid.yaml": "type: single\nid: job-d\nimagee: busybox\n",
    "d-syntax.yaml": "type: single\nid: [unclosed\n",
    "e-empty.yaml": "# nothing here\n",
    "f-duplicate.yaml": SINGLE.format(id="job-a"),
    "g-json.json": json.dumps({"type": "single", "id": "job-e", "image": "busybox"}),
    "h-distributed.yaml": (
        "type: distributed\nid: job-f\nframework: paddle\n"
        "members:\n  - {role: pworker, replicas: 2, image: paddle, command: train}\n"
    ),
}


def write_files(directory: Path, files: dict[str, str]) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


def cache_files() -> list[Path]:
    directory = Path(os.environ["XDG_CACHE_HOME"]) / "pfctl" / "manifests"
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def comparable(result: LoadResult) -> tuple[object, ...]:
    return (result.manifests, result.problems, result.documents)


def uncached(paths: list[str], monkeypatch: pytest.MonkeyPatch) -> LoadResult:
    with monkeypatch.context() as patch:
        patch.setenv("PFCTL_NO_CACHE", "1")
        return load_manifests(paths)


def test_a_warm_load_finds_exactly_what_a_cold_one_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_files(tmp_path / "jobs", FILES)
    reference = uncached(paths, monkeypatch)
    assert cache_files() == []
    assert any(p.severity == "error" for p in reference.problems)  # the mix has errors
    assert any(p.severity == "note" for p in reference.problems)  # and notes

    cold = load_manifests(paths)
    [written] = cache_files()
    warm = load_manifests(paths)

    assert comparable(cold) == comparable(reference)
    assert comparable(warm) == comparable(reference)
    # Each manifest carries the last-applied record its apply writes, cached along with it.
    assert [m.record for m in warm.manifests] == [
        plain_record_text(m.type, m.body) for m in reference.manifests
    ]
    assert all(m.record for m in warm.manifests)
    # The duplicate id is found across files whether or not they came from the cache.
    assert any("duplicate id `job-a`" in p.message for p in warm.problems)
    entries = json.loads(written.read_text())["entries"]
    assert len(entries) == len(FILES)


def test_the_cache_is_used_when_name_bytes_and_code_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_files(tmp_path / "jobs", {"job.yaml": SINGLE.format(id="job-a")})
    load_manifests(paths)
    [written] = cache_files()
    stored = json.loads(written.read_text())
    # Rewrite the stored outcome's image: a warm load returns what the cache holds.
    [entry] = stored["entries"].values()
    entry[2][0][2][3]["image"] = "from-the-cache"
    written.write_text(json.dumps(stored))
    assert load_manifests(paths).manifests[0].body["image"] == "from-the-cache"

    # Another fingerprint of pfctl's code: the same entry is not trusted.
    stored["fingerprint"] = "0" * 32
    written.write_text(json.dumps(stored))
    assert load_manifests(paths).manifests[0].body["image"] == "busybox"


def test_changed_bytes_are_checked_again(tmp_path: Path) -> None:
    [path] = write_files(tmp_path / "jobs", {"job.yaml": SINGLE.format(id="job-a")})
    assert load_manifests([path]).ok
    Path(path).write_text("type: single\nid: job-a\nimage: busybox\nreplicass: 2\n")
    result = load_manifests([path])
    assert not result.ok
    assert [(p.line, p.json_path) for p in result.problems] == [(4, "$.replicass")]
    # Back to the first bytes: valid again, from a cache that now holds only the second version.
    Path(path).write_text(SINGLE.format(id="job-a"))
    assert load_manifests([path]).ok
    [written] = cache_files()
    assert len(json.loads(written.read_text())["entries"]) == 1


def test_a_damaged_cache_file_is_a_miss_and_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_files(tmp_path / "jobs", FILES)
    reference = uncached(paths, monkeypatch)
    load_manifests(paths)
    [written] = cache_files()
    for damage in (b"\x00garbage", b'{"format": 1, "entries": []}', b""):
        written.write_bytes(damage)
        assert comparable(load_manifests(paths)) == comparable(reference)
    stored = json.loads(written.read_text())
    first = next(iter(stored["entries"]))
    stored["entries"][first] = ["not", "an", "outcome"]
    written.write_text(json.dumps(stored))
    assert comparable(load_manifests(paths)) == comparable(reference)


def test_pfctl_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = write_files(tmp_path / "jobs", FILES)
    uncached(paths, monkeypatch)
    assert cache_files() == []
    monkeypatch.setenv("PFCTL_CACHE_DIR", str(tmp_path / "elsewhere"))
    load_manifests(paths)
    assert cache_files() == []
    assert len(list((tmp_path / "elsewhere" / "manifests").glob("*.json"))) == 1


def test_the_cache_directory_is_private_and_bounded(tmp_path: Path) -> None:
    for index in range(KEEP_FILES + 3):
        path = write_files(tmp_path / f"set-{index}", {"job.yaml": SINGLE.format(id="j")})
        load_manifests(path)
    files = cache_files()
    assert len(files) == KEEP_FILES
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700


def test_validate_style_loads_do_not_use_the_cache(tmp_path: Path) -> None:
    paths = write_files(tmp_path / "jobs", FILES)
    load_manifests(paths, keep_manifests=False)
    assert cache_files() == []


def test_a_cache_per_target(tmp_path: Path) -> None:
    paths = write_files(tmp_path / "jobs", FILES)
    cache = ManifestCache.open(paths, "paddleflow")
    other = ManifestCache.open(paths, "local")
    assert cache is not None and other is not None
    assert cache.path != other.path


def test_many_files_through_worker_processes_hit_and_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = PARALLEL_THRESHOLD + 40
    files = {f"job-{n:04d}.yaml": SINGLE.format(id=f"job-{n}") for n in range(count)}
    paths = write_files(tmp_path / "jobs", files)
    load_manifests(paths)  # cold, through the pool
    # Change a third of the files, one of them into an invalid manifest.
    for n in range(0, count, 3):
        Path(paths[n]).write_text(SINGLE.format(id=f"job-{n}").replace("busybox", "alpine"))
    Path(paths[1]).write_text("type: single\nid: job-1\nimage: [\n")
    warm = load_manifests(paths)
    assert comparable(warm) == comparable(uncached(paths, monkeypatch))
    # Files 0 and 3 changed, 1 is invalid now, 2 is unchanged.
    assert [m.body["image"] for m in warm.manifests[:3]] == ["alpine", "busybox", "alpine"]
