"""What a single or distributed job's ``extensionTemplate`` runs, read the way PaddleFlow patches
it, and what of it the local executor cannot run. Pure; shared by the server and validate.

PaddleFlow fills the template's pods from the job's members (``kube_job.go`` ``BuildPod`` for a
single job's Pod, ``kube_job_builder.go`` for each replica spec of a framework job): for the
member of the same role, its replicas (when above 0), its command (wrapped in ``sh -c``), its
env (a name the template's container already sets keeps the template's value) and resources.
Without a member, the replica spec runs as written. Only the first container of a pod is
patched; the local executor runs one container per pod. A SparkApplication template is used as
written (``customSparkJob`` reads no member): its driver submits the application it names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pfctl.spec import framework_env, templates
from pfctl.spec.paths import Path, format_field_path
from pfctl.spec.templates import KindGroupVersion

#: For each framework kind: where its replica specs are, and the member role of each type.
_REPLICA_MAPS: dict[KindGroupVersion, tuple[str, dict[str, str]]] = {
    templates.PYTORCH: ("pytorchReplicaSpecs", {"Master": "master", "Worker": "worker"}),
    templates.TENSORFLOW: ("tfReplicaSpecs", {"PS": "pserver", "Worker": "worker"}),
    templates.MPI: ("mpiReplicaSpecs", {"Launcher": "master", "Worker": "worker"}),
    templates.KF_PADDLE: ("paddleReplicaSpecs", {"Master": "master", "Worker": "worker"}),
    templates.MXNET: (
        "mxReplicaSpecs",
        {"Scheduler": "master", "Server": "pserver", "Worker": "worker"},
    ),
}
#: batch.paddlepaddle.org's PaddleJob: ``spec.ps`` and ``spec.worker``.
_PADDLE_SPECS = {"ps": "pserver", "worker": "worker"}
#: Container fields that change what runs and that a process cannot honour.
_REFUSED_CONTAINER_KEYS = ("envFrom", "lifecycle")
_REFUSED_POD_KEYS = ("initContainers", "ephemeralContainers")


@dataclass(frozen=True)
class TemplateContainer:
    """The runnable part of a pod's first container."""

    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    working_dir: str = ""
    image: str = ""
    entrypoint: str = ""
    """A RayJob's ``spec.entrypoint`` (the head runs it)."""


@dataclass(frozen=True)
class TemplateReplica:
    """One replica spec of the template: the member role it stands for, how many, what runs."""

    role: str
    replicas: int
    container: TemplateContainer


@dataclass(frozen=True)
class TemplateProblem:
    """Something in the template the local executor cannot run (path inside the template)."""

    path: Path
    message: str
    at_key: bool = False


def runs_locally(kind: KindGroupVersion) -> bool:
    """Whether the local executor runs templates of this kind."""
    return kind in (templates.POD, templates.PADDLE, templates.SPARK, templates.RAY) or (
        kind in _REPLICA_MAPS
    )


