"""Framework settings PaddleFlow reads from a member's env, and its rules for them. Pure; the
local server (``pfctl.server.runtime``) and ``pfctl validate`` (``manifests.framework_checks``)
share them.

- Spark (``kube_spark_job.go``): the driver's ``PF_JOB_SPARK_MAIN_FILE``,
  ``PF_JOB_SPARK_MAIN_CLASS`` and ``PF_JOB_SPARK_ARGUMENTS`` (one argument).
- Ray (``kube_ray_job.go``): ``RAY_JOB_RUNTIME_ENV`` and ``RAY_JOB_HEADER_PRE_STOP`` on the
  master; ``RAY_JOB_WORKER_MIN_REPLICAS`` and ``RAY_JOB_WORKER_MAX_REPLICAS`` on a worker must
  be integers (``strconv.Atoi``), or the submit fails.
- ``PF_JOB_RESTART_POLICY`` (``patchRestartPolicy`` in ``kube_job.go``): ``OnFailure`` or
  ``Always``, anything else ``Never``; ignored where the operator takes the replica spec's policy.
- ``PF_JOB_LIMIT_FLAVOUR`` (``validateMembersResource`` in ``create.go``): a flavour name, or
  ``NONE`` for no limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pfctl.spec import templates
from pfctl.spec.templates import KindGroupVersion

SPARK_MAIN_FILE = "PF_JOB_SPARK_MAIN_FILE"
SPARK_MAIN_CLASS = "PF_JOB_SPARK_MAIN_CLASS"
SPARK_ARGUMENTS = "PF_JOB_SPARK_ARGUMENTS"
RAY_RUNTIME_ENV = "RAY_JOB_RUNTIME_ENV"
RAY_HEADER_PRE_STOP = "RAY_JOB_HEADER_PRE_STOP"
#: Worker settings PaddleFlow parses as integers, and the RayJob field each sets.
RAY_INT_SETTINGS = (
    ("RAY_JOB_WORKER_MIN_REPLICAS", "minReplicas"),
    ("RAY_JOB_WORKER_MAX_REPLICAS", "maxReplicas"),
)
RESTART_POLICY = "PF_JOB_RESTART_POLICY"
RESTART_POLICIES = ("OnFailure", "Always")
LIMIT_FLAVOUR = "PF_JOB_LIMIT_FLAVOUR"
NO_LIMITS = "NONE"

#: Kinds whose operator overrides the pod's restart policy with the replica spec's (``Never``,
#: ``KubeflowJobBuilder.ReplicaSpec``), or that have a policy of their own (SparkApplication).
RESTART_IGNORED_KINDS = frozenset(
    {
        templates.PYTORCH,
        templates.TENSORFLOW,
        templates.MPI,
        templates.MXNET,
        templates.KF_PADDLE,
        templates.SPARK,
    }
)


def go_atoi(text: str) -> bool:
    """Whether Go's ``strconv.Atoi`` reads ``text`` (an optional sign, then ASCII digits)."""
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isascii() and digits.isdigit()


def ray_worker_problem(env: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first integer setting of a ray worker PaddleFlow cannot parse: (variable, the submit's
    error text), or None."""
    for name, field in RAY_INT_SETTINGS:
        if name in env and not go_atoi(str(env[name])):
            return name, (
                f"get {field} failed, err: {name} is not valid int type, err: "
                f'strconv.Atoi: parsing "{env[name]}": invalid syntax'
            )
    return None


def restart_policy(kind: KindGroupVersion | None, env: Mapping[str, Any]) -> str:
    """``Never``, ``OnFailure`` or ``Always``: the policy of a replica of a job of ``kind``."""
    value = str(env.get(RESTART_POLICY, ""))
    if kind in RESTART_IGNORED_KINDS or value not in RESTART_POLICIES:
        return "Never"
    return value
