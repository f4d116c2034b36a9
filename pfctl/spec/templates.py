"""Which Kubernetes kind a job's ``extensionTemplate`` must be, as PaddleFlow decides it. Pure.

PaddleFlow picks a job's kind/group/version at create (``ToKindGroupVersion`` in
``pkg/common/schema/kind_version.go``): the framework's default, or the annotation
``paddleflow/job-kind-group-version`` (``{kind}.{group}/{version}``) when set; a malformed or
unsupported annotation fails the create. When the job is submitted, ``CreateKubeJobFromYaml``
(``pkg/job/runtime_v2/job/util/kuberuntime/kube_job.go``) decodes the template and fails the job
unless its ``kind``/``apiVersion`` are that kind, with ``expect GroupVersionKind is ..., but got
...``. The messages below are PaddleFlow's; the server and ``pfctl validate`` share them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ANNOTATION = "paddleflow/job-kind-group-version"


@dataclass(frozen=True)
class KindGroupVersion:
    """PaddleFlow's ``schema.KindGroupVersion``."""

    kind: str
    group: str
    version: str

    @property
    def api_version(self) -> str:
        """The ``apiVersion`` a template of this kind carries (``v1`` for the core group)."""
        return f"{self.group}/{self.version}" if self.group else self.version

    def gvk_text(self) -> str:
        """Kubernetes' ``GroupVersionKind.String()``: ``group/version, Kind=kind``."""
        return f"{self.group}/{self.version}, Kind={self.kind}"

    def __str__(self) -> str:
        """PaddleFlow's ``KindGroupVersion.String()``."""
        return f"kind: {self.kind}, groupVersion: {self.group}/{self.version}"


POD = KindGroupVersion("Pod", "", "v1")
PADDLE = KindGroupVersion("PaddleJob", "batch.paddlepaddle.org", "v1")
KF_PADDLE = KindGroupVersion("PaddleJob", "kubeflow.org", "v1")
PYTORCH = KindGroupVersion("PyTorchJob", "kubeflow.org", "v1")
TENSORFLOW = KindGroupVersion("TFJob", "kubeflow.org", "v1")
MPI = KindGroupVersion("MPIJob", "kubeflow.org", "v1")
MXNET = KindGroupVersion("MXJob", "kubeflow.org", "v1")
SPARK = KindGroupVersion("SparkApplication", "sparkoperator.k8s.io", "v1beta2")
RAY = KindGroupVersion("RayJob", "ray.io", "v1alpha1")
AITJ = KindGroupVersion("AITrainingJob", "kongming.cce.baiudbce.com", "v1")
WORKFLOW = KindGroupVersion("Workflow", "argoproj.io", "v1alpha1")

#: The framework's default kind (``frameworkKindGroupVersionMap``).
FRAMEWORK_KINDS: dict[str, KindGroupVersion] = {
    "standalone": POD,
    "paddle": PADDLE,
    "pytorch": PYTORCH,
    "tensorflow": TENSORFLOW,
    "mpi": MPI,
    "mxnet": MXNET,
    "spark": SPARK,
    "ray": RAY,
    "aitj": AITJ,
}
#: Every kind PaddleFlow can run (``JobKindGroupVersionMap``), with the framework that runs it.
SUPPORTED_KINDS: dict[KindGroupVersion, str] = {
    POD: "standalone",
    SPARK: "spark",
    PADDLE: "paddle",
    KF_PADDLE: "paddle",
    PYTORCH: "pytorch",
    TENSORFLOW: "tensorflow",
    MXNET: "mxnet",
    MPI: "mpi",
    RAY: "ray",
    WORKFLOW: "",
    AITJ: "aitj",
}


class KindError(ValueError):
    """The annotation names no kind PaddleFlow runs: the create fails with this text."""


def parse_annotation(text: str) -> KindGroupVersion:
    """``{kind}.{group}/{version}`` as PaddleFlow's ``parseKindGroupVersion`` reads it."""
    invalid = KindError(
        f"the KindGroupVersion {text} is invalid, "
        "and it's format must be {kind}.{group}/{version}"
    )
    kind_group, slash, version = text.partition("/")
    if not slash or "/" in version:
        raise invalid
    kind, dot, group = kind_group.partition(".")
    if not dot:
        raise invalid
    return KindGroupVersion(kind, group, version)


def job_kind(
    job_type: str, framework: str, annotations: Mapping[str, Any] | None
) -> KindGroupVersion:
    """The kind PaddleFlow gives a single or distributed job (``ToKindGroupVersion``);
    ``KindError`` when the create must fail."""
    if job_type == "workflow":
        return WORKFLOW
    default = FRAMEWORK_KINDS.get("standalone" if job_type == "single" else framework)
    text = str((annotations or {}).get(ANNOTATION) or "")
    chosen = parse_annotation(text) if text else default
    if chosen is None or chosen not in SUPPORTED_KINDS:
        shown = chosen or KindGroupVersion("", "", "")
        raise KindError(f"the KindGroupVersion {shown} is not supported")
    return chosen


def _go_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def template_kind(template: Mapping[str, Any]) -> KindGroupVersion | str:
    """The template's kind/group/version, or the decoder's error text when it has none."""
    kind = template.get("kind")
    api_version = template.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        return f"Object 'Kind' is missing in '{_go_json(template)}'"
    if not isinstance(api_version, str):
        api_version = ""
    group, slash, version = api_version.rpartition("/")
    if slash and "/" in group:
        return f"unexpected GroupVersion string: {api_version}"
    return KindGroupVersion(kind, group, version)


def kind_mismatch(template: Mapping[str, Any], expected: KindGroupVersion) -> str | None:
    """Why PaddleFlow fails the job at submit for this template, or None when the kind fits."""
    found = template_kind(template)
    if isinstance(found, str):
        return found
    if found != expected:
        return f"expect GroupVersionKind is {expected.gvk_text()}, but got {found.gvk_text()}"
    return None


def submit_failure(reason: str) -> str:
    """The job's message when PaddleFlow's submit fails (``submitJob`` in job_manager.go)."""
    return f"submit job to cluster failed, err: {reason}"


def _default_template_kind(
    job_type: str, framework: str, chosen: KindGroupVersion
) -> KindGroupVersion:
    """The kind of PaddleFlow's built-in template for a job without ``extensionTemplate``
    (``getDefaultTemplate``: by framework, except the kubeflow PaddleJob and AITrainingJob)."""
    if job_type == "distributed" and chosen in (KF_PADDLE, AITJ):
        return chosen
    return FRAMEWORK_KINDS.get("standalone" if job_type == "single" else framework, POD)


def submit_problem(
    job_type: str,
    framework: str,
    annotations: Mapping[str, Any] | None,
    template: Any,
) -> str | None:
    """Why PaddleFlow's submit fails a created single or distributed job because of its kind,
    or None: the template (or the built-in one) must be the job's kind."""
    try:
        chosen = job_kind(job_type, framework, annotations)
    except KindError as error:
        return str(error)
    if isinstance(template, Mapping) and template:
        return kind_mismatch(template, chosen)
    default = _default_template_kind(job_type, framework, chosen)
    if default != chosen:
        return f"expect GroupVersionKind is {chosen.gvk_text()}, but got {default.gvk_text()}"
    return None
