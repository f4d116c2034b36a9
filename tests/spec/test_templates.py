"""The kind rule of single and distributed jobs' templates and how a template is read (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from pfctl.spec import template_replicas, templates


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("PaddleJob.kubeflow.org/v1", templates.KF_PADDLE),
        ("Pod./v1", templates.KindGroupVersion("Pod", "", "v1")),
        ("RayJob.ray.io/v1alpha1", templates.RAY),
    ],
)
def test_the_annotation_reads_as_paddleflow_reads_it(
    text: str, kind: templates.KindGroupVersion
) -> None:
    assert templates.parse_annotation(text) == kind


@pytest.mark.parametrize("text", ["Pod", "Pod/v1", "a.b/c/d"])
def test_a_malformed_annotation_is_refused(text: str) -> None:
    with pytest.raises(templates.KindError, match="it's format must be"):
        templates.parse_annotation(text)


def test_the_framework_decides_unless_the_annotation_does() -> None:
    assert templates.job_kind("single", "", None) == templates.POD
    assert templates.job_kind("distributed", "tensorflow", {}) == templates.TENSORFLOW
    annotation = {templates.ANNOTATION: "PaddleJob.kubeflow.org/v1"}
    assert templates.job_kind("distributed", "paddle", annotation) == templates.KF_PADDLE


def test_a_kind_mismatch_says_what_paddleflow_says() -> None:
    template = {"apiVersion": "kubeflow.org/v1", "kind": "TFJob"}
    assert templates.kind_mismatch(template, templates.PYTORCH) == (
        "expect GroupVersionKind is kubeflow.org/v1, Kind=PyTorchJob, "
        "but got kubeflow.org/v1, Kind=TFJob"
    )
    assert templates.kind_mismatch(template, templates.TENSORFLOW) is None


def test_the_kubeflow_paddle_annotation_has_a_built_in_template() -> None:
    annotation = {templates.ANNOTATION: "PaddleJob.kubeflow.org/v1"}
    assert templates.submit_problem("distributed", "paddle", annotation, None) is None


def _tf(specs: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "kubeflow.org/v1", "kind": "TFJob", "spec": {"tfReplicaSpecs": specs}}


def test_replica_specs_become_member_roles() -> None:
    pod = {"spec": {"containers": [{"command": ["python"], "args": ["t.py"], "workingDir": "/w"}]}}
    replicas, problems = template_replicas.read_template(
        templates.TENSORFLOW,
        _tf({"PS": {"template": pod}, "Worker": {"replicas": 3, "template": pod}}),
    )
    assert problems == []
    assert [(r.role, r.replicas, r.container.command, r.container.args) for r in replicas] == [
        ("pserver", 1, ("python",), ("t.py",)),
        ("worker", 3, ("python",), ("t.py",)),
    ]


def test_what_the_local_executor_cannot_run_is_named() -> None:
    pod = {"spec": {"containers": [{"command": ["a"]}, {"command": ["b"]}]}}
    _, problems = template_replicas.read_template(
        templates.TENSORFLOW, _tf({"Chief": {}, "Worker": {"template": pod}})
    )
    assert [problem.message for problem in problems] == [
        "spec.tfReplicaSpecs.Chief: this replica type is not run by the local executor",
        "spec.tfReplicaSpecs.Worker.template.spec.containers[1]: "
        "the local executor runs one container per pod",
    ]
