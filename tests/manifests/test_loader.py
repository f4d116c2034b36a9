"""Loading manifests from files, directories and stdin: bodies, locations, notes, errors."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from pfctl.errors import InputError
from pfctl.manifests import Manifest, load_manifests, start_loading
from pfctl.manifests.batches import PARALLEL_THRESHOLD

SINGLE = "type: single\nid: {id}\nimage: busybox\n"


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_manifest_becomes_a_create_body_without_unset_values(tmp_path: Path) -> None:
    source = write(
        tmp_path / "job.yaml",
        "# comment\n"
        "type: distributed\n"
        "id: train\n"
        "stopped: true\n"
        "name: ''\n"
        "labels: null\n"
        "annotations: {}\n"
        "framework: ray\n"
        "schedulingPolicy: {queue: default-queue, priority: ''}\n"
        "members:\n"
        "  - role: master\n"
        "    replicas: 1\n"
        "    image: ray\n"
        "    env: {EMPTY: ''}\n"
        "    args: ['', x]\n"
        "    fs: {name: '', mountPath: ''}\n"
        "  - {role: worker, replicas: 2, image: ray, extraFS: []}\n",
    )
    result = load_manifests([source])
    assert result.ok, result.problems
    assert result.manifests == [
        Manifest(
            source=source,
            document_index=0,
            line=2,
            column=1,
            type="distributed",
            id="train",
            stopped=True,
            body={
                "id": "train",
                "framework": "ray",
                "schedulingPolicy": {"queue": "default-queue"},
                "members": [
                    {
                        "role": "master",
                        "replicas": 1,
                        "image": "ray",
                        "env": {"EMPTY": ""},  # free-form maps keep their values as written
                        "args": ["", "x"],  # list elements keep their position
                    },
                    {"role": "worker", "replicas": 2, "image": "ray"},
                ],
            },
        )
    ]


def test_paddleflow_json_job_files_load_as_is(tmp_path: Path) -> None:
    # The shape of PaddleFlow's example/job files, plus type and id.
    source = write(
        tmp_path / "job.json",
        '{\n\t"type": "single",\n\t"id": "pf-json",\n\t"name": "",\n\t"labels": null,\n'
        '\t"fs": {},\n\t"env": [],\n\t"image": "busybox",\n\t"port": 0,\n'
        '\t"flavour": {"name": "flavour1"},\n\t"size": 1e3\n}\n',
    )
    result = load_manifests([source])
    # JSON numbers keep JSON meaning (1e3 is a number) and tabs still give exact columns.
    assert [(p.line, p.column, p.json_path) for p in result.problems] == [(11, 2, "$.size")]
    assert "unknown key `size`" in result.problems[0].message


def test_multi_document_files_and_empty_documents(tmp_path: Path) -> None:
    source = write(
        tmp_path / "jobs.yml",
        "---\n"
        + SINGLE.format(id="one")
        + "---\n---\n# only a comment\n---\n"
        + SINGLE.format(id="two"),
    )
    result = load_manifests([source])
    assert result.ok
    assert [(m.id, m.document_index, m.line) for m in result.manifests] == [
        ("one", 0, 2),
        ("two", 3, 9),
    ]
    notes = [(p.line, p.message) for p in result.problems if p.severity == "note"]
    assert notes == [
        (5, "document 2 is empty; skipped"),
        (6, "document 3 is empty; skipped"),
    ]


def test_an_empty_file_is_a_note_not_an_error(tmp_path: Path) -> None:
    result = load_manifests([write(tmp_path / "empty.yaml", "# nothing yet\n")])
    assert result.ok
    assert [(p.severity, p.message) for p in result.problems] == [("note", "no documents; skipped")]
    assert result.documents == []


def test_stdin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = SINGLE.format(id="piped") + "---\ntype: single\nid: bad\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    result = load_manifests(["-"])
    assert [m.id for m in result.manifests] == ["piped"]
    assert [(p.source, p.line, p.json_path) for p in result.problems] == [("<stdin>", 5, "$.image")]


def test_stdin_json(monkeypatch: pytest.MonkeyPatch) -> None:
    text = '{"type": "single", "id": "j", "image": "x", "port": 1e3}'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    result = load_manifests(["-"])
    # Read as JSON, `1e3` is the number 1000.0 (YAML would read a string); PaddleFlow's Go
    # decoder refuses an exponent in an int field, so the manifest is not valid.
    assert [problem.message for problem in result.problems] == [
        "port must be an integer without a fraction or an exponent "
        "(PaddleFlow reads it as a Go int), got 1000.0"
    ]


def test_yaml_merge_keys_and_anchors(tmp_path: Path) -> None:
    source = write(
        tmp_path / "anchors.yaml",
        "type: distributed\nid: merged\nframework: mpi\n"
        "x-member: &base {image: mpi, flavour: {name: flavour1}}\n".replace(
            "x-member", "labels"
        ).replace("{image: mpi, flavour: {name: flavour1}}", "{team: a}")
        + "members:\n"
        "  - &m {role: master, replicas: 1, image: mpi}\n"
        "  - <<: *m\n"
        "    role: worker\n"
        "    replicas: 2\n",
    )
    result = load_manifests([source])
    assert result.ok, result.problems
    assert result.manifests[0].body["members"][1] == {
        "role": "worker",
        "replicas": 2,
        "image": "mpi",
    }


def test_every_problem_of_every_document_is_reported(tmp_path: Path) -> None:
    source = write(
        tmp_path / "bad.yaml",
        "type: single\nid: Bad\nimage: x\nport: 70000\nenv: {N: 1}\n---\ntype: nope\nid: ok\n",
    )
    result = load_manifests([source])
    assert [(p.line, p.json_path) for p in result.problems] == [
        (2, "$.id"),
        (4, "$.port"),
        (5, "$.env.N"),
        (7, "$.type"),
    ]
    assert result.invalid_count == 2


def test_many_files_are_checked_in_parallel_in_input_order(tmp_path: Path) -> None:
    paths = [
        write(tmp_path / f"m{index:04d}.yaml", SINGLE.format(id=f"job-{index}"))
        for index in range(PARALLEL_THRESHOLD + 10)
    ]
    write(tmp_path / "m0100.yaml", "type: single\nid: job-100\nimage: [x]\n")
    result = load_manifests([str(tmp_path)])
    assert len(result.documents) == len(paths)
    assert [d.source for d in result.documents] == sorted(paths)
    assert [(p.source, p.line, p.json_path) for p in result.problems] == [
        (paths[100], 3, "$.image")
    ]


def test_parallel_loading_from_a_threaded_caller_does_not_fork(tmp_path: Path) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    for index in range(PARALLEL_THRESHOLD):
        write(tmp_path / f"m{index:04d}.yaml", SINGLE.format(id=f"job-{index}"))
    stop = threading.Event()
    with ThreadPoolExecutor(1) as threads:
        threads.submit(stop.wait)
        try:
            result = load_manifests([str(tmp_path)], keep_manifests=False)
        finally:
            stop.set()
    assert result.ok
    assert len(result.documents) == PARALLEL_THRESHOLD
    assert result.manifests == []


def test_bodies_share_nothing_even_when_yaml_aliases_do(tmp_path: Path) -> None:
    source = write(
        tmp_path / "shared.yaml",
        "type: distributed\nid: shared\nframework: ray\nlabels: &l {team: a}\n"
        "members:\n"
        "  - &m {role: master, replicas: 1, image: ray, labels: *l, args: &a [x]}\n"
        "  - {role: worker, replicas: 1, image: ray, labels: *l, args: *a}\n",
    )
    [manifest] = load_manifests([source]).manifests
    body = manifest.body
    body["labels"]["added"] = "by apply"
    body["members"][0]["args"].append("y")
    assert body["members"][0]["labels"] == {"team": "a"}
    assert body["members"][1]["labels"] == {"team": "a"}
    assert body["members"][1]["args"] == ["x"]


def test_started_loading_gives_the_same_result(tmp_path: Path) -> None:
    for number in range(PARALLEL_THRESHOLD + 5):
        (tmp_path / f"m{number:04d}.yaml").write_text(SINGLE.format(id=f"job-{number % 150}"))
    pending = start_loading([str(tmp_path)])
    assert pending.result() == load_manifests([str(tmp_path)])


def test_started_loading_refuses_unusable_input_at_once(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        start_loading([str(tmp_path / "missing.yaml")])
