"""What each replica of a single or distributed job runs: its members, or its template's replica
specs patched by them, and the framework settings PaddleFlow reads from a member's env.

- ``extensionTemplate`` (``pfctl.spec.template_replicas``): the template's replica specs run, each
  patched by the member of its role; a command the member gives replaces the container's,
  wrapped as PaddleFlow wraps it; otherwise the container's ``command`` and ``args`` run as a
  container runs them (no shell), in its ``workingDir`` below the job's working directory.
- Spark (``pkg/job/runtime_v2/job/spark/``): the application is the driver's
  ``PF_JOB_SPARK_MAIN_FILE``, ``PF_JOB_SPARK_MAIN_CLASS`` and ``PF_JOB_SPARK_ARGUMENTS`` (one
  argument), submitted with the host's ``spark-submit`` in local mode; members' ``command`` and
  ``args`` are ignored, and executors stand by (Spark's local mode runs the executors itself).
- Ray (``pkg/job/runtime_v2/job/ray/``): the master's ``command`` is the RayJob entrypoint; the
  members' ``args`` are ``ray start`` parameters, not arguments of the entrypoint; the workers'
  ``command`` is ignored and they stand by. ``RAY_JOB_RUNTIME_ENV``'s ``env_vars`` reach the
  entrypoint; ``RAY_JOB_WORKER_MIN_REPLICAS``/``MAX_REPLICAS`` must be integers.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import json
import os
import shlex
import shutil
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pfctl.server.runtime.frameworks import Replica
from pfctl.server.runtime.processes import LaunchSpec, ReplicaProcess, replica_argv
from pfctl.spec import framework_env, template_replicas, templates
from pfctl.spec.template_replicas import TemplateContainer

SPARK_MAIN_FILE = framework_env.SPARK_MAIN_FILE
SPARK_MAIN_CLASS = framework_env.SPARK_MAIN_CLASS
SPARK_ARGUMENTS = framework_env.SPARK_ARGUMENTS
RAY_RUNTIME_ENV = framework_env.RAY_RUNTIME_ENV
RAY_HEADER_PRE_STOP = framework_env.RAY_HEADER_PRE_STOP
#: The key of a member built from a template that holds its pod's container.
TEMPLATE_CONTAINER = "_templateContainer"


def template_members(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The members a job with a (runnable, checked at create) template runs as: one per replica
    spec, with the values of the member of its role."""
    template = spec.get("extensionTemplate") or {}
    framework = str(spec.get("framework") or "standalone")
    job_type = "single" if framework == "standalone" else "distributed"
    kind = templates.job_kind(job_type, framework, spec.get("annotations"))
    replicas, _ = template_replicas.read_template(kind, template)
    # PaddleFlow builds a SparkApplication template as written (customSparkJob reads no member).
    members = [] if kind == templates.SPARK else list(spec.get("members") or [])
    result: list[dict[str, Any]] = []
    by_role = template_replicas.patched(replicas, members, member_replicas=kind != templates.RAY)
    for replica, member in by_role:
        if replica.replicas < 1:
            continue  # a replica spec of 0 replicas runs nothing
        container = replica.container
        built: dict[str, Any] = dict(member or {})
        # A name the container's env sets keeps the template's value (appendEnvIfAbsent).
        built["env"] = {**dict(built.get("env") or {}), **container.env}
        built["role"] = replica.role
        built["replicas"] = replica.replicas
        built["image"] = built.get("image") or container.image
        built[TEMPLATE_CONTAINER] = container
        result.append(built)
    return result


def submit_failure(job_type: str, spec: Mapping[str, Any]) -> str | None:
    """The job's message when PaddleFlow's submit would fail it, or None."""
    problem = submit_problem(job_type, spec)
    return None if problem is None else templates.submit_failure(problem)


def submit_problem(job_type: str, spec: Mapping[str, Any]) -> str | None:
    """Why PaddleFlow's submit would fail this job (its message without the prefix), or None."""
    framework = str(spec.get("framework") or "")
    problem = templates.submit_problem(
        job_type, framework, spec.get("annotations"), spec.get("extensionTemplate")
    )
    if problem is not None or framework != "ray" or spec.get("extensionTemplate"):
        return problem  # a RayJob template's workers are not built from the members' env
    for member in spec.get("members") or []:
        if member.get("role") != "master":
            found = framework_env.ray_worker_problem(member.get("env") or {})
            if found is not None:
                return found[1]
    return None


def standby_argv(role: str, why: str) -> list[str]:
    """A replica that stands by until the job's primary replicas end (then it is stopped)."""
    line = f"pfctl: {role} standing by: {why}"
    return ["sh", "-c", 'echo "$0"; while :; do sleep 3600; done', line]


def spark_submit_program(env: Mapping[str, str]) -> str | None:
    """The host's ``spark-submit``: on the ``PATH``, else under ``SPARK_HOME``."""
    found = shutil.which("spark-submit", path=env.get("PATH", os.defpath))
    if found:
        return found
    home = env.get("SPARK_HOME", "")
    candidate = os.path.join(home, "bin", "spark-submit") if home else ""
    return candidate if candidate and os.access(candidate, os.X_OK) else None


