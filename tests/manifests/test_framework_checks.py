"""validate's checks of a job's kind, its extensionTemplate and the framework settings PaddleFlow
reads from env: located, with the severity PaddleFlow's behaviour calls for."""

from __future__ import annotations

from pathlib import Path

from pfctl.manifests import load_manifests
from tests.helpers.cli import run_pfctl

PYTORCH_ON_PADDLE = """\
type: distributed
id: mixed
framework: paddle
members:
  - role: worker
    replicas: 2
    image: paddle
    command: train
extensionTemplate:
  apiVersion: kubeflow.org/v1
  kind: PyTorchJob
  spec: {}
"""


def findings(
    tmp_path: Path, text: str, target: str = "paddleflow"
) -> list[tuple[int, int, str, str, str]]:
    source = tmp_path / "m.yaml"
    source.write_text(text, encoding="utf-8")
    result = load_manifests([str(source)], target=target)
    return [(p.line, p.column, p.severity, p.json_path, p.message) for p in result.problems]


def test_a_template_of_another_kind_is_an_error_at_its_kind(tmp_path: Path) -> None:
    assert findings(tmp_path, PYTORCH_ON_PADDLE) == [
        (
            11,
            9,
            "error",
            "$.extensionTemplate.kind",
            "expect GroupVersionKind is batch.paddlepaddle.org/v1, Kind=PaddleJob, but got "
            "kubeflow.org/v1, Kind=PyTorchJob: PaddleFlow fails the job when it submits it",
        )
    ]


def test_validate_prints_the_located_line_and_says_no(tmp_path: Path) -> None:
    source = tmp_path / "mixed.yaml"
    source.write_text(PYTORCH_ON_PADDLE, encoding="utf-8")
    result = run_pfctl("validate", str(source))
    assert result.returncode == 1
    assert f"{source}:11:9: error: $.extensionTemplate.kind: expect GroupVersionKind" in (
        result.stdout + result.stderr
    )


def test_a_bad_kind_annotation_is_an_error(tmp_path: Path) -> None:
    text = """\
type: single
id: one
image: busybox
command: "true"
annotations:
  paddleflow/job-kind-group-version: Pod/v1
"""
    assert findings(tmp_path, text) == [
        (
            6,
            38,
            "error",
            '$.annotations["paddleflow/job-kind-group-version"]',
            "the KindGroupVersion Pod/v1 is invalid, and it's format must be "
            "{kind}.{group}/{version}",
        )
    ]


def test_what_the_local_server_cannot_run_depends_on_the_target(tmp_path: Path) -> None:
    text = """\
type: single
id: one
image: busybox
extensionTemplate:
  apiVersion: v1
  kind: Pod
  spec:
    containers:
      - command: ["true"]
        envFrom: [{configMapRef: {name: settings}}]
"""
    [warning] = findings(tmp_path, text)
    assert warning[:4] == (10, 9, "warning", "$.extensionTemplate.spec.containers[0].envFrom")
    assert "the local pfctl server refuses this job" in warning[4]
    [error] = findings(tmp_path, text, target="local")
    assert error[2:] == (
        "error",
        "$.extensionTemplate.spec.containers[0].envFrom",
        "spec.containers[0].envFrom: not run by the local executor",
    )


def test_a_member_the_template_has_no_replica_spec_for(tmp_path: Path) -> None:
    text = """\
type: distributed
id: torch
framework: pytorch
members:
  - {role: master, replicas: 1, image: torch}
  - {role: worker, replicas: 1, image: torch}
extensionTemplate:
  apiVersion: kubeflow.org/v1
  kind: PyTorchJob
  spec:
    pytorchReplicaSpecs:
      Master: {replicas: 1, template: {spec: {containers: [{command: ["true"]}]}}}
"""
    [warning] = findings(tmp_path, text)
    assert warning[:4] == (6, 12, "warning", "$.members[1].role")
    assert "no replica spec for role `worker`" in warning[4]


def test_spark_members_commands_are_ignored_and_the_application_is_in_env(
    tmp_path: Path,
) -> None:
    text = """\
type: distributed
id: spark
framework: spark
members:
  - role: driver
    replicas: 1
    image: spark
    command: spark-submit app.py
  - role: executor
    replicas: 1
    image: spark
"""
    found = findings(tmp_path, text)
    assert [(line, severity, path) for line, _, severity, path, _ in found] == [
        (5, "warning", "$.members[0]"),
        (8, "warning", "$.members[0].command"),
    ]
    assert "sets no PF_JOB_SPARK_MAIN_FILE" in found[0][4]
    assert "PaddleFlow ignores a spark member's `command`" in found[1][4]


def test_ray_settings(tmp_path: Path) -> None:
    text = """\
type: distributed
id: ray
framework: ray
members:
  - role: master
    replicas: 1
    image: ray
    command: python tune.py
    args: ["--fast"]
  - role: worker
    replicas: 2
    image: ray
    command: ray start
    env:
      RAY_JOB_WORKER_MIN_REPLICAS: two
"""
    found = findings(tmp_path, text)
    assert [(line, severity, path) for line, _, severity, path, _ in found] == [
        (9, "warning", "$.members[0].args[0]"),
        (13, "warning", "$.members[1].command"),
        (15, "error", "$.members[1].env.RAY_JOB_WORKER_MIN_REPLICAS"),
    ]


def test_restart_policy_where_paddleflow_ignores_it(tmp_path: Path) -> None:
    text = """\
type: distributed
id: torch
framework: pytorch
members:
  - role: master
    replicas: 1
    image: torch
    command: train
    env: {PF_JOB_RESTART_POLICY: OnFailure}
  - role: worker
    replicas: 1
    image: torch
    command: train
    env: {PF_JOB_RESTART_POLICY: onfailure}
"""
    found = findings(tmp_path, text)
    assert [(line, path) for line, _, _, path, _ in found] == [
        (9, "$.members[0].env.PF_JOB_RESTART_POLICY"),
        (14, "$.members[1].env.PF_JOB_RESTART_POLICY"),
    ]
    assert "ignores PF_JOB_RESTART_POLICY for a pytorch job" in found[0][4]
    assert "`onfailure` means Never" in found[1][4]


def test_the_examples_have_no_findings() -> None:
    examples = Path(__file__).parents[2] / "examples"
    result = load_manifests([str(examples)])
    assert [(p.source, p.message) for p in result.problems] == []


def test_a_sparkapplication_template_ignores_the_members(tmp_path: Path) -> None:
    text = """\
type: distributed
id: spark
framework: spark
members:
  - {role: driver, replicas: 1, image: spark}
  - {role: executor, replicas: 1, image: spark}
extensionTemplate:
  apiVersion: sparkoperator.k8s.io/v1beta2
  kind: SparkApplication
  spec: {mainApplicationFile: "local:///app.py"}
"""
    [warning] = findings(tmp_path, text)
    assert warning[:4] == (4, 1, "warning", "$.members")
    assert "builds a SparkApplication template as written" in warning[4]
