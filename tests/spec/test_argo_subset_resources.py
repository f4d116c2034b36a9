"""What the Argo subset accepts to size and bound a workflow: ``resources`` of a container or
script (requests charged against the queue) and ``spec.parallelism``."""

from __future__ import annotations

from typing import Any

import pytest

from pfctl.spec.argo_subset import validate_workflow


def workflow(container: dict[str, Any], **spec: Any) -> dict[str, Any]:
    templates = [{"name": "main", "container": {"command": ["true"], **container}}]
    return {"kind": "Workflow", "spec": {"entrypoint": "main", "templates": templates, **spec}}


def test_requests_limits_and_parallelism_are_accepted() -> None:
    resources = {
        "requests": {"cpu": "500m", "memory": "1Gi", "nvidia.com/gpu": 1},
        "limits": {"cpu": 2, "memory": "{{inputs.parameters.mem}}"},
    }
    assert validate_workflow(workflow({"resources": resources}, parallelism=3)) == []


@pytest.mark.parametrize(
    ("container", "spec", "message"),
    [
        (
            {"resources": {"requests": {"cpu": "lots"}}},
            {},
            "spec.templates[0].container.resources.requests.cpu: 'lots' is not a Kubernetes "
            "quantity",
        ),
        (
            {"resources": {"requests": {"cpu": "-1"}}},
            {},
            "spec.templates[0].container.resources.requests.cpu must be a quantity of at least 0",
        ),
        (
            {"resources": {"claims": []}},
            {},
            "unsupported field spec.templates[0].container.resources.claims",
        ),
        (
            {"resources": {"requests": "1"}},
            {},
            "spec.templates[0].container.resources.requests must be an object",
        ),
        ({}, {"parallelism": 0}, "spec.parallelism must be a positive integer"),
        ({}, {"parallelism": "2"}, "spec.parallelism must be a positive integer"),
    ],
)
def test_bad_sizes_and_bounds_are_refused_where_they_are(
    container: dict[str, Any], spec: dict[str, Any], message: str
) -> None:
    [problem] = validate_workflow(workflow(container, **spec))
    assert problem.startswith(message)
