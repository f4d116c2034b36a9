"""Per framework and role: each replica's environment and which roles decide success. Pure.

A Kubernetes operator gives every pod of a distributed job the variables its framework needs to
find its peers; here every replica is a process on the loopback interface with a port of its
own, and these functions compute the same variables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"

#: Roles whose success makes the job succeed; the other roles serve them and are stopped after.
_PRIMARY_ROLES: dict[str, frozenset[str]] = {
    "standalone": frozenset({"worker"}),
    "paddle": frozenset({"worker"}),
    "tensorflow": frozenset({"master", "worker"}),
    "pytorch": frozenset({"master", "worker"}),
    "mxnet": frozenset({"worker"}),
    "aitj": frozenset({"worker"}),
    "mpi": frozenset({"master"}),
    "ray": frozenset({"master"}),
    "spark": frozenset({"driver"}),
}


@dataclass(frozen=True)
class Replica:
    """One process of a job: its member's role, its index within that role, its own port."""

    role: str
    index: int
    port: int

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:<port>``."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def name(self) -> str:
        """``<role>-<index>``: names the replica's log file and runtime entry."""
        return f"{self.role}-{self.index}"


@dataclass(frozen=True)
class JobFacts:
    """What the PaddleFlow variables say about the job (one value for all its replicas)."""

    job_id: str
    job_type: str
    framework: str
    queue: str
    namespace: str
    user_name: str
    mode: str
    priority: str


def plan_replicas(members: Sequence[tuple[str, int]], ports: Sequence[int]) -> list[Replica]:
    """One ``Replica`` per member replica, in member order; ``ports`` has one port per replica."""
    replicas: list[Replica] = []
    next_index: dict[str, int] = {}
    for role, count in members:
        for _ in range(count):
            index = next_index.get(role, 0)
            next_index[role] = index + 1
            replicas.append(Replica(role=role, index=index, port=ports[len(replicas)]))
    return replicas


def job_mode(framework: str, members: Sequence[tuple[str, int]]) -> str:
    """PaddleFlow's ``PF_JOB_MODE``: ``PS``, ``Collective`` or ``""`` (``checkMemberRole``)."""
    roles = {role for role, count in members if count > 0}
    if framework in ("paddle", "tensorflow", "pytorch", "mxnet", "aitj"):
        return "PS" if roles & {"pserver", "master"} else "Collective"
    if framework == "spark":
        return "PS"
    return ""


def primary_roles(framework: str) -> frozenset[str]:
    """The roles whose replicas must all succeed for the job to succeed."""
    return _PRIMARY_ROLES.get(framework, frozenset({"worker"}))


def paddleflow_env(facts: JobFacts, work_dir: str, flavour_name: str) -> dict[str, str]:
    """The ``PF_*`` variables PaddleFlow sets in every pod, plus ``PF_JOB_ID``."""
    return {
        "PF_JOB_ID": facts.job_id,
        "PF_JOB_TYPE": facts.job_type,
        "PF_JOB_QUEUE_NAME": facts.queue,
        "PF_JOB_NAMESPACE": facts.namespace,
        "PF_USER_NAME": facts.user_name,
        "PF_JOB_MODE": facts.mode,
        "PF_JOB_FRAMEWORK": facts.framework,
        "PF_JOB_PRIORITY": facts.priority,
        "PF_WORK_DIR": work_dir,
        "PF_JOB_FLAVOUR": flavour_name,
    }


def _of_roles(replicas: Sequence[Replica], *roles: str) -> list[Replica]:
    return [replica for replica in replicas if replica.role in roles]


def _paddle_env(replicas: Sequence[Replica], me: Replica, mode: str) -> dict[str, str]:
    trainers = _of_roles(replicas, "worker")
    trainer_endpoints = ",".join(replica.endpoint for replica in trainers)
    if mode == "PS":
        servers = _of_roles(replicas, "pserver", "master")
        return {
            "TRAINING_ROLE": "TRAINER" if me.role == "worker" else "PSERVER",
            "PADDLE_PSERVERS_IP_PORT_LIST": ",".join(replica.endpoint for replica in servers),
            "PADDLE_TRAINER_ENDPOINTS": trainer_endpoints,
            "PADDLE_TRAINERS_NUM": str(len(trainers)),
            "PADDLE_TRAINER_ID": str(me.index),
            "PADDLE_PORT": str(me.port),
            "POD_IP": LOOPBACK,
        }
    return {
        "PADDLE_TRAINER_ENDPOINTS": trainer_endpoints,
        "PADDLE_CURRENT_ENDPOINT": me.endpoint,
        "PADDLE_TRAINERS_NUM": str(len(trainers)),
        "PADDLE_TRAINER_ID": str(me.index),
        "PADDLE_PORT": str(me.port),
        "POD_IP": LOOPBACK,
    }


def _pytorch_env(replicas: Sequence[Replica], me: Replica) -> dict[str, str]:
    # The master is rank 0 and workers follow, as the PyTorch operator numbers them.
    ranked = _of_roles(replicas, "master") + _of_roles(replicas, "worker")
    rank = ranked.index(me) if me in ranked else 0
    return {
        "MASTER_ADDR": LOOPBACK,
        "MASTER_PORT": str(ranked[0].port if ranked else me.port),
        "WORLD_SIZE": str(len(ranked)),
        "RANK": str(rank),
        "PYTHONUNBUFFERED": "1",
    }


