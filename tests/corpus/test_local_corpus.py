"""The local-only corpus: workflows PaddleFlow accepts and the local pfctl server refuses.

Each file in ``local/`` is valid for the default target (``paddleflow``) with a warning at the
finding, invalid for ``--target local`` with the finding as its first error, and refused by the
real local server with one of the texts ``--target local`` reports.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pfctl.cli.main import app
from pfctl.manifests import load_manifests
from tests.server.conftest import Api

LOCAL = Path(__file__).resolve().parent / "local"
LOCAL_ONLY = (
    ": the local pfctl server refuses this workflow "
    "(PaddleFlow on Kubernetes accepts it; `--target local` makes this an error)"
)

#: file, then line, column, JSON path and text of the first finding (the server's text).
CASES = [
    (
        "container-without-command.yaml",
        9,
        20,
        "$.extensionTemplate.spec.templates[0].container",
        "spec.templates[0].container needs a command or args (images are not run locally)",
    ),
    (
        "cron-workflow.yaml",
        5,
        9,
        "$.extensionTemplate.kind",
        "kind 'CronWorkflow' is not supported, only Workflow",
    ),
    (
        "dag-cycle.yaml",
        11,
        13,
        "$.extensionTemplate.spec.templates[0].dag.tasks",
        "spec.templates[0].dag.tasks: dependencies form a cycle",
    ),
    (
        "dag-indirect-recursion.yaml",
        16,
        38,
        "$.extensionTemplate.spec.templates[1].dag.tasks[0].template",
        "spec.templates[1].dag.tasks[0].template: templates main -> inner -> main form a cycle",
    ),
    (
        "entrypoint-missing.yaml",
        6,
        5,
        "$.extensionTemplate.spec.entrypoint",
        "spec.entrypoint is required",
    ),
    (
        "entrypoint-unknown.yaml",
        6,
        17,
        "$.extensionTemplate.spec.entrypoint",
        "spec.entrypoint 'mian' is not a template",
    ),
    (
        "output-expression.yaml",
        11,
        27,
        "$.extensionTemplate.spec.templates[0].container.command[1]",
        "unsupported expression {{steps.first.outputs.result}} in "
        "spec.templates[0].container.command[1]",
    ),
    (
        "step-with-items.yaml",
        12,
        15,
        "$.extensionTemplate.spec.templates[0].steps[0][0].withItems",
        "unsupported field spec.templates[0].steps[0][0].withItems",
    ),
    (
        "steps-recursion.yaml",
        11,
        39,
        "$.extensionTemplate.spec.templates[0].steps[1][0].template",
        "spec.templates[0].steps[1][0].template: template main calls itself",
    ),
    (
        "template-kind-suspend.yaml",
        8,
        9,
        "$.extensionTemplate.spec.templates[0]",
        "spec.templates[0] needs exactly one of container, script, steps, dag",
    ),
    (
        "too-many-nodes.yaml",
        6,
        17,
        "$.extensionTemplate.spec.entrypoint",
        "spec.entrypoint 'main' would create 1,045 nodes, more than the local executor's limit "
        "of 1,000 per workflow",
    ),
]


def test_every_local_corpus_file_has_a_case() -> None:
    assert sorted(path.name for path in LOCAL.iterdir()) == sorted(case[0] for case in CASES)


@pytest.mark.parametrize(("name", "line", "column", "json_path", "message"), CASES)
def test_for_the_local_target_the_first_error_is_located(
    name: str, line: int, column: int, json_path: str, message: str
) -> None:
    source = str(LOCAL / name)
    result = load_manifests([source], target="local")
    assert not result.ok and result.invalid_count == 1
    first = next(problem for problem in result.problems if problem.severity == "error")
    assert (first.line, first.column, first.json_path, first.message) == (
        line,
        column,
        json_path,
        message,
    )
    outcome = CliRunner().invoke(app, ["validate", "--target", "local", source])
    assert outcome.exit_code == 1, outcome.output
    assert f"{source}:{line}:{column}: error: {json_path}: {message}" in outcome.output


@pytest.mark.parametrize(("name", "line", "column", "json_path", "message"), CASES)
def test_for_paddleflow_it_is_valid_with_a_warning_there(
    name: str, line: int, column: int, json_path: str, message: str
) -> None:
    source = str(LOCAL / name)
    result = load_manifests([source])
    assert result.ok and len(result.manifests) == 1
    assert all(problem.severity == "warning" for problem in result.problems)
    warned = [(p.line, p.column, p.json_path, p.message) for p in result.problems]
    assert (line, column, json_path, message + LOCAL_ONLY) in warned


@pytest.mark.parametrize("name", [case[0] for case in CASES])
def test_the_local_server_refuses_it_in_the_same_words(root_api: Api, name: str) -> None:
    """The server names the first finding in its own order, one of validate's errors."""
    source = str(LOCAL / name)
    (manifest,) = load_manifests([source]).manifests
    response = root_api.post("/job/workflow", json=json.loads(json.dumps(manifest.body)))
    assert response.status_code == 400, response.text
    local = load_manifests([source], target="local")
    assert response.json()["message"] in {problem.message for problem in local.problems}