def spark_driver_argv(
    env: Mapping[str, str], executors: int, job_id: str, arguments: Sequence[str] | None = None
) -> list[str]:
    """The driver: ``spark-submit`` of the application the PF_JOB_SPARK_* variables name, with
    ``arguments`` (a SparkApplication template's) or else PF_JOB_SPARK_ARGUMENTS as one."""
    main_file = env.get(SPARK_MAIN_FILE, "")
    if not main_file:
        message = (
            f"pfctl: no Spark application: the driver's env sets no {SPARK_MAIN_FILE} "
            "(PaddleFlow reads the application from it, not from command)"
        )
        return ["sh", "-c", 'echo "$0" >&2; exit 2', message]
    application = main_file.removeprefix("local://")
    submit = ["--master", f"local[{max(1, executors)}]", "--name", job_id]
    if env.get(SPARK_MAIN_CLASS):
        submit += ["--class", env[SPARK_MAIN_CLASS]]
    submit.append(application)
    if arguments is not None:
        submit += arguments
    elif SPARK_ARGUMENTS in env:
        submit.append(env[SPARK_ARGUMENTS])
    program = spark_submit_program(env)
    if program is not None:
        return [program, *submit]
    # No Spark on this host: say what would be submitted (the image would hold Spark).
    shown = shlex.join(["spark-submit", *submit])
    message = (
        "pfctl: spark-submit is not on this host's PATH (nor under SPARK_HOME), so the Spark "
        f"application was not run; with Spark installed the local executor runs: {shown}"
    )
    return ["sh", "-c", 'echo "$0"', message]


def ray_runtime_env_vars(value: str) -> dict[str, str]:
    """The ``env_vars`` of a RAY_JOB_RUNTIME_ENV (JSON, plain or base64 encoded); empty when
    it has none or cannot be read (KubeRay would then refuse it)."""
    texts = [value]
    with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
        texts.append(base64.b64decode(value, validate=True).decode("utf-8"))
    for text in texts:
        try:
            loaded = json.loads(text)
        except ValueError:
            continue
        env_vars = loaded.get("env_vars") if isinstance(loaded, dict) else None
        if isinstance(env_vars, dict):
            return {str(key): str(item) for key, item in env_vars.items()}
    return {}


def launch(
    framework: str,
    job_id: str,
    member: Mapping[str, Any],
    me: Replica,
    *,
    replicas: Sequence[Replica],
    work_dir: str,
    env: dict[str, str],
) -> tuple[list[str], str]:
    """The argv of ``me`` and the folder it runs in, relative to ``work_dir`` ("" for that
    folder); ``env`` (the replica's environment) may gain variables."""
    command = str(member.get("command") or "")
    args = [str(arg) for arg in member.get("args") or []]
    if framework == "spark":
        if me.role != "driver":
            return standby_argv(me.name, "Spark's local mode runs the executors"), ""
        executors = sum(1 for replica in replicas if replica.role == "executor")
        template = member.get(TEMPLATE_CONTAINER)
        arguments = list(template.args) if isinstance(template, TemplateContainer) else None
        return spark_driver_argv(env, executors, job_id, arguments), ""
    if framework == "ray":
        if me.role != "master":
            return standby_argv(me.name, "the ray operator would run ray start here"), ""
        env.update(ray_runtime_env_vars(env.get(RAY_RUNTIME_ENV, "")))
        template = member.get(TEMPLATE_CONTAINER)
        if isinstance(template, TemplateContainer):  # a RayJob template's entrypoint
            command = template.entrypoint
        return replica_argv(command, [], work_dir), ""
    container = member.get(TEMPLATE_CONTAINER)
    if isinstance(container, TemplateContainer):
        run_args = args or list(container.args)
        if command:
            return replica_argv(command, run_args, work_dir), ""
        if container.command:
            return [*container.command, *run_args], container.working_dir.lstrip("/")
        return replica_argv("", run_args, work_dir), container.working_dir.lstrip("/")
    return replica_argv(command, args, work_dir), ""


def run_pre_stop(
    framework: str,
    runs: Sequence[Any],
    launch: Callable[[LaunchSpec], ReplicaProcess],
    grace_seconds: float,
) -> None:
    """A ray master's ``RAY_JOB_HEADER_PRE_STOP``: KubeRay's head pod runs it (its preStop
    hook, ``sh -c``) before it stops, when the job ends or is stopped. Here it runs once the
    job is decided, before the replicas are stopped, in the head's folder and environment, its
    output appended to the head's log, for at most the grace period. ``runs`` are the job's
    replica runs (``replica.role``, ``process``)."""
    if framework != "ray":
        return
    for run in runs:
        process = run.process
        if run.replica.role != "master" or process is None:
            continue
        command = str(process.spec.env.get(RAY_HEADER_PRE_STOP) or "")
        if command:
            hook = launch(dataclasses.replace(process.spec, argv=["sh", "-c", command]))
            if hook.wait(grace_seconds) is None:
                hook.kill()
