"""`pfctl validate`: output formats, exit codes, stdin and the examples."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pfctl.cli.main import app
from tests.helpers.cli import run_pfctl

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GOOD = "type: single\nid: good\nimage: busybox\n"
BAD = "type: single\nid: bad\nimage: busybox\nport: 70000\nenv: {EPOCHS: 3}\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_examples_are_valid_and_listed() -> None:
    outcome = CliRunner().invoke(app, ["validate", str(EXAMPLES)])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.splitlines()
    manifests = sorted(EXAMPLES.glob("*.yaml")) + sorted(EXAMPLES.glob("*.json"))
    assert len(manifests) >= 10
    for path in manifests:
        assert any(line.startswith(f"{path}:") and ": ok (" in line for line in lines), path
    assert lines[-1] == f"{len(manifests)} manifests, {len(manifests)} valid, 0 invalid"


def test_examples_cover_every_job_kind_and_are_commented() -> None:
    texts = {path.name: path.read_text() for path in EXAMPLES.glob("*.yaml")}
    frameworks = " ".join(texts.values())
    for framework in ("paddle", "spark", "pytorch", "mpi", "ray"):
        assert f"framework: {framework}" in frameworks
    assert any("role: pserver" in text for text in texts.values())
    assert any("steps:" in text for text in texts.values())
    assert any("dag:" in text for text in texts.values())
    for name, text in texts.items():
        assert text.startswith("# yaml-language-server: $schema="), name
        assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 2, name


def test_text_output_and_exit_1(tmp_path: Path) -> None:
    good, bad = write(tmp_path, "good.yaml", GOOD), write(tmp_path, "bad.yaml", BAD)
    completed = run_pfctl("validate", good, bad)
    assert completed.returncode == 1
    assert completed.stdout.splitlines() == [
        f"{good}:1:1: ok (single job `good`)",
        f"{bad}:4:7: error: $.port: port must be in range [0, 65535], but got 70000",
        f'{bad}:5:15: error: $.env.EPOCHS: env values must be strings; quote it: `EPOCHS: "3"`',
        "2 manifests, 1 valid, 1 invalid",
    ]
    assert completed.stderr == ""


def test_quiet_lists_only_problems(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(app, ["validate", "-q", write(tmp_path, "g.yaml", GOOD)])
    assert outcome.exit_code == 0
    assert outcome.output.splitlines() == ["1 manifest, 1 valid, 0 invalid"]


def test_notes_go_to_stderr(tmp_path: Path) -> None:
    source = write(tmp_path, "n.yaml", GOOD + "---\n")
    completed = run_pfctl("validate", source)
    assert completed.returncode == 0
    assert completed.stderr == f"{source}:4:1: note: $: document 2 is empty; skipped\n"


def test_json_output(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", BAD)
    completed = run_pfctl("validate", "-o", "json", bad)
    assert completed.returncode == 1
    report = json.loads(completed.stdout)
    assert report["summary"] == {"manifests": 1, "valid": 0, "invalid": 1}
    assert report["documents"] == [
        {
            "file": bad,
            "document": 0,
            "line": 1,
            "column": 1,
            "type": "single",
            "id": "bad",
            "valid": False,
        }
    ]
    assert report["problems"][0] == {
        "file": bad,
        "line": 4,
        "column": 7,
        "path": "$.port",
        "message": "port must be in range [0, 65535], but got 70000",
        "severity": "error",
    }


def test_junit_output(tmp_path: Path) -> None:
    good, bad = write(tmp_path, "good.yaml", GOOD), write(tmp_path, "bad.yaml", BAD)
    completed = run_pfctl("validate", "-o", "junit", good, bad)
    assert completed.returncode == 1
    suite = ET.fromstring(completed.stdout).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = suite.findall("testcase")
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None
    assert f"{bad}:4:7: error: $.port" in (failure.text or "")


def test_github_output(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", BAD)
    completed = run_pfctl("validate", "--output", "github", bad)
    assert completed.returncode == 1
    assert completed.stdout.splitlines()[0] == (
        f"::error file={bad},line=4,col=7::$.port: port must be in range [0, 65535], but got 70000"
    )


def test_stdin() -> None:
    completed = run_pfctl("validate", "-", stdin=BAD)
    assert completed.returncode == 1
    assert completed.stdout.splitlines()[0].startswith("<stdin>:4:7: error: $.port: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["validate", "/no/such/file.yaml"],
            "error: /no/such/file.yaml: no such file or directory",
        ),
        (["validate"], "Missing argument"),
        (["validate", "-o", "xml", "x"], "Invalid value"),
        (["validate", "--target", "kubernetes", "x"], "Invalid value"),
    ],
)
def test_usage_and_unreadable_input_exit_2(args: list[str], message: str) -> None:
    completed = run_pfctl(*args)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def test_help_describes_the_command() -> None:
    completed = run_pfctl("validate", "--help")
    assert completed.returncode == 0
    for option in ("--recursive", "-R", "--output", "junit", "github", "--target", "local"):
        assert option in completed.stdout


def test_junit_attributes_problems_to_their_document(tmp_path: Path) -> None:
    source = write(
        tmp_path, "multi.yaml", GOOD + "---\n" + BAD.replace("id: bad", "id: bad2") + "---\nx: [\n"
    )
    completed = run_pfctl("validate", "-o", "junit", source)
    assert completed.returncode == 1
    suite = ET.fromstring(completed.stdout).find("testsuite")
    assert suite is not None
    failures = [case.find("failure") for case in suite.findall("testcase")]
    assert failures[0] is None
    assert failures[1] is not None and "$.port" in (failures[1].text or "")
    assert "$.env.EPOCHS" in (failures[1].text or "")
    assert failures[2] is not None and "YAML syntax error" in (failures[2].text or "")
    assert (suite.get("tests"), suite.get("failures")) == ("3", "2")


# A workflow PaddleFlow accepts and the local pfctl server refuses: its executor has no
# `suspend` template.
SUSPENDING = """\
type: workflow
id: wf-pause
extensionTemplate:
  kind: Workflow
  spec:
    entrypoint: pause
    templates:
      - name: pause
        suspend: {}
