"""The Argo Workflow subset the local executor runs: what it accepts and how findings read."""

from __future__ import annotations

from typing import Any

import pytest

from pfctl.spec.argo_subset import check_workflow, dotted, validate_workflow


def workflow(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "spec": spec}


def test_a_runnable_workflow_has_no_finding() -> None:
    template = workflow(
        {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "n", "value": "1"}]},
            "templates": [
                {"name": "main", "dag": {"tasks": [{"name": "a", "template": "echo"}]}},
                {
                    "name": "echo",
                    "container": {"image": "x", "command": ["echo", "{{workflow.parameters.n}}"]},
                },
            ],
        }
    )
    assert check_workflow(template) == []


def test_findings_carry_their_path_and_read_as_field_paths() -> None:
    template = workflow(
        {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "container": {"command": ["true"]}, "retry-strategy": 1}
            ],
        }
    )
    [problem] = check_workflow(template)
    assert problem.path == ("spec", "templates", 0, "retry-strategy")
    assert problem.at_key is True
    assert problem.message == 'unsupported field spec.templates[0]["retry-strategy"]'


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "extensionTemplate"),
        (("spec", "templates", 0, "name"), "spec.templates[0].name"),
        (("spec", "templates", 2, "steps", 0, 0), "spec.templates[2].steps[0][0]"),
    ],
)
def test_dotted(path: tuple[str | int, ...], text: str) -> None:
    assert dotted(path) == text


@pytest.mark.parametrize("template", [None, [], "text", 3, {"spec": None}])
def test_anything_is_checked_without_raising(template: Any) -> None:
    assert validate_workflow(template)