class _Reader:
    def __init__(self) -> None:
        self.problems: list[TemplateProblem] = []

    def refuse(self, path: Path, message: str, *, at_key: bool = False) -> None:
        where = format_field_path(path) or "extensionTemplate"
        self.problems.append(TemplateProblem(path, f"{where}: {message}", at_key))

    def strings(self, value: Any, path: Path) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.refuse(path, "must be a list of strings")
            return ()
        return tuple(value)

    def env(self, value: Any, path: Path) -> dict[str, str]:
        env: dict[str, str] = {}
        if value is None:
            return env
        if not isinstance(value, list):
            self.refuse(path, "must be a list of {name, value}")
            return env
        for index, entry in enumerate(value):
            where: Path = (*path, index)
            if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
                self.refuse(where, "must be a {name, value} mapping")
                continue
            if "valueFrom" in entry:
                self.refuse(
                    (*where, "valueFrom"),
                    "the local executor sets only literal values (no valueFrom)",
                    at_key=True,
                )
                continue
            raw = entry.get("value", "")
            env[entry["name"]] = "" if raw is None else str(raw)
        return env

    def pod(self, pod: Any, path: Path) -> TemplateContainer | None:
        """The first container of a pod (``Pod`` or ``PodTemplateSpec``) at ``path``."""
        spec = pod.get("spec") if isinstance(pod, Mapping) else None
        if not isinstance(spec, Mapping):
            self.refuse((*path, "spec"), "a pod template needs spec.containers")
            return None
        for key in _REFUSED_POD_KEYS:
            if spec.get(key):
                self.refuse((*path, "spec", key), "not run by the local executor", at_key=True)
        containers = spec.get("containers")
        where: Path = (*path, "spec", "containers")
        if not isinstance(containers, list) or not containers:
            self.refuse(where, "a pod template needs one container")
            return None
        if len(containers) > 1:
            self.refuse((*where, 1), "the local executor runs one container per pod")
        first = containers[0]
        if not isinstance(first, Mapping):
            self.refuse((*where, 0), "must be a container mapping")
            return None
        at: Path = (*where, 0)
        for key in _REFUSED_CONTAINER_KEYS:
            if key in first:
                self.refuse((*at, key), "not run by the local executor", at_key=True)
        working_dir = first.get("workingDir")
        image = first.get("image")
        return TemplateContainer(
            command=self.strings(first.get("command"), (*at, "command")),
            args=self.strings(first.get("args"), (*at, "args")),
            env=self.env(first.get("env"), (*at, "env")),
            working_dir=working_dir if isinstance(working_dir, str) else "",
            image=image if isinstance(image, str) else "",
        )

    def spark(self, spec: Mapping[str, Any]) -> list[TemplateReplica]:
        """A SparkApplication: the driver submits the application the spec names (in the
        PF_JOB_SPARK_* variables of its env, its ``arguments`` as args), executors stand by."""
        parts: dict[str, Mapping[str, Any]] = {}
        for role in ("driver", "executor"):
            part = spec.get(role)
            parts[role] = part if isinstance(part, Mapping) else {}
        env = self.env(parts["driver"].get("env"), ("spec", "driver", "env"))
        for key, name in (
            ("mainApplicationFile", framework_env.SPARK_MAIN_FILE),
            ("mainClass", framework_env.SPARK_MAIN_CLASS),
        ):
            value = spec.get(key)
            if isinstance(value, str) and value:
                env[name] = value
        arguments = self.strings(spec.get("arguments"), ("spec", "arguments"))
        instances = parts["executor"].get("instances", 1)
        if isinstance(instances, bool) or not isinstance(instances, int) or instances < 0:
            self.refuse(("spec", "executor", "instances"), "must be a whole number of at least 0")
            instances = 1
        image = str(spec.get("image") or "")
        executor_env = self.env(parts["executor"].get("env"), ("spec", "executor", "env"))
        return [
            TemplateReplica("driver", 1, TemplateContainer(args=arguments, env=env, image=image)),
            TemplateReplica(
                "executor", instances, TemplateContainer(env=executor_env, image=image)
            ),
        ]

    def pod_env(self, pod: Any, path: Path) -> tuple[dict[str, str], str]:
        """The env and image of a pod's first container, for pods whose command an operator
        chooses (a Ray node runs ``ray start``, whatever its container says)."""
        spec = pod.get("spec") if isinstance(pod, Mapping) else None
        containers = spec.get("containers") if isinstance(spec, Mapping) else None
        first = containers[0] if isinstance(containers, list) and containers else None
        if not isinstance(first, Mapping):
            return {}, ""
        at: Path = (*path, "spec", "containers", 0)
        return self.env(first.get("env"), (*at, "env")), str(first.get("image") or "")

    def ray(self, spec: Mapping[str, Any]) -> list[TemplateReplica]:
        """A RayJob: the head runs ``spec.entrypoint`` (with ``spec.runtimeEnv``), the worker
        groups' replicas stand by, as KubeRay would start them."""
        entrypoint = spec.get("entrypoint")
        if not isinstance(entrypoint, str) or not entrypoint:
            self.refuse(("spec", "entrypoint"), "a RayJob template needs an entrypoint")
            entrypoint = ""
        cluster = spec.get("rayClusterSpec")
        cluster = cluster if isinstance(cluster, Mapping) else {}
        head = cluster.get("headGroupSpec")
        head_path: Path = ("spec", "rayClusterSpec", "headGroupSpec", "template")
        env, image = self.pod_env(
            head.get("template") if isinstance(head, Mapping) else None, head_path
        )
        runtime_env = spec.get("runtimeEnv")
        if isinstance(runtime_env, str) and runtime_env:
            env.setdefault(framework_env.RAY_RUNTIME_ENV, runtime_env)
        workers = 0
        worker_env: dict[str, str] = {}
        groups = cluster.get("workerGroupSpecs")
        for index, group in enumerate(groups if isinstance(groups, list) else []):
            if not isinstance(group, Mapping):
                continue
            count = group.get("replicas", group.get("minReplicas", 1))
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                where: Path = ("spec", "rayClusterSpec", "workerGroupSpecs", index, "replicas")
                self.refuse(where, "must be a whole number of at least 0")
                count = 1
            workers += count
            at: Path = ("spec", "rayClusterSpec", "workerGroupSpecs", index, "template")
            group_env, _ = self.pod_env(group.get("template"), at)
            worker_env = worker_env or group_env
        head_container = TemplateContainer(env=env, image=image, entrypoint=entrypoint)
        return [
            TemplateReplica("master", 1, head_container),
            TemplateReplica("worker", workers, TemplateContainer(env=worker_env, image=image)),
        ]

    def replica_spec(self, spec: Any, role: str, path: Path) -> TemplateReplica | None:
        if not isinstance(spec, Mapping):
            self.refuse(path, "must be a replica spec mapping")
            return None
        replicas = spec.get("replicas", 1)
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            self.refuse((*path, "replicas"), "must be a whole number of at least 0")
            replicas = 1
        container = self.pod(spec.get("template"), (*path, "template"))
        return None if container is None else TemplateReplica(role, replicas, container)