"""
LOCAL_ONLY = (
    ": the local pfctl server refuses this workflow "
    "(PaddleFlow on Kubernetes accepts it; `--target local` makes this an error)"
)


def test_target_values_are_the_loaders() -> None:
    from pfctl.cli.validate_cmd import ValidateTarget
    from pfctl.manifests.model import TARGETS

    assert tuple(target.value for target in ValidateTarget) == TARGETS


@pytest.mark.parametrize("args", [[], ["--target", "paddleflow"], ["--target", "PaddleFlow"]])
def test_a_workflow_the_local_server_refuses_is_valid_with_warnings(
    tmp_path: Path, args: list[str]
) -> None:
    source = write(tmp_path, "wf.yaml", SUSPENDING)
    completed = run_pfctl("validate", *args, source)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.splitlines() == [
        f"{source}:1:1: ok (workflow job `wf-pause`)",
        "1 manifest, 1 valid, 0 invalid",
    ]
    assert completed.stderr.splitlines() == [
        f"{source}:8:9: warning: $.extensionTemplate.spec.templates[0]: "
        f"spec.templates[0] needs exactly one of container, script, steps, dag{LOCAL_ONLY}",
        f"{source}:9:9: warning: $.extensionTemplate.spec.templates[0].suspend: "
        f"unsupported field spec.templates[0].suspend{LOCAL_ONLY}",
    ]


def test_github_output_marks_warnings_as_warnings(tmp_path: Path) -> None:
    source = write(tmp_path, "wf.yaml", SUSPENDING)
    completed = run_pfctl("validate", "-o", "github", source)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    commands = [line.split(" ", 1)[0] for line in completed.stdout.splitlines()[:-1]]
    assert commands == ["::warning", "::warning"]
    assert completed.stdout.splitlines()[0].startswith(f"::warning file={source},line=8,col=9::")


def test_for_the_local_target_they_are_errors_in_the_servers_words(tmp_path: Path) -> None:
    source = write(tmp_path, "wf.yaml", SUSPENDING)
    completed = run_pfctl("validate", "--target", "local", source)
    assert completed.returncode == 1
    assert completed.stdout.splitlines() == [
        f"{source}:8:9: error: $.extensionTemplate.spec.templates[0]: "
        "spec.templates[0] needs exactly one of container, script, steps, dag",
        f"{source}:9:9: error: $.extensionTemplate.spec.templates[0].suspend: "
        "unsupported field spec.templates[0].suspend",
        "1 manifest, 0 valid, 1 invalid",
    ]
    assert completed.stderr == ""


def test_json_output_marks_warnings(tmp_path: Path) -> None:
    source = write(tmp_path, "wf.yaml", SUSPENDING)
    completed = run_pfctl("validate", "-o", "json", source)
    assert completed.returncode == 0
    report = json.loads(completed.stdout)
    assert report["summary"] == {"manifests": 1, "valid": 1, "invalid": 0}
    assert [(p["path"], p["severity"]) for p in report["problems"]] == [
        ("$.extensionTemplate.spec.templates[0]", "warning"),
        ("$.extensionTemplate.spec.templates[0].suspend", "warning"),
    ]
    local = json.loads(run_pfctl("validate", "-o", "json", "--target", "local", source).stdout)
    assert [p["severity"] for p in local["problems"]] == ["error", "error"]


# --- only regular files are read; every message prints on one line ---------------------------


@pytest.mark.timeout(60)
def test_a_fifo_and_dev_zero_in_a_directory_are_skipped_named_explicitly_exit_2(
    tmp_path: Path,
) -> None:
    write(tmp_path, "good.yaml", GOOD)
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    listed = run_pfctl("validate", str(tmp_path), timeout=30)
    assert listed.returncode == 0, listed.stderr
    assert f"{tmp_path / 'fifo.yaml'}:1:1: warning: $: not a regular file (a FIFO); skipped" in (
        listed.stderr
    )
    assert f"{tmp_path / 'zero.yaml'}:1:1: warning: $: not a regular file (a character device)" in (
        listed.stderr
    )
    assert listed.stdout.splitlines()[-1] == "1 manifest, 1 valid, 0 invalid"
    for name, kind in (("fifo.yaml", "a FIFO"), ("zero.yaml", "a character device")):
        named = run_pfctl("validate", str(tmp_path / name), timeout=30)
        assert named.returncode == 2, named.stderr
        assert named.stderr == (
            f"error: {tmp_path / name}: not a regular file ({kind}); only regular files are read "
            "(use '-' to read stdin)\n"
        )


# Keys and values with a newline, a zero-width space, a no-break space and a bidi override.
INJECTION = (
    'type: single\nid: injected\nimage: busybox\n"a\\nother.yaml:1:1: $: forged": 1\n'
    '"zw\\u200bsp": 2\n"nb\\u00a0sp": 3\n"rl\\u202eo": 4\nschedulingPolicy:\n'
    '  priority: "HIGH\\r\\n::error file=x.yaml,line=1::forged"\n'
)


@pytest.mark.parametrize("output", ["text", "github"])
def test_each_problem_prints_on_one_line_with_invisible_characters_escaped(
    tmp_path: Path, output: str
) -> None:
    source = write(tmp_path, "injected.yaml", INJECTION)
    completed = run_pfctl("validate", "-o", output, source)
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert len(lines) == 6  # five problems and the summary
    assert all(line.startswith((f"{source}:", "::error file=")) for line in lines[:-1]), lines
    text = completed.stdout
    for raw in ("\u200b", "\u00a0", "\u202e", "\r"):
        assert raw not in text
    for escaped in ("a\\nother.yaml", "zw\\u200bsp", "nb\\u00a0sp", "rl\\u202eo", "HIGH\\r\\n::"):
        assert escaped in text, escaped
