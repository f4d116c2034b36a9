"""Job files as PaddleFlow's CLI reads them: unset values dropped, unknown keys ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pfctl.client.jobfile import (
    InvalidJobFileError,
    build_create_body,
    check_create_body,
    create_body_from_file,
    is_unset,
    read_job_document,
)
from pfctl.errors import ExitCode, InputError, UsageError

from .helpers import PADDLE_PS_EXAMPLE, SINGLE_EXAMPLE


def test_single_example_drops_every_unset_value() -> None:
    built = build_create_body(SINGLE_EXAMPLE)
    assert built.body == {
        "schedulingPolicy": {"queue": "default-queue"},
        "name": "example-single",
        "flavour": {"name": "flavour1"},
        "image": "python:3.11",
        "command": "sleep 40",
    }
    assert built.ignored == []
    assert check_create_body("single", built.body) == []


def test_distributed_example_keeps_members_and_roles() -> None:
    built = build_create_body(PADDLE_PS_EXAMPLE)
    assert built.body["framework"] == "paddle"
    assert built.body["schedulingPolicy"] == {"queue": "default-queue", "priority": "NORMAL"}
    assert built.body["members"] == [
        {
            "role": "pserver",
            "replicas": 1,
            "schedulingPolicy": {"queue": "default-queue"},
            "flavour": {"name": "flavour1"},
            "image": "paddle:2.0",
            "command": "sleep 30",
        },
        {
            "role": "pworker",
            "replicas": 1,
            "flavour": {"name": "flavour1"},
            "image": "paddle:2.0",
            "command": "sleep 20",
        },
    ]
    assert check_create_body("distributed", built.body) == []


def test_unknown_keys_with_values_are_reported_and_not_sent() -> None:
    document = {
        "image": "x",
        "fileSystem": {"name": "data"},
        "flavour": {"name": "flavour1", "gpu": "1"},
        "members": [{"role": "worker", "replicas": 2, "oops": True}],
        "type": "single",
    }
    built = build_create_body(document)
    assert built.ignored == ["$.fileSystem", "$.flavour.gpu", "$.members[0].oops"]
    assert "fileSystem" not in built.body
    assert built.body["flavour"] == {"name": "flavour1"}
    assert "type" not in built.body


def test_fs_keys_are_filtered_and_read_only_false_is_kept() -> None:
    built = build_create_body(
        {"image": "x", "fs": {"name": "data", "mountPath": "/d", "readOnly": False, "id": "fs-1"}}
    )
    assert built.body["fs"] == {"name": "data", "mountPath": "/d", "readOnly": False}
    assert built.ignored == ["$.fs.id"]


@pytest.mark.parametrize(
    ("value", "unset"),
    [
        (None, True),
        ("", True),
        (0, True),
        ({}, True),
        ([], True),
        (False, False),
        ("0", False),
        ({"a": 1}, False),
    ],
)
def test_is_unset(value: object, unset: bool) -> None:
    assert is_unset(value) is unset


def test_schema_problems_are_located() -> None:
    problems = check_create_body("single", {"image": "x", "env": {"EPOCHS": 3}})
    assert problems and problems[0].startswith("$.env")


def test_rule_problems_use_paddleflow_texts() -> None:
    problems = check_create_body(
        "distributed",
        {"framework": "paddle", "members": [{"role": "worker", "replicas": 1, "image": "x"}]},
    )
    assert problems == ["$.members: framework paddle in collective mode, only setting role work"]


def test_read_json_and_yaml(tmp_path: Path) -> None:
    json_file = tmp_path / "job.json"
    json_file.write_text(json.dumps(SINGLE_EXAMPLE))
    assert read_job_document(str(json_file)) == SINGLE_EXAMPLE
    yaml_file = tmp_path / "job.yaml"
    yaml_file.write_text("image: python:3.11\nenv:\n  EPOCHS: '3'\n")
    assert read_job_document(str(yaml_file)) == {"image": "python:3.11", "env": {"EPOCHS": "3"}}
    assert read_job_document("-", stdin_text='{"image": "a"}') == {"image": "a"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", b'{"image": ', "bad.json:1:11: invalid JSON"),
        ("bad.yaml", b"image: [unclosed\n", "bad.yaml:2:1: invalid YAML"),
        ("list.yaml", b"- a\n- b\n", "expected a job object (a mapping), found list"),
        ("empty.yaml", b"", "found nothing"),
        ("two.yaml", b"image: a\n---\nimage: b\n", "holds 2 documents"),
        ("binary.json", b"\x00\x01\x02", "binary file"),
        ("latin1.yaml", b"image: caf\xe9\n", "not UTF-8"),
    ],
)
def test_bad_files_give_one_clear_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(
        InputError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")
    ):
        read_job_document(str(path))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_job_document(str(tmp_path / "missing.json"))
    with pytest.raises(InputError, match="is a directory"):
        read_job_document(str(tmp_path))


def test_odd_keys_are_quoted_in_paths() -> None:
    built = build_create_body({"image": "x", "foo-bar": 1, None: 2, "labels": {"a/b": 3}})
    assert built.ignored == ['$["foo-bar"]', "$.None"]
    problems = check_create_body("single", built.body)
    assert problems == ["$.labels[\"a/b\"]: 3 is not of type 'string'"]


def test_create_body_from_file_notes_and_checks(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text("type: single\nimage: x\ncommand: sleep 1\nfileSystem: {name: data}\n")
    notes: list[str] = []
    body = create_body_from_file("single", str(path), on_note=notes.append)
    assert body == {"image": "x", "command": "sleep 1"}
    assert notes == [f"{path}: $.fileSystem is ignored (PaddleFlow reads no such key)"]
    from_stdin = create_body_from_file("single", "-", stdin_text='{"image": "y"}')
    assert from_stdin == {"image": "y"}


def test_create_body_from_file_refuses_a_bad_request(tmp_path: Path) -> None:
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"type": "single", "image": "x", "env": {"E": 3, "F": 4}}))
    with pytest.raises(UsageError, match="declares type 'single' but JOBTYPE is 'distributed'"):
        create_body_from_file("distributed", str(path))
    with pytest.raises(InvalidJobFileError) as caught:
        create_body_from_file("single", str(path))
    assert caught.value.exit_code is ExitCode.FAILURE  # read, and refused: nothing was sent
    assert str(caught.value) == (
        f"{path} is not a valid single job request: "
        "$.env.E: 3 is not of type 'string'; $.env.F: 4 is not of type 'string'"
    )
