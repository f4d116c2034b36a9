"""One job's run: its processes, their watch loop, and the status writes that follow.

A ``JobExecution`` owns a thread. For single and distributed jobs it starts one process group per
member replica and applies the framework's rule: the job succeeds when every replica of the
primary roles (``frameworks.primary_roles``) has exited 0, and the serving roles are then stopped;
any replica exiting non-zero fails the job, stops the others, and names itself in the message.
Workflow jobs run their Argo template through ``workflow_job``. Status writes go through a
``statuswrites.StatusWriter``: a final status that cannot be written (a full disk) is retried,
then left in ``unwritten`` for the runner, so the job still ends.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pfctl.server.runtime import frameworks, launches, layout, runtime_info
from pfctl.server.runtime.isolation import IsolationPolicy, JobRefused, JobUser
from pfctl.server.runtime.processes import (
    GroupRecord,
    LaunchSpec,
    ReplicaProcess,
    allocate_loopback_ports,
    stop_all,
)
from pfctl.server.runtime.replica_events import ReplicaEvents
from pfctl.server.runtime.restarts import Restarts, job_kind_of
from pfctl.server.runtime.runtime_info import ReplicaState
from pfctl.server.runtime.statuswrites import StatusWrite, StatusWriter
from pfctl.server.runtime.workflow_gate import NodeGate
from pfctl.server.runtime.workflow_job import run_workflow_job
from pfctl.server.runtime.workflow_nodes import NodeLaunch, WorkflowLimits
from pfctl.spec import statuses
from pfctl.spec.resources import Resources

if TYPE_CHECKING:
    from pfctl.server.store.jobrecords import JobRecord
    from pfctl.server.store.storage import Store

logger = logging.getLogger("pfctl.server")

_POLL_SECONDS = 0.1
MESSAGE_RUNNING = "job is running"
MESSAGE_SUCCEEDED = "job is succeeded"
MESSAGE_SHUTDOWN = "job is failed: the local server stopped while the job was running"


@dataclass
class _ReplicaRun:
    replica: frameworks.Replica
    state: ReplicaState
    process: ReplicaProcess | None = None


class JobExecution:
    """Runs one job in a background thread until it ends, is stopped, or the server shuts down."""

    def __init__(
        self,
        job: JobRecord,
        store: Store,
        data_dir: Path,
        *,
        namespace: str,
        cluster_name: str,
        request: Resources,
        grace_seconds: float,
        on_finished: Callable[[str], None],
        isolation: IsolationPolicy | None = None,
        workflow_limits: WorkflowLimits | None = None,
        node_gate: NodeGate | None = None,
    ) -> None:
        self.job = job
        self.request = dict(request)
        self.namespace = namespace
        self.cluster_name = cluster_name
        self.grace_seconds = grace_seconds
        self.workflow_limits = workflow_limits
        self.node_gate = node_gate
        self._writer = StatusWriter(store, job.id)
        self.events = ReplicaEvents(store.events, job.id, grace_seconds)
        self._data_dir = data_dir
        self._on_finished = on_finished
        self._isolation = isolation or IsolationPolicy.disabled(data_dir)
        self._user: JobUser | None = None  # None: the server's own OS user
        self.stop_event = threading.Event()
        kind = job_kind_of(job.type, job.spec)
        self._restarts = Restarts(kind, store.events, job.id, self.stop_event)
        self._shutdown = False
        self._groups = GroupRecord(layout.groups_dir(data_dir), job.id)
        self._started_at: float | None = None
        self._launched: list[ReplicaProcess] = []
        self._thread = threading.Thread(target=self._run, name=f"job-{job.id}", daemon=True)

    def start(self) -> None:
        """Start the job's thread."""
        self._thread.start()

    def request_stop(self) -> None:
        """The user stopped the job: end its processes, then mark it terminated."""
        self.stop_event.set()

    def shut_down(self) -> None:
        """The server is stopping: end the processes, then mark the job failed."""
        self._shutdown = True
        self.stop_event.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end."""
        self._thread.join(timeout)

    # -- common ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            if self.stop_event.is_set():
                self.write_final(*self.final_status(None))
            elif self.job.type == "workflow":
                run_workflow_job(self)
            else:
                self._run_replicas()
        except JobRefused as refused:
            self.write_final(statuses.FAILED, f"job is failed: {refused}")
        except Exception as error:  # a bug or an I/O failure must not leave the job running
            logger.exception("job %s: local executor error", self.job.id)
            self.write_final(statuses.FAILED, f"job is failed: local executor error: {error}")
        finally:
            leftovers = [process for process in self._launched if process.poll() is None]
            if leftovers:
                stop_all(leftovers, self.grace_seconds, self.events.signalled)
            self._groups.kill_all()  # anything that escaped its replica's supervisor
            self._on_finished(self.job.id)

    @property
    def unwritten(self) -> tuple[StatusWrite, str] | None:
        """The final status that could not be written, and why; None once it was."""
        return self._writer.unwritten

    def write_running(self, runtime: dict[str, Any]) -> None:
        """Record that the job runs, with fresh runtime info (tried once: a later write
        carries the same news)."""
        self._writer.progress(StatusWrite(statuses.RUNNING, MESSAGE_RUNNING, runtime))

    def write_final(self, status: str, message: str, runtime: dict[str, Any] | None = None) -> None:
        """Record how the job ended, retrying while the store fails (see ``unwritten``)."""
        self._writer.final(StatusWrite(status, message, runtime))

    def final_status(self, failure: str | None) -> tuple[str, str]:
        """How the job ends: shut down, stopped, ``failure`` (a message), or succeeded."""
        if self._shutdown:
            return statuses.FAILED, MESSAGE_SHUTDOWN
        if self.stop_event.is_set():
            return statuses.TERMINATED, "job is terminated"
        if failure is not None:
            return statuses.FAILED, failure
        return statuses.SUCCEEDED, MESSAGE_SUCCEEDED

    def job_dir(self) -> Path:
        """The job's folder (``layout.job_dir``)."""
        return layout.job_dir(self._data_dir, self.job.pk, self.job.id)

    def prepare_dirs(self) -> None:
        """Fresh logs, and the job's folder made ready for its OS user."""
        job_dir = self.job_dir()
        self._user = self._isolation.job_user(self.job.user_name, job_dir)
        if job_dir.exists():
            shutil.rmtree(job_dir / "logs", ignore_errors=True)
        (job_dir / "logs").mkdir(parents=True, exist_ok=True)
        self._isolation.prepare_job_dir(job_dir, self._user)

    def work_dir(self, spec: Mapping[str, Any]) -> Path:
        """The first file system's folder, as PaddleFlow's getWorkDir; else the job's own."""
        env = spec.get("env") or {}
        systems = layout.file_systems(spec)
        for fs in systems:
            self._isolation.fs_folder(fs, self.job.user_name, self._user)
        if systems and str(env.get("PF_MOUNT_PATH", "")).upper() != "NONE":
            return layout.fs_folder(self._data_dir, systems[0], self.job.user_name)
        work = self.job_dir() / "work"
        work.mkdir(parents=True, exist_ok=True)
        return work

    def facts(self, members: list[tuple[str, int]]) -> frameworks.JobFacts:
        """What the environment of the job's processes is made from."""
        framework = self.job.framework
        return frameworks.JobFacts(
            job_id=self.job.id,
            job_type=self.job.type,
            framework=framework,
            queue=self.job.queue,
            namespace=self.namespace,
            user_name=self.job.user_name,
            mode=frameworks.job_mode(framework, members),
            priority=self.job.priority,
        )

    def _launch(self, spec: LaunchSpec) -> ReplicaProcess:
        process = ReplicaProcess(dataclasses.replace(spec, user=self._user))
        self._launched.append(process)
        self._groups.add(process)
        return process

    # -- single and distributed jobs ---------------------------------------------------------

    def _members(self) -> list[dict[str, Any]]:
        spec = self.job.spec
        if spec.get("extensionTemplate"):
            return launches.template_members(spec)
        members = spec.get("members") or [{"role": "worker", "replicas": 1}]
        inherited = ("image", "command", "args", "env", "flavour", "fs", "extraFS")
        return [
            {**{key: spec[key] for key in inherited if key in spec}, **member} for member in members
        ]

    def _run_replicas(self) -> None:
        refused = launches.submit_failure(self.job.type, self.job.spec)
        if refused is not None:  # as PaddleFlow's submit fails it, before anything runs
            self.write_final(statuses.FAILED, refused)
            return
        self.prepare_dirs()
        members = self._members()
        counts = [(str(m.get("role") or "worker"), int(m.get("replicas") or 1)) for m in members]
        ports = allocate_loopback_ports(sum(count for _, count in counts))
        replicas = frameworks.plan_replicas(counts, ports)
        facts = self.facts(counts)
        hostfile = self.job_dir() / "hostfile"
        if self.job.framework == "mpi":
            hostfile.write_text(frameworks.mpi_hostfile(replicas))
        member_of_replica = [
            member for member, (_, n) in zip(members, counts, strict=True) for _ in range(n)
        ]
        runs: list[_ReplicaRun] = []
        failure: str | None = None
        for replica, member in zip(replicas, member_of_replica, strict=True):
            run = _ReplicaRun(
                replica,
                ReplicaState(
                    replica.name, replica.role, replica.index, str(member.get("image") or "")
                ),
            )
            runs.append(run)
            work_dir = self.work_dir(member)
            env = frameworks.replica_env(
                facts,
                replicas,
                replica,
                user_env=member.get("env") or {},
                work_dir=str(work_dir),
                flavour_name=str((member.get("flavour") or {}).get("name") or ""),
                mpi_hostfile_path=str(hostfile),
            )
            argv, below = launches.launch(
                self.job.framework,
                self.job.id,
                member,
                replica,
                replicas=replicas,
                work_dir=str(work_dir),
                env=env,
            )
            log_path = layout.log_file(self._data_dir, self.job.pk, self.job.id, replica.name)
            try:
                cwd = work_dir / below if below else work_dir
                run.process = self._launch(LaunchSpec(argv, cwd, env, log_path))
            except OSError as error:
                self.events.failed_to_start(replica.name, replica.role, replica.index, error)
                run.state.message = f"cannot start: {error}"
                failure = f"job is failed, replica {replica.name} could not start: {error}"
                break
            self.events.started(run.process, replica.name, replica.role, replica.index, work_dir)
            run.state.pid = run.process.pid
            run.state.started_at = run.process.started_at
        self._started_at = time.time()
        states = [run.state for run in runs]
        if failure is None:
            self.write_running(self._replica_runtime(states, "Running"))
            failure = self._watch_replicas(runs)
        launches.run_pre_stop(self.job.framework, runs, self._launch, self.grace_seconds)
        unfinished = [
            run for run in runs if run.process is not None and run.state.exit_code is None
        ]
        stop_all(
            [run.process for run in unfinished if run.process is not None],
            self.grace_seconds,
            self.events.signalled,
        )
        for run in unfinished:
            assert run.process is not None
            run.state.exit_code = run.process.poll()
            self.events.exited(run.process, run.state.exit_code)
            run.state.finished_at = run.process.finished_at or time.time()
        status, message = self.final_status(failure)
        phase = {"succeeded": "Succeeded", "terminated": "Terminated"}.get(status, "Failed")
        self.write_final(status, message, self._replica_runtime(states, phase, message))

    def _watch_replicas(self, runs: list[_ReplicaRun]) -> str | None:
        """Poll until the job is decided; the failure message, or None on success or stop."""
        primary = frameworks.primary_roles(self.job.framework or "standalone")
        if not any(run.replica.role in primary for run in runs):
            primary = frozenset(run.replica.role for run in runs)
        while not self.stop_event.is_set():
            changed = False
            for run in runs:
                if run.process is None or run.state.exit_code is not None:
                    continue
                code = run.process.poll()
                if code is None:
                    continue
                run.process.end_leftovers()
                run.state.exit_code = code
                run.state.finished_at = run.process.finished_at
                self.events.exited(run.process, code)
                changed = True
                env = run.process.spec.env
                if self._restarts.wanted(run.replica.name, env, code):
                    again = self._restarts.restart(run, self._launch, code)
                    if again is not None:
                        role, index = run.replica.role, run.replica.index
                        self.events.started(again, run.replica.name, role, index, again.spec.cwd)
                        continue
                if code != 0:
                    return f"job is failed, replica {run.replica.name} exited with code {code}"
            if all(run.state.exit_code == 0 for run in runs if run.replica.role in primary):
                return None
            if changed:
                states = [run.state for run in runs]
                self.write_running(self._replica_runtime(states, "Running"))
            time.sleep(_POLL_SECONDS)
        return None

    def _replica_runtime(
        self, states: list[ReplicaState], phase: str, message: str = ""
    ) -> dict[str, Any]:
        if self.job.type == "single" and len(states) == 1:
            return runtime_info.single_runtime(
                self.job.id, self.namespace, states[0], cluster_name=self.cluster_name
            )
        return runtime_info.distributed_runtime(
            self.job.id,
            self.namespace,
            states,
            cluster_name=self.cluster_name,
            phase=phase,
            message=message,
            times=(self._started_at, time.time() if phase not in ("Running", "Pending") else None),
        )

    # -- workflow jobs (workflow_job runs them) ------------------------------------------------

    def launch_node(
        self, work_dir: Path, base_env: Mapping[str, str], launch: NodeLaunch
    ) -> ReplicaProcess:
        """Start one workflow node's process in ``work_dir`` (its ``workingDir`` below it)."""
        cwd = work_dir / launch.working_dir.lstrip("/") if launch.working_dir else work_dir
        return self._launch(
            LaunchSpec(
                argv=launch.argv,
                cwd=cwd,
                env={**base_env, **launch.env},
                log_path=layout.log_file(
                    self._data_dir, self.job.pk, self.job.id, launch.node_name
                ),
            )
        )
