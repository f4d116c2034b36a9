"""Job files: the SDK's body building (unset values dropped) and ``job create``'s check, which is
the manifest loader's (located problems, unknown keys are errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pfctl.client.jobfile import (
    InvalidJobFileError,
    build_create_body,
    check_job_file,
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
    assert check_job_file("single", "x.json", json.dumps(SINGLE_EXAMPLE), as_json=True)[0] == []


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
    text = json.dumps(PADDLE_PS_EXAMPLE)
    assert check_job_file("distributed", "x.json", text, as_json=True)[0] == []


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


def test_fs_keys_of_paddleflow_are_sent_and_read_only_false_is_kept() -> None:
    # The SDK drops fs.id, but PaddleFlow reads it (the file system to mount): pfctl sends it.
    built = build_create_body(
        {
            "image": "x",
            "fs": {"name": "data", "mountPath": "/d", "readOnly": False, "id": "fs-1", "x": 1},
        }
    )
    assert built.body["fs"] == {"name": "data", "mountPath": "/d", "readOnly": False, "id": "fs-1"}
    assert built.ignored == ["$.fs.x"]


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


def _lines(job_type: str, text: str) -> list[str]:
    problems, _ = check_job_file(job_type, "job.yaml", text, as_json=False)
    return [f"{p.line}:{p.column}: {p.severity}: {p.json_path}: {p.message}" for p in problems]


def test_schema_problems_are_located() -> None:
    assert _lines("single", "image: x\nenv:\n  EPOCHS: 3\n") == [
        '3:11: error: $.env.EPOCHS: env values must be strings; quote it: `EPOCHS: "3"`'
    ]


def test_rule_problems_use_paddleflow_texts() -> None:
    text = "framework: paddle\nmembers:\n- {role: worker, replicas: 1, image: x}\n"
    assert _lines("distributed", text) == [
        "3:1: error: $.members: framework paddle in collective mode, only setting role work"
    ]


def test_type_comes_from_jobtype_and_id_may_be_left_out() -> None:
    problems, body = check_job_file("single", "job.yaml", "image: x\n", as_json=False)
    assert problems == [] and body is not None and body["image"] == "x"
    assert _lines("single", "image: x\nid: Bad_Id\n")[0].startswith("2:5: error: $.id: ")
    assert _lines("single", "image: x\nmembers: [{role: worker}]\n") == [
        "2:1: warning: $.members: `members` is ignored by PaddleFlow: CreateSingleJobRequest has "
        "no such field; a distributed job has it; use `type: distributed` for members"
    ]


def test_unknown_keys_are_errors_for_every_type() -> None:
    members = "members: [{role: pserver, replicas: 1, image: x}, {role: worker, replicas: 1}]"
    for job_type, text in (
        ("single", "image: x\nnmae: x\n"),
        ("workflow", "extensionTemplate: {kind: Workflow}\nnmae: x\n"),
        ("distributed", f"framework: paddle\nnmae: x\n{members}\n"),
    ):
        lines = _lines(job_type, text)
        assert "2:1: error: $.nmae: unknown key `nmae`; did you mean `name`?" in lines, job_type
    assert _lines("single", "image: x\ncomand: x\n") == [
        "2:1: error: $.comand: unknown key `comand`; did you mean `command`?"
    ]


def test_paddleflow_legacy_keys_empty_are_dropped_set_are_errors() -> None:
    assert _lines("single", "image: x\nfileSystem: {}\nextraFileSystems: []\n") == []
    assert _lines("single", "image: x\nfileSystem: {name: data}\n") == [
        "2:1: error: $.fileSystem: unknown key `fileSystem`; did you mean `fs`?"
    ]


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


def test_create_body_from_file_checks_and_builds(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text("type: single\nimage: x\ncommand: sleep 1\nport: 0\nfileSystem: {}\n")
    notes: list[str] = []
    body = create_body_from_file("single", str(path), on_note=notes.append)
    assert body == {"image": "x", "command": "sleep 1"}  # no id: the server makes one
    assert notes == []
    from_stdin = create_body_from_file("single", "-", stdin_text='{"image": "y", "id": "j-1"}')
    assert from_stdin == {"image": "y", "id": "j-1"}


def test_create_body_from_file_refuses_a_bad_request(tmp_path: Path) -> None:
    path = tmp_path / "job.json"
    path.write_text(
        '{"type": "single", "image": "x",\n "env": {"E": 3, "F": 4},\n "image": "y", "gpu": 1}'
    )
    with pytest.raises(UsageError, match="declares type 'single' but JOBTYPE is 'distributed'"):
        create_body_from_file("distributed", str(path))
    with pytest.raises(InvalidJobFileError) as caught:
        create_body_from_file("single", str(path))
    assert caught.value.exit_code is ExitCode.FAILURE  # read, and refused: nothing was sent
    assert str(caught.value) == (
        f"{path} is not a valid single job request: 4 problems; nothing was sent"
    )
    assert caught.value.lines == [
        f'{path}:2:15: error: $.env.E: env values must be strings; quote it: `E: "3"`',
        f'{path}:2:23: error: $.env.F: env values must be strings; quote it: `F: "4"`',
        f"{path}:3:2: error: $.image: duplicate key `image` (first at line 1, column 20)",
        f"{path}:3:16: error: $.gpu: unknown key `gpu`",
    ]
