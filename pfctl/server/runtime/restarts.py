"""Restarting replicas as ``PF_JOB_RESTART_POLICY`` asks, a bounded number of times.

PaddleFlow sets a pod's ``restartPolicy`` from the member's ``PF_JOB_RESTART_POLICY``
(``OnFailure`` or ``Always``, anything else ``Never``: ``patchRestartPolicy`` in
``kube_job.go``, ``PodSpecBuilder.RestartPolicy`` in ``kube_job_builder.go``). The kubeflow
operators (PyTorchJob, TFJob, MPIJob, MXJob, kubeflow's PaddleJob) take the replica spec's
policy, which PaddleFlow sets to ``Never``, and a SparkApplication has its own: for those the
variable changes nothing. Kubernetes restarts a container forever with a growing delay; the
local executor restarts a replica at most ``MAX_RESTARTS`` times, after 0.5 s, 1 s, 2 s, ...
(at most 8 s), and then lets its last exit decide, so a job always ends.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from pfctl.spec import templates
from pfctl.spec.framework_env import restart_policy

if TYPE_CHECKING:
    import threading

    from pfctl.server.runtime.processes import LaunchSpec, ReplicaProcess
    from pfctl.server.runtime.runtime_info import ReplicaState
    from pfctl.server.store.events import JobEvents

logger = logging.getLogger("pfctl.server")

MAX_RESTARTS = 3
_FIRST_DELAY = 0.5
_MAX_DELAY = 8.0


def job_kind_of(job_type: str, spec: Mapping[str, Any]) -> templates.KindGroupVersion | None:
    """The job's kind, or None when PaddleFlow would refuse it (the job fails before running)."""
    framework = str(spec.get("framework") or "")
    try:
        return templates.job_kind(job_type, framework, spec.get("annotations"))
    except templates.KindError:
        return None


class _Run(Protocol):
    process: ReplicaProcess | None
    state: ReplicaState


class Restarts:
    """The restarts of one job's replicas."""

    def __init__(
        self,
        kind: templates.KindGroupVersion | None,
        events: JobEvents | None,
        job_id: str,
        stop_event: threading.Event,
    ) -> None:
        self._kind = kind
        self._events = events
        self._job_id = job_id
        self._stop = stop_event
        self._counts: dict[str, int] = {}

    def _record(self, job_id: str, kind: str, message: str, **fields: Any) -> None:
        assert self._events is not None
        try:
            self._events.record(job_id, kind, message, **fields)
        except (sqlite3.Error, OSError) as error:  # the job goes on without its event
            logger.warning("job %s: event %s not recorded: %s", job_id, kind, error)

    def wanted(self, name: str, env: Mapping[str, str], code: int) -> bool:
        """Whether the replica ``name`` that exited with ``code`` is to run again."""
        policy = restart_policy(self._kind, env)
        if policy == "Never" or (policy == "OnFailure" and code == 0):
            return False
        return self._counts.get(name, 0) < MAX_RESTARTS

    def restart(self, run: _Run, launch: Any, code: int) -> ReplicaProcess | None:
        """Wait the back-off delay, then start the replica again with ``launch(spec)``; the new
        process, or None when the job was stopped meanwhile or it could not start."""
        assert run.process is not None
        name = run.state.task_name
        count = self._counts.get(name, 0) + 1
        self._counts[name] = count
        delay = min(_MAX_DELAY, _FIRST_DELAY * 2 ** (count - 1))
        if self._stop.wait(delay):
            return None
        spec: LaunchSpec = run.process.spec
        try:
            process: ReplicaProcess = launch(spec)
        except OSError as error:  # it started before; if it cannot now, its last exit stands
            logger.warning("job %s: replica %s could not restart: %s", self._job_id, name, error)
            return None
        if self._events is not None:
            self._record(
                self._job_id,
                "replica-restarted",
                f"replica {name} restarted ({count} of at most {MAX_RESTARTS}) after it "
                f"exited with code {code}, pid {process.pid}",
                member=run.state.role,
                replica=run.state.index,
                pid=process.pid,
                exitCode=code,
                detail={"restarts": count, "policy": restart_policy(self._kind, spec.env)},
            )
        run.process = process
        run.state.pid = process.pid
        run.state.started_at = process.started_at
        run.state.exit_code = None
        run.state.finished_at = None
        run.state.restart_count = count
        return process