_TF_TASK_TYPES = {"pserver": "ps", "worker": "worker", "master": "chief"}


def _tensorflow_env(replicas: Sequence[Replica], me: Replica) -> dict[str, str]:
    cluster: dict[str, list[str]] = {}
    for replica in replicas:
        task_type = _TF_TASK_TYPES.get(replica.role, replica.role)
        cluster.setdefault(task_type, []).append(replica.endpoint)
    config = {
        "cluster": cluster,
        "task": {"type": _TF_TASK_TYPES.get(me.role, me.role), "index": me.index},
        "environment": "cloud",
    }
    return {"TF_CONFIG": json.dumps(config, separators=(",", ":"))}


_MXNET_ROLES = {"master": "scheduler", "pserver": "server", "worker": "worker"}


def _mxnet_env(replicas: Sequence[Replica], me: Replica) -> dict[str, str]:
    schedulers = _of_roles(replicas, "master") or list(replicas[:1])
    return {
        "DMLC_ROLE": _MXNET_ROLES.get(me.role, me.role),
        "DMLC_PS_ROOT_URI": LOOPBACK,
        "DMLC_PS_ROOT_PORT": str(schedulers[0].port),
        "DMLC_NUM_SERVER": str(len(_of_roles(replicas, "pserver"))),
        "DMLC_NUM_WORKER": str(len(_of_roles(replicas, "worker"))),
        "DMLC_USE_KUBERNETES": "0",
    }


def _mpi_env(replicas: Sequence[Replica], me: Replica, hostfile: str) -> dict[str, str]:
    workers = _of_roles(replicas, "worker")
    return {
        "K_MPI_JOB_ROLE": "launcher" if me.role == "master" else "worker",
        "OMPI_MCA_orte_default_hostfile": hostfile,
        "PF_MPI_WORKER_NUM": str(len(workers)),
    }


def mpi_hostfile(replicas: Sequence[Replica]) -> str:
    """The hostfile the MPI launcher reads: every worker is a slot on the loopback host."""
    return f"{LOOPBACK} slots={max(1, len(_of_roles(replicas, 'worker')))}\n"


def _ray_env(replicas: Sequence[Replica], me: Replica) -> dict[str, str]:
    heads = _of_roles(replicas, "master") or list(replicas[:1])
    return {
        "RAY_IP": LOOPBACK,
        "RAY_PORT": str(heads[0].port),
        "RAY_ADDRESS": heads[0].endpoint,
        "RAY_NODE_TYPE": "head" if me.role == "master" else "worker",
    }


def _spark_env(replicas: Sequence[Replica], me: Replica, job_id: str) -> dict[str, str]:
    drivers = _of_roles(replicas, "driver") or list(replicas[:1])
    env = {
        "SPARK_ROLE": me.role,
        "SPARK_APPLICATION_ID": job_id,
        "SPARK_LOCAL_IP": LOOPBACK,
        "SPARK_DRIVER_BIND_ADDRESS": LOOPBACK,
        "SPARK_DRIVER_URL": f"spark://CoarseGrainedScheduler@{drivers[0].endpoint}",
    }
    if me.role == "executor":
        env["SPARK_EXECUTOR_ID"] = str(me.index + 1)
    return env


def framework_env(
    framework: str,
    mode: str,
    replicas: Sequence[Replica],
    me: Replica,
    *,
    job_id: str,
    mpi_hostfile_path: str = "",
) -> dict[str, str]:
    """The variables the framework's operator would set in ``me``'s pod."""
    if framework == "paddle":
        return _paddle_env(replicas, me, mode)
    if framework == "pytorch":
        return _pytorch_env(replicas, me)
    if framework == "tensorflow":
        return _tensorflow_env(replicas, me)
    if framework == "mxnet":
        return _mxnet_env(replicas, me)
    if framework == "mpi":
        return _mpi_env(replicas, me, mpi_hostfile_path)
    if framework == "ray":
        return _ray_env(replicas, me)
    if framework == "spark":
        return _spark_env(replicas, me, job_id)
    if framework == "aitj":
        return _paddle_env(replicas, me, "Collective")
    return {}


def replica_env(
    facts: JobFacts,
    replicas: Sequence[Replica],
    me: Replica,
    *,
    user_env: Mapping[str, str],
    work_dir: str,
    flavour_name: str,
    mpi_hostfile_path: str = "",
) -> dict[str, str]:
    """Everything a replica gets on top of the host environment.

    The job's ``env`` comes first; PaddleFlow's and the operator's variables win over it, as
    they do in a pod.
    """
    env = {str(key): str(value) for key, value in user_env.items()}
    env.update(paddleflow_env(facts, work_dir, flavour_name))
    env.update(
        framework_env(
            facts.framework,
            facts.mode,
            replicas,
            me,
            job_id=facts.job_id,
            mpi_hostfile_path=mpi_hostfile_path,
        )
    )
    return env
