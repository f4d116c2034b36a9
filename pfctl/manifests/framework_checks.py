"""Offline checks of what PaddleFlow does with a single or distributed job's framework settings.

- The kind (``pfctl.spec.templates``): a ``paddleflow/job-kind-group-version`` annotation
  PaddleFlow refuses at create, and an ``extensionTemplate`` (or, without one, PaddleFlow's
  built-in template) of another kind, which fails the job when PaddleFlow submits it: errors.
- A template the local pfctl server cannot run (``pfctl.spec.template_replicas``): a warning,
  an error for ``--target local``; a member whose role the template does not name runs nothing.
- Settings PaddleFlow reads from env, and what it ignores: a spark member's ``command`` and
  ``args`` (the application is ``PF_JOB_SPARK_MAIN_FILE``, ``PF_JOB_SPARK_MAIN_CLASS``,
  ``PF_JOB_SPARK_ARGUMENTS``), a ray worker's ``command`` (the master's is the entrypoint),
  ray ``args`` that are not ``name: value`` start parameters, ``RAY_JOB_WORKER_MIN_REPLICAS``
  and ``..._MAX_REPLICAS`` that are not integers (the submit fails), and ``PF_JOB_RESTART_POLICY``
  where PaddleFlow ignores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pfctl.spec import framework_env, template_replicas, templates
from pfctl.spec.paths import Path

#: One finding: path in the manifest, message, locate the key (not the value), severity.
Finding = tuple[Path, str, bool, str]

_RESTART = framework_env.RESTART_POLICY
_SPARK_SETTINGS = (
    f"{framework_env.SPARK_MAIN_FILE}, {framework_env.SPARK_MAIN_CLASS} and "
    f"{framework_env.SPARK_ARGUMENTS}"
)

#: The end of an error PaddleFlow raises when it submits the job, not when it creates it (its
#: create answers 200, then the job fails).
SUBMIT_FAILS = ": PaddleFlow fails the job when it submits it"


def _members(job_type: str, body: Mapping[str, Any]) -> list[tuple[Path, Mapping[str, Any]]]:
    if job_type == "single":
        return [((), body)]
    raw = body.get("members")
    listed = raw if isinstance(raw, list) else []
    return [(("members", i), m) for i, m in enumerate(listed) if isinstance(m, Mapping)]


def _env(member: Mapping[str, Any]) -> Mapping[str, Any]:
    env = member.get("env")
    return env if isinstance(env, Mapping) else {}


def check_frameworks(job_type: str, body: Mapping[str, Any], target: str) -> list[Finding]:
    """Every finding for a ``single`` or ``distributed`` job body (none for workflows)."""
    if job_type not in ("single", "distributed"):
        return []
    framework = "standalone" if job_type == "single" else str(body.get("framework") or "")
    if framework not in templates.FRAMEWORK_KINDS:
        return []  # the create rules report an unknown framework
    findings = _kind_findings(job_type, framework, body, target)
    members = _members(job_type, body)
    template = body.get("extensionTemplate")
    has_template = isinstance(template, Mapping) and bool(template)
    annotations = body.get("annotations")
    try:
        kind: templates.KindGroupVersion | None = templates.job_kind(
            job_type, framework, annotations if isinstance(annotations, Mapping) else {}
        )
    except templates.KindError:
        kind = None
    for path, member in members:
        findings += _member_findings(framework, kind, path, member, has_template=has_template)
    return findings


def _kind_findings(
    job_type: str, framework: str, body: Mapping[str, Any], target: str
) -> list[Finding]:
    annotations = body.get("annotations")
    annotations = annotations if isinstance(annotations, Mapping) else {}
    template = body.get("extensionTemplate")
    annotation_path: Path = ("annotations", templates.ANNOTATION)
    try:
        templates.job_kind(job_type, framework, annotations)
    except templates.KindError as error:
        return [(annotation_path, str(error), False, "error")]
    problem = templates.submit_problem(job_type, framework, annotations, template)
    if problem is not None:
        if isinstance(template, Mapping) and template:
            at: Path = ("extensionTemplate", "kind")
            if "kind" not in template:
                at = ("extensionTemplate",)
        else:
            at = annotation_path
        message = f"{problem}{SUBMIT_FAILS}"
        return [(at, message, False, "error")]
    findings: list[Finding] = []
    for problem_found in template_replicas.local_problems(
        job_type, framework, annotations, template
    ):
        path: Path = ("extensionTemplate", *problem_found.path)
        if target == "local":
            findings.append((path, problem_found.message, problem_found.at_key, "error"))
        else:
            findings.append(
                (
                    path,
                    f"{problem_found.message}: the local pfctl server refuses this job "
                    "(PaddleFlow runs it; `--target local` makes this an error)",
                    problem_found.at_key,
                    "warning",
                )
            )
    if job_type == "distributed" and isinstance(template, Mapping) and template and not findings:
        findings += _unused_members(framework, annotations, template, body)
    return findings


def _unused_members(
    framework: str, annotations: Mapping[str, Any], template: Mapping[str, Any], body: Any
) -> list[Finding]:
    kind = templates.job_kind("distributed", framework, annotations)
    if kind == templates.SPARK and body.get("members"):
        message = (
            "PaddleFlow builds a SparkApplication template as written (customSparkJob): of the "
            "members only the flavours count, against the queue"
        )
        return [(("members",), message, True, "warning")]
    if not template_replicas.runs_locally(kind):
        return []
    replicas, _ = template_replicas.read_template(kind, template)
    listed = body.get("members")
    members = [m for m in listed if isinstance(m, Mapping)] if isinstance(listed, list) else []
    return [
        (
            ("members", index, "role"),
            f"the template has no replica spec for role `{members[index].get('role')}`: "
            "PaddleFlow patches only the replica specs the template names, so this member "
            "runs nothing",
            False,
            "warning",
        )
        for index in template_replicas.unused_member_roles(replicas, members)
    ]


def _member_findings(
    framework: str,
    kind: templates.KindGroupVersion | None,
    path: Path,
    member: Mapping[str, Any],
    *,
    has_template: bool,
) -> list[Finding]:
    findings: list[Finding] = []
    env = _env(member)
    role = member.get("role")
    if framework == "spark":
        for key in ("command", "args"):
            if member.get(key):
                findings.append(
                    (
                        (*path, key),
                        f"PaddleFlow ignores a spark member's `{key}`: the Spark application "
                        f"comes from the driver's env {_SPARK_SETTINGS}",
                        True,
                        "warning",
                    )
                )
        if role == "driver" and not has_template and not env.get(framework_env.SPARK_MAIN_FILE):
            findings.append(
                (
                    (*path, "env") if env else path,
                    "the driver's env sets no PF_JOB_SPARK_MAIN_FILE: the SparkApplication "
                    "PaddleFlow creates has no application to run",
                    bool(env),
                    "warning",
                )
            )
    if framework == "ray":
        findings += _ray_findings(path, member, env, has_template=has_template)
    policy = env.get(_RESTART)
    if policy is not None:
        where: Path = (*path, "env", _RESTART)
        if policy not in ("OnFailure", "Always", "Never"):
            findings.append(
                (
                    where,
                    f"PaddleFlow reads only `OnFailure` and `Always` here; `{policy}` means Never",
                    False,
                    "warning",
                )
            )
        elif kind in framework_env.RESTART_IGNORED_KINDS and policy != "Never":
            findings.append(
                (
                    where,
                    f"PaddleFlow ignores {_RESTART} for a {framework} job: its operator uses "
                    "the replica spec's policy, Never",
                    True,
                    "warning",
                )
            )
    return findings


def _ray_findings(
    path: Path, member: Mapping[str, Any], env: Mapping[str, Any], *, has_template: bool
) -> list[Finding]:
    findings: list[Finding] = []
    if member.get("role") != "master" and member.get("command"):
        findings.append(
            (
                (*path, "command"),
                "PaddleFlow ignores a ray worker's `command`: the ray operator starts the "
                "worker, and the master's `command` is the RayJob entrypoint",
                True,
                "warning",
            )
        )
    args = member.get("args")
    for index, arg in enumerate(args if isinstance(args, list) else []):
        if isinstance(arg, str) and ":" not in arg:
            findings.append(
                (
                    (*path, "args", index),
                    f"PaddleFlow reads a ray member's args as `ray start` parameters "
                    f"(`name: value`), not as arguments of the command: `{arg}` has no `:`",
                    False,
                    "warning",
                )
            )
    problem = (
        None
        if member.get("role") == "master" or has_template
        else (framework_env.ray_worker_problem(env))
    )
    if problem is not None:
        name, text = problem
        message = f"{text}{SUBMIT_FAILS}"
        findings.append(((*path, "env", name), message, False, "error"))
    return findings
