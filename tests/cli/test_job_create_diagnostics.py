"""`pfctl job create` checks its file with the manifest loader: each problem is the located line
`pfctl validate` prints for the same content in a manifest, then one summary error; exit 1 and
nothing is sent. Against the real local server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import in_process_pfctl, run_pfctl
from tests.helpers.jobs import unique_id

LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): error: (?P<what>\$.*)$")

DUPLICATE_KEY = "image: python:3.11\ncommand: sleep 1\nimage: busybox\n"
UNKNOWN_KEY = "image: python:3.11\ncomand: sleep 1\n"
WRONG_TYPE = "image: python:3.11\ncommand: sleep 1\nenv:\n  EPOCHS: 3\nport: '80'\n"


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    """Run ``pfctl ARGS`` in-process against the session server; returns a Result."""
    return in_process_pfctl(pf_server, capsys, monkeypatch)


def located(stream: str) -> list[tuple[str, int, int, str]]:
    """Every ``file:line:col: error: $.path: message`` line as (file, line, col, the rest)."""
    found = []
    for line in stream.splitlines():
        match = LOCATED.match(line)
        if match:
            found.append((match["file"], int(match["line"]), int(match["col"]), match["what"]))
    return found


def validate_lines(pfctl: Any, tmp_path: Path, content: str) -> list[Any]:
    """What `pfctl validate` says of ``content`` as a single job manifest, below two lines."""
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(f"type: single\nid: {unique_id('diag')}\n{content}")
    result = pfctl("validate", str(manifest))
    assert result.code == 1, result.out
    return [(line, col, what) for _, line, col, what in located(result.out)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (DUPLICATE_KEY, ["$.image: duplicate key `image` (first at line 3, column 1)"]),
        (UNKNOWN_KEY, ["$.comand: unknown key `comand`; did you mean `command`?"]),
        (
            WRONG_TYPE,
            [
                '$.env.EPOCHS: env values must be strings; quote it: `EPOCHS: "3"`',
                "$.port: expected an integer, got a string `80`",
            ],
        ),
    ],
    ids=["duplicate-key", "unknown-key", "wrong-type"],
)
def test_problems_are_the_lines_validate_prints(
    pfctl: Any, tmp_path: Path, content: str, expected: list[str]
) -> None:
    job_id = unique_id("diag")
    job_file = tmp_path / "job.yaml"
    # No `type` (JOBTYPE gives it): the content starts on line 3, as in the manifest below.
    job_file.write_text(f"id: {job_id}\nname: diagnostics\n{content}")
    result = pfctl("job", "create", "single", str(job_file))
    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    found = located(result.err)
    assert len(found) == len(lines) - 1  # every problem on one located line, then the summary
    assert {file for file, *_ in found} == {str(job_file)}
    assert [what for *_, what in found] == expected
    # The same line, column, path and message as validate prints for the same content.
    assert [(line, col, what) for _, line, col, what in found] == validate_lines(
        pfctl, tmp_path, content
    )
    noun = "problem" if len(found) == 1 else "problems"
    assert lines[-1] == (
        f"error: {job_file} is not a valid single job request: {len(found)} {noun}; "
        "nothing was sent"
    )
    assert pfctl("job", "show", job_id).code == 1  # nothing was created


def test_several_problems_in_a_json_file_through_the_real_cli(
    pf_server: Any, tmp_path: Path
) -> None:
    job_id = unique_id("diag")
    job_file = tmp_path / "job.json"
    job_file.write_text(
        "{\n"
        f'  "id": "{job_id}",\n'
        '  "image": "python:3.11",\n'
        '  "comand": "sleep 1",\n'
        '  "image": "busybox",\n'
        '  "env": {"EPOCHS": 3}\n'
        "}\n"
    )
    result = run_pfctl("job", "create", "single", str(job_file), server=pf_server)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{job_file}:4:3: error: $.comand: unknown key `comand`; did you mean `command`?",
        f"{job_file}:5:3: error: $.image: duplicate key `image` (first at line 3, column 3)",
        f"{job_file}:6:21: error: $.env.EPOCHS: env values must be strings; "
        'quote it: `EPOCHS: "3"`',
        f"error: {job_file} is not a valid single job request: 3 problems; nothing was sent",
    ]
    shown = run_pfctl("job", "show", job_id, server=pf_server)
    assert shown.returncode == 1 and "JobNotFound" in shown.stderr


def test_type_from_jobtype_one_rule_for_every_type(pfctl: Any, tmp_path: Path) -> None:
    job_file = tmp_path / "train.yaml"
    job_file.write_text(
        "framework: paddle\n"
        "nmae: train\n"
        "members:\n"
        "- {role: pserver, replicas: 1, image: busybox}\n"
        "- {role: worker, replicas: 1, image: busybox, comand: x}\n"
    )
    result = pfctl("job", "create", "distributed", str(job_file))
    assert result.code == 1
    assert result.err.splitlines() == [
        f"{job_file}:2:1: error: $.nmae: unknown key `nmae`; did you mean `name`?",
        f"{job_file}:5:47: error: $.members[1].comand: unknown key `comand`; "
        "did you mean `command`?",
        f"error: {job_file} is not a valid distributed job request: 2 problems; nothing was sent",
    ]


def test_stdin_is_located_as_stdin(pfctl: Any) -> None:
    result = pfctl("job", "create", "single", "-", stdin='{"image": "x", "imagee": "y"}')
    assert result.code == 1
    assert result.err.splitlines() == [
        "<stdin>:1:16: error: $.imagee: unknown key `imagee`; did you mean `image`?",
        "error: <stdin> is not a valid single job request: 1 problem; nothing was sent",
    ]


def test_usage_and_unreadable_files_stay_exit_2(pfctl: Any, tmp_path: Path) -> None:
    declared = tmp_path / "declared.yaml"
    declared.write_text("type: single\nimage: x\ncomand: y\n")
    mismatch = pfctl("job", "create", "distributed", str(declared))
    assert mismatch.code == 2 and "declares type 'single'" in mismatch.err
    missing = pfctl("job", "create", "single", str(tmp_path / "nope.yaml"))
    assert missing.code == 2 and "no such file" in missing.err