def read_template(
    kind: KindGroupVersion, template: Mapping[str, Any]
) -> tuple[list[TemplateReplica], list[TemplateProblem]]:
    """The replica specs of a template of ``kind`` (already checked to be the job's kind), and
    what the local executor cannot run in it (a kind it does not run at all is one problem)."""
    reader = _Reader()
    replicas: list[TemplateReplica] = []
    spec = template.get("spec")
    if kind == templates.POD:
        container = reader.pod(template, ())
        if container is not None:
            replicas.append(TemplateReplica("worker", 1, container))
    elif kind == templates.PADDLE or kind in _REPLICA_MAPS:
        key, roles = ("", _PADDLE_SPECS) if kind == templates.PADDLE else _REPLICA_MAPS[kind]
        holder = spec if kind == templates.PADDLE else (spec or {}).get(key)
        base: Path = ("spec",) if kind == templates.PADDLE else ("spec", key)
        if not isinstance(holder, Mapping):
            reader.refuse(base, "the template names no replica specs")
            holder = {}
        found = False
        for name, item in holder.items():
            if kind == templates.PADDLE and name not in _PADDLE_SPECS:
                continue  # withGloo, intranet, schedulingPolicy, ...: not what runs
            role = roles.get(str(name))
            if role is None:
                reader.refuse((*base, name), "this replica type is not run by the local executor")
                continue
            found = True
            replica = reader.replica_spec(item, role, (*base, name))
            if replica is not None:
                replicas.append(replica)
        if not found and not reader.problems:
            reader.refuse(base, "the template names no replica specs")
    elif kind == templates.SPARK:
        replicas = reader.spark(spec if isinstance(spec, Mapping) else {})
    elif kind == templates.RAY:
        replicas = reader.ray(spec if isinstance(spec, Mapping) else {})
    else:
        reader.refuse(
            (),
            f"{'an' if kind.kind[:1] in 'AEIOU' else 'a'} {kind.kind} template is not run by "
            "the local executor (it runs Pod, PaddleJob, "
            "PyTorchJob, TFJob, MXJob, MPIJob, SparkApplication and RayJob templates)",
        )
    return replicas, reader.problems


def patched(
    replicas: Sequence[TemplateReplica],
    members: Sequence[Mapping[str, Any]],
    *,
    member_replicas: bool = True,
) -> list[tuple[TemplateReplica, Mapping[str, Any] | None]]:
    """Each replica spec with the member of its role (None: it runs as written), replicas
    taken from the member when above 0, as PaddleFlow's builders patch them (not a RayJob's:
    ``member_replicas`` False)."""
    by_role: dict[str, Mapping[str, Any]] = {}
    for member in members:
        role = "worker" if member.get("role") == "pworker" else str(member.get("role") or "")
        by_role.setdefault(role, member)
    result: list[tuple[TemplateReplica, Mapping[str, Any] | None]] = []
    for replica in replicas:
        own = by_role.get(replica.role)
        count = replica.replicas
        if own is not None and member_replicas:
            wanted = own.get("replicas")
            if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted > 0:
                count = wanted
        result.append((TemplateReplica(replica.role, count, replica.container), own))
    return result


def unused_member_roles(
    replicas: Sequence[TemplateReplica], members: Sequence[Mapping[str, Any]]
) -> list[int]:
    """The indexes of members whose role no replica spec of the template has (PaddleFlow
    patches only the replica specs the template names, so such a member runs nothing)."""
    roles = {replica.role for replica in replicas}
    return [
        index
        for index, member in enumerate(members)
        if ("worker" if member.get("role") == "pworker" else member.get("role")) not in roles
    ]


def local_problems(
    job_type: str, framework: str, annotations: Any, template: Any
) -> list[TemplateProblem]:
    """What the local executor cannot run in a single or distributed job's template (empty
    without a template, or when PaddleFlow itself fails the job for its kind at submit)."""
    if not isinstance(template, Mapping) or not template:
        return []
    fw = "standalone" if job_type == "single" else framework
    try:
        kind = templates.job_kind(job_type, fw, annotations)
    except templates.KindError:
        return []
    if templates.kind_mismatch(template, kind) is not None:
        return []
    default = templates.FRAMEWORK_KINDS.get(fw)
    if templates.SUPPORTED_KINDS.get(kind) != fw and default is not None:
        message = (
            f"the local executor runs a {fw} job's template as {default.kind} "
            f"({default.api_version}), not {kind.kind}"
        )
        return [TemplateProblem((), f"extensionTemplate: {message}")]
    return read_template(kind, template)[1]
