"""The negative corpus: every bad manifest fails with its exact location, never a traceback.

Each row: file in ``bad/``, then the line, column, JSON path and the start of the message of
the first error pfctl reports for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pfctl.cli.main import app
from pfctl.manifests import load_manifests
from pfctl.manifests.inputs import MAX_FILE_BYTES
from tests.helpers.cli import run_pfctl

BAD = Path(__file__).resolve().parent / "bad"

CASES = [
    (
        "alias-bomb.yaml",
        7,
        4,
        "$.e[7]",
        "document expands to more than 100000 nodes through aliases (",
    ),
    ("args-not-a-list.yaml", 4, 7, "$.args", "expected a list, got a string `--epochs 3`"),
    ("binary.yaml", 3, 8, "$", "binary data, not a text manifest (NUL byte at offset 29)"),
    (
        "collective-one-worker.yaml",
        5,
        3,
        "$.members",
        "framework paddle in collective mode, only setting role work",
    ),
    (
        "cpu-as-number.yaml",
        5,
        8,
        "$.flavour.cpu",
        'expected a string, got an integer `4`; quote it: "4"',
    ),
    (
        "cpu-not-a-quantity.yaml",
        5,
        8,
        "$.flavour.cpu",
        "validate cpu failed,err: quantities must match the regular e",
    ),
    (
        "deep-nesting.yaml",
        4,
        107,
        "$.extensionTemplate.spec[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]",
        "nesting deeper than 100 levels",
    ),
    (
        "document-is-a-list.yaml",
        1,
        1,
        "$",
        "a manifest must be a mapping of job fields, got a list",
    ),
    (
        "document-is-a-string.yaml",
        1,
        1,
        "$",
        "a manifest must be a mapping of job fields, got a string",
    ),
    (
        "duplicate-key-in-member.yaml",
        8,
        5,
        "$.members[0].replicas",
        "duplicate key `replicas` (first at line 6, column 5)",
    ),
    ("duplicate-key.json", 5, 3, "$.image", "duplicate key `image` (first at line 4, column 3)"),
    (
        "duplicate-key.yaml",
        5,
        1,
        "$.command",
        "duplicate key `command` (first at line 4, column 1)",
    ),
    ("env-as-list.yaml", 5, 3, "$.env", "expected a mapping, got a list"),
    (
        "env-unquoted-number.yaml",
        5,
        11,
        "$.env.EPOCHS",
        'env values must be strings; quote it: `EPOCHS: "3"`',
    ),
    ("framework-missing.yaml", 1, 1, "$.framework", "missing required key `framework`"),
    (
        "framework-unknown.yaml",
        3,
        12,
        "$.framework",
        "`caffe` is not one of `paddle`, `tensorflow`, `pytorch`, `mx",
    ),
    (
        "fs-readonly-string.yaml",
        6,
        13,
        "$.fs.readOnly",
        "expected a boolean (true or false), got a string `no`",
    ),
    (
        "huge-integer.yaml",
        4,
        7,
        "$.port",
        "port 123456789012345678901234567890 is beyond the range of a 64-bit integer",
    ),
    ("id-empty.yaml", 2, 1, "$.id", "`id` is required and must not be empty"),
    ("id-missing.yaml", 1, 1, "$.id", "missing required key `id`"),
    (
        "id-repeated.yaml",
        7,
        5,
        "$.id",
        "duplicate id `demo`: first at ",
    ),
    (
        "id-too-long.yaml",
        2,
        5,
        "$.id",
        "ID[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ),
    (
        "id-uppercase.yaml",
        2,
        5,
        "$.id",
        "ID[Demo_Job] of Job is invalid, err: a lowercase RFC 1123 la",
    ),
    (
        "image-typo-at-top-of-distributed.yaml",
        4,
        1,
        "$.imagee",
        "unknown key `imagee`; did you mean `image`?",
    ),
    (
        "label-boolean-value.yaml",
        5,
        8,
        "$.labels.gpu",
        'expected a string, got a boolean `yes`; quote it: "yes"',
    ),
    (
        "label-key-boolean.yaml",
        5,
        3,
        "$.labels.on",
        'key `on` is read as bool, not a string; quote it: "on"',
    ),
    ("mem-zero.yaml", 6, 8, "$.flavour.mem", "validate mem failed,err: cpu cannot be negative"),
    (
        "member-image-missing.yaml",
        5,
        5,
        "$.members[0].image",
        "required fields in {image} are empty, please fill it",
    ),
    (
        "member-queue-differs.yaml",
        11,
        14,
        "$.members[0].schedulingPolicy.queue",
        "schedulingPolicy.Queue should be the same, there are q1 and ",
    ),
    ("members-empty.yaml", 4, 1, "$.members", "`members` is required and must not be empty"),
    (
        "members-typo-in-single-job.yaml",
        4,
        1,
        "$.memebers",
        "unknown key `memebers`; did you mean `members`?",
    ),
    (
        "mpi-without-master.yaml",
        5,
        3,
        "$.members",
        "mpi job must be set a master role and a worker role",
    ),
    (
        "name-too-long.yaml",
        4,
        7,
        "$.name",
        "length of jobName[nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
    ),
    ("not-utf8.yaml", 3, 10, "$", "not valid UTF-8 text (byte 0xe9 at offset 31)"),
    ("port-infinite.yaml", 4, 7, "$.port", "`.inf` is not a JSON number"),
    ("port-out-of-range.yaml", 4, 7, "$.port", "port must be in range [0, 65535], but got 65535"),
    (
        "priority-unknown.yaml",
        6,
        13,
        "$.schedulingPolicy.priority",
        "invalid job priority URGENT, should be in [LOW, NORMAL, HIGH",
    ),
    (
        "priority-update-only.yaml",
        5,
        13,
        "$.schedulingPolicy.priority",
        "invalid job priority VERY_HIGH, should be in [LOW, NORMAL, H",
    ),
    (
        "ps-without-worker.yaml",
        5,
        3,
        "$.members",
        "framework paddle in parameter server mode, role work must be",
    ),
    (
        "replicas-string.yaml",
        6,
        15,
        "$.members[0].replicas",
        "expected an integer, got a string `two`",
    ),
    ("replicas-zero.yaml", 9, 15, "$.members[1].replicas", "the repilcas of member is less than 1"),
    (
        "role-unsupported.yaml",
        5,
        3,
        "$.members",
        "ray job must be set a master role and a worker role",
    ),
    (
        "scalar-resource-negative.yaml",
        8,
        21,
        '$.flavour.scalarResources["nvidia.com/gpu"]',
        "nvidia.com/gpu resource cannot be negative",
    ),
    ("single-without-image.yaml", 1, 1, "$.image", "missing required key `image`"),
    ("spark-without-driver.yaml", 5, 3, "$.members", "spark application must be set role driver"),
    (
        "stopped-not-boolean.yaml",
        4,
        10,
        "$.stopped",
        "expected a boolean (true or false), got a string `true`",
    ),
    (
        "syntax-bad-indent.yaml",
        3,
        8,
        "$",
        "YAML syntax error: mapping values are not allowed in this co",
    ),
    (
        "syntax-tab-indent.yaml",
        3,
        1,
        "$",
        "YAML syntax error: found character that cannot start any tok",
    ),
    (
        "syntax-trailing-comma.json",
        4,
        1,
        "$",
        "JSON syntax error: Expecting property name enclosed in doubl",
    ),
    (
        "syntax-unclosed-flow.yaml",
        4,
        6,
        "$",
        "YAML syntax error: did not find expected ',' or ']' (while p",
    ),
    (
        "syntax-unterminated-string.json",
        3,
        14,
        "$",
        "JSON syntax error: Invalid control character at",
    ),
    ("type-missing.yaml", 1, 1, "$.type", "missing required key `type`"),
    (
        "type-unknown.yaml",
        1,
        7,
        "$.type",
        "`batch` is not one of `single`, `distributed`, `workflow`",
    ),
    (
        "unknown-key-empty-value.yaml",
        4,
        1,
        "$.Labels",
        "unknown key `Labels`; did you mean `labels`?",
    ),
    (
        "unknown-key-in-flavour.yaml",
        6,
        3,
        "$.flavour.memory",
        "unknown key `memory`; did you mean `mem`?",
    ),
    (
        "unknown-key-in-member.yaml",
        5,
        5,
        "$.members[0].image",
        "required fields in {image} are empty, please fill it",
    ),
    ("unknown-key.yaml", 4, 1, "$.extrafs", "unknown key `extrafs`; did you mean `extraFS`?"),
    ("unsupported-tag.yaml", 4, 10, "$.command", "unsupported YAML tag tag:yaml.org,2002:binary"),
    (
        "workflow-without-template.yaml",
        4,
        1,
        "$.extensionTemplate",
        "`extensionTemplate` is required and must not be empty",
    ),
    (
        "surrogate-in-id.json",
        3,
        9,
        "$.id",
        "the string holds a lone UTF-16 surrogate (\\ud800), which is not a character",
    ),
    (
        "surrogate-in-label.json",
        5,
        22,
        "$.labels.team",
        "the string holds a lone UTF-16 surrogate (\\udc00), which is not a character",
    ),
    (
        "surrogate-in-label.yaml",
        5,
        13,
        "$",
        "YAML syntax error: found invalid Unicode character escape code",
    ),
    (
        "number-beyond-double.json",
        5,
        79,
        "$.extensionTemplate.spec.weight",
        "`1e400` is beyond the range of a JSON number (a double)",
    ),
    (
        "replicas-beyond-int64.json",
        7,
        36,
        "$.members[1].replicas",
        "replicas 9223372036854775808 is beyond the range of a 64-bit integer",
    ),
    (
        "replicas-exponent.json",
        7,
        36,
        "$.members[1].replicas",
        "replicas must be an integer without a fraction or an exponent",
    ),
    (
        "env-name-with-equals.yaml",
        6,
        3,
        '$.env["LR=0.1"]',
        "env name 'LR=0.1' must not contain '='",
    ),
    ("command-with-nul.json", 5, 14, "$.command", "command must not contain a NUL character"),
    (
        "env-value-with-nul.yaml",
        5,
        10,
        "$.env.TOKEN",
        "an env value must not contain a NUL character",
    ),
    (
        "workflow-member-replicas-not-integer.yaml",
        5,
        15,
        "$.members[0].replicas",
        "expected an integer, got a string `2`",
    ),
]


def test_every_corpus_file_has_a_case_and_there_are_at_least_forty() -> None:
    assert sorted(path.name for path in BAD.iterdir()) == sorted(case[0] for case in CASES)
    assert len(CASES) >= 40


@pytest.mark.parametrize(("name", "line", "column", "json_path", "message"), CASES)
def test_first_error_is_located(
    name: str, line: int, column: int, json_path: str, message: str
) -> None:
    source = str(BAD / name)
    result = load_manifests([source])
    assert not result.ok
    assert result.invalid_count >= 1
    first = next(problem for problem in result.problems if problem.severity == "error")
    assert (first.source, first.line, first.column, first.json_path) == (
        source,
        line,
        column,
        json_path,
    )
    assert first.message.startswith(message)


@pytest.mark.parametrize(("name", "line", "column", "json_path", "message"), CASES)
def test_cli_reports_it_and_exits_1(
    name: str, line: int, column: int, json_path: str, message: str
) -> None:
    source = str(BAD / name)
    outcome = CliRunner().invoke(app, ["validate", source])
    assert outcome.exit_code == 1, outcome.output
    assert f"{source}:{line}:{column}: error: {json_path}: {message}" in outcome.output
    assert outcome.output.rstrip().endswith("invalid")
    assert "Traceback" not in outcome.output


def test_oversized_file_is_refused_with_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"type: single\nid: big\nimage: x\n" + b"#" * MAX_FILE_BYTES)
    result = load_manifests([str(big)])
    assert [(p.line, p.column, p.json_path) for p in result.problems] == [(1, 1, "$")]
    assert result.problems[0].message.startswith("file is too large")
    assert "limit 10 MiB" in result.problems[0].message


def test_whole_corpus_in_one_real_run_has_no_traceback() -> None:
    completed = run_pfctl("validate", "-o", "github", str(BAD))
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    # id-repeated.yaml holds two documents; across the corpus every `demo` id repeats.
    documents = len(CASES) + 1
    assert (
        completed.stdout.splitlines()[-1] == f"{documents} manifests, 0 valid, {documents} invalid"
    )
    for name, line, column, *_ in CASES:
        assert f"file={BAD / name},line={line},col={column}::" in completed.stdout, name
