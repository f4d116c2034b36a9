"""The local ``JobRuntime``: a scheduling thread over the store, and one execution per job.

The scheduling thread wakes on every hook call and every ``tick_seconds``: it records the final
status of jobs whose own thread could not write it (``statuswrites``), moves ``init`` jobs to
``pending``, finishes jobs stopped before they ran, starts the pending jobs that
``placement.decide`` picks, and records each queue's used resources: the running jobs' requests
plus the running workflow nodes' (``queue_room``).

Each pass also records the job events of scheduling (``pfctl.server.store.events``): ``queued``
when a job leaves ``init``, ``scheduled`` when it is started, and ``waiting`` with the job's
pending reason in its ``message`` (``placement.pending_message``), written only when the reason
changed: a pass costs no write for a job whose reason is the same as at the last pass.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pfctl.server.runtime import layout, placement
from pfctl.server.runtime.execution import JobExecution
from pfctl.server.runtime.isolation import IsolationPolicy, allow_shared_from_environment
from pfctl.server.runtime.processes import kill_recorded_groups
from pfctl.server.runtime.queue_room import QueueRoom
from pfctl.server.runtime.statuswrites import StatusWrite, failure_reason, late_final_write
from pfctl.server.runtime.workflow_nodes import DEFAULT_PARALLELISM, WorkflowLimits
from pfctl.server.store.events import WaitingReason
from pfctl.spec import resources, statuses
from pfctl.spec.resources import Resources

if TYPE_CHECKING:
    from pfctl.server.hooks import JobRuntime
    from pfctl.server.store.jobrecords import JobRecord
    from pfctl.server.store.storage import Store

logger = logging.getLogger("pfctl.server")

GRACE_ENV = "PFCTL_STOP_GRACE_SECONDS"
PARALLELISM_ENV = "PFCTL_WORKFLOW_PARALLELISM"
RESERVE_AFTER_ENV = "PFCTL_RESERVE_AFTER_SECONDS"
DEFAULT_GRACE_SECONDS = 10.0
MESSAGE_SUBMITTED = "submit job to cluster successfully."
MESSAGE_RESTARTED = "job is failed: the local server restarted while the job was running"
_ACTIVE = (statuses.RUNNING, statuses.TERMINATING, statuses.PREEMPTING)


class LocalRuntime:
    """Schedules and runs the server's jobs as local process groups (see ``JobRuntime``)."""

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        *,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        reserve_after_seconds: float = placement.DEFAULT_RESERVE_AFTER_SECONDS,
        tick_seconds: float = 1.0,
        isolation: IsolationPolicy | None = None,
        workflow_limits: WorkflowLimits | None = None,
    ) -> None:
        self._store = store
        self._data_dir = data_dir
        self._grace_seconds = grace_seconds
        self._reserve_after_seconds = reserve_after_seconds
        self._tick_seconds = tick_seconds
        self._isolation = isolation or IsolationPolicy(
            data_dir, self._user_number, allow_shared=allow_shared_from_environment()
        )
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._executions: dict[str, JobExecution] = {}
        self._workflow_limits = workflow_limits or WorkflowLimits()
        self._room = QueueRoom(self._lock, self._jobs_used, self._queue_maximum, self._wake.set)
        # Final statuses the jobs' threads could not write, and why (written by the loop).
        self._unwritten: dict[str, tuple[StatusWrite, str]] = {}
        self._published_used: dict[str, dict[str, str]] = {}
        self._thread = threading.Thread(target=self._loop, name="pfctl-scheduler", daemon=True)

    # -- JobRuntime ----------------------------------------------------------------------------

    def start(self) -> None:
        """End process groups a killed server left, fail their jobs, free the queues' room."""
        kill_recorded_groups(layout.groups_dir(self._data_dir))
        self._store.catalog.clear_used_resources()
        self._isolation.start()
        for job in self._store.list_jobs_in_status(_ACTIVE):
            if job.status == statuses.RUNNING:
                self._store.set_job_status(job.id, statuses.FAILED, MESSAGE_RESTARTED)
            else:
                self._store.set_job_status(job.id, statuses.TERMINATED, "job is terminated")
        self._thread.start()

    def job_created(self, job_id: str) -> None:
        """Schedule soon."""
        self._wake.set()

    def job_stop_requested(self, job_id: str) -> None:
        """End the job's processes (its execution marks it terminated), or finish it if idle."""
        with self._lock:
            execution = self._executions.get(job_id)
        if execution is not None:
            execution.request_stop()
        self._wake.set()

    def job_priority_changed(self, job_id: str) -> None:
        """Schedule again: the job's place in its queue changed."""
        self._wake.set()

    def close(self) -> None:
        """Stop scheduling, end every running job's processes and mark those jobs failed."""
        self._closing.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._lock:
            executions = list(self._executions.values())
        for execution in executions:
            execution.shut_down()
        for execution in executions:
            execution.join()

    # -- scheduling ---------------------------------------------------------------------------

    def _loop(self) -> None:
        failing = False
        while not self._closing.is_set():
            self._wake.wait(self._tick_seconds)
            self._wake.clear()
            if self._closing.is_set():
                break
            try:
                self.schedule_once()
            except (sqlite3.Error, OSError) as error:  # the store cannot write: next tick
                if not failing:
                    logger.warning("scheduling pass failed, retrying: %s", failure_reason(error))
                failing = True
                time.sleep(self._tick_seconds)
            except Exception:  # keep scheduling: a bad record must not stop every other job
                logger.exception("scheduling pass failed")
                time.sleep(self._tick_seconds)
            else:
                if failing:
                    logger.warning("scheduling passes work again")
                failing = False

    def schedule_once(self) -> None:
        """One scheduling pass (the thread calls it; tests may too)."""
        self._write_unwritten()
        self._queue_new_jobs()
        with self._lock:
            running_ids = set(self._executions) | set(self._unwritten)
        for job in self._store.list_jobs_in_status([statuses.TERMINATING]):
            if job.id not in running_ids:
                self._store.set_job_status(job.id, statuses.TERMINATED, "job is terminated")
        # A job started by an earlier pass may still read `pending` until its thread says `running`.
        pending = [
            job
            for job in self._store.list_jobs_in_status([statuses.PENDING])
            if job.id not in running_ids
        ]
        requests: dict[str, Resources] = {}
        for job in pending:
            request = self._request_of(job)
            if request is not None:
                requests[job.id] = request
        with self._lock:
            queue_names = set(self._used_by_queue())
        queue_names |= {job.queue for job in pending} | set(self._published_used)
        capacity: dict[str, Resources] = {}
        places: dict[str, tuple[str, str]] = {}  # queue: (namespace, cluster name)
        policies: dict[str, list[str]] = {}  # queue: its schedulingPolicy (the order it serves)
        for name in queue_names:
            queue = self._store.get_queue(name)
            if queue is not None and queue.status == "open":
                capacity[name] = queue.max_amounts
                places[name] = (queue.namespace, queue.cluster_name)
                policies[name] = queue.scheduling_policy
        candidates = [
            placement.PendingJob(
                job_id=job.id,
                queue=job.queue,
                priority=job.priority,
                accepted_at=job.accepted_at,
                request=requests[job.id],
            )
            for job in pending
            if job.id in requests
        ]
        by_id = {job.id: job for job in pending}
        started: list[JobExecution] = []
        with self._lock:  # decide and charge at once: no node takes the room in between
            decision = placement.decide(
                capacity,
                self._used_by_queue(),
                candidates,
                time.time(),
                self._reserve_after_seconds,
                policies=policies,
            )
            for job_id in decision.start:
                job = by_id[job_id]
                namespace, cluster_name = places.get(job.queue, ("default", ""))
                started.append(self._execution(job, namespace, cluster_name, requests[job_id]))
                self._executions[job_id] = started[-1]
            self._room.reserved = decision.reserved
            self._room.changed()
        for execution in started:
            self._start(execution)
        changed = [
            WaitingReason(
                job_id,
                placement.pending_message(waiting),
                placement.waiting_message(waiting),
                {"reason": waiting.reason, "detail": waiting.detail()},
            )
            for job_id, waiting in decision.waiting.items()
            if by_id[job_id].message != placement.pending_message(waiting)
        ]
        if changed:  # one transaction for all: a pass where room changed may touch many jobs
            self._store.set_waiting(changed)
        self._publish_used()

    def _queue_new_jobs(self) -> None:
        """``init`` -> ``pending``, each with a ``queued`` event: its request and the queue's
        free room now."""
        new_jobs = self._store.list_jobs_in_status([statuses.INIT])
        if not new_jobs:
            return
        with self._lock:
            used = self._used_by_queue()
        queues = {name: self._store.get_queue(name) for name in {job.queue for job in new_jobs}}
        for job in new_jobs:
            stored = self._store.set_job_status(job.id, statuses.PENDING, MESSAGE_SUBMITTED)
            if stored is None or stored.status != statuses.PENDING:
                continue
            queue = queues[job.queue]
            maximum = {} if queue is None else queue.max_amounts
            free = resources.subtract(maximum, used.get(job.queue, {}))
            try:
                request = resources.job_request(job.spec.get("members") or [])
            except (ValueError, TypeError):
                request = {}  # the pass fails it, saying why (``_request_of``)
            self._record(
                job.id,
                "queued",
                f"queued in {job.queue}: requests {placement.amounts_text(request)}; "
                f"free now: {placement.amounts_text(free)}",
                detail={
                    "queue": job.queue,
                    "requested": resources.to_strings(request),
                    "free": resources.to_strings(free),
                },
            )

    def _record(self, job_id: str, kind: str, message: str, **fields: Any) -> None:
        """Record an event; one the store cannot write is logged, and scheduling goes on."""
        try:
            self._store.events.record(job_id, kind, message, **fields)
        except (sqlite3.Error, OSError) as error:
            logger.warning("job %s: event %s not recorded: %s", job_id, kind, error)

    def _write_unwritten(self) -> None:
        """Mark failed, saying how they ended, the jobs whose final status was not written."""
        with self._lock:
            unwritten = list(self._unwritten.items())
        for job_id, (write, reason) in unwritten:
            late = late_final_write(write, reason)
            try:
                self._store.set_job_status(job_id, late.status, late.message, runtime=late.runtime)
            except (sqlite3.Error, OSError):
                raise  # the store still cannot write: the next pass tries again
            except Exception:  # its runtime info cannot be stored: record the end without it
                logger.exception("job %s: cannot store its runtime info", job_id)
                self._store.set_job_status(job_id, late.status, late.message)
            with self._lock:
                del self._unwritten[job_id]
            logger.warning("job %s: its final status was written late: %s", job_id, late.message)

    def _request_of(self, job: JobRecord) -> Resources | None:
        if job.type == "workflow":
            return {}  # its nodes are admitted one by one (queue_room)
        try:
            return resources.job_request(job.spec.get("members") or [])
        except (ValueError, TypeError) as error:
            message = f"job is failed: its resources cannot be read: {error}"
            self._store.set_job_status(job.id, statuses.FAILED, message)
            return None

    def _execution(
        self, job: JobRecord, namespace: str, cluster_name: str, request: Resources
    ) -> JobExecution:
        return JobExecution(
            job,
            self._store,
            self._data_dir,
            namespace=namespace,
            cluster_name=cluster_name,
            request=request,
            grace_seconds=self._grace_seconds,
            on_finished=self._finished,
            isolation=self._isolation,
            workflow_limits=self._workflow_limits,
            node_gate=self._room.gate(job.queue),
        )

    def _start(self, execution: JobExecution) -> None:
        job = execution.job
        try:
            self._record(
                job.id,
                "scheduled",
                f"scheduled in queue {job.queue} with {placement.amounts_text(execution.request)}",
                detail={"queue": job.queue, "requested": resources.to_strings(execution.request)},
            )
            # A stop that raced with this start: the hook found no execution, the store has it.
            current = self._store.get_job(execution.job.id)
            if current is None or current.status != statuses.PENDING:
                execution.request_stop()
        finally:  # registered, so it must run (and end) whatever the store did
            execution.start()

    def _user_number(self, user_name: str) -> int | None:
        user = self._store.accounts.get_user(user_name)
        return None if user is None else user.pk

    def _finished(self, job_id: str) -> None:
        with self._lock:
            execution = self._executions.pop(job_id, None)
            if execution is not None and execution.unwritten is not None:
                self._unwritten[job_id] = execution.unwritten
            self._room.changed()
        self._wake.set()

    def _jobs_used(self) -> dict[str, Resources]:
        """The running jobs' requests by queue (lock held)."""
        used: dict[str, Resources] = {}
        for execution in self._executions.values():
            queue = execution.job.queue
            used[queue] = resources.add(used.get(queue, {}), execution.request)
        return used

    def _used_by_queue(self) -> dict[str, Resources]:
        """What running jobs and workflow nodes use, by queue (lock held)."""
        used = self._jobs_used()
        for queue, amounts in self._room.used().items():
            used[queue] = resources.add(used.get(queue, {}), amounts)
        return used

    def _queue_maximum(self, name: str) -> Resources | None:
        queue = self._store.get_queue(name)
        return None if queue is None else queue.max_amounts

    def _publish_used(self) -> None:
        with self._lock:
            used = self._used_by_queue()
        for queue in set(used) | set(self._published_used):
            text = resources.to_strings(used.get(queue, {}))
            if self._published_used.get(queue) != text:
                self._store.set_queue_used_resources(queue, text)
                self._published_used[queue] = text


def create_runtime(
    store: Store, data_dir: Path, *, grace_seconds: float | None = None
) -> JobRuntime:
    """The local job runtime for ``store`` (a ``RuntimeFactory`` of ``pfctl.server.app``).

    ``grace_seconds`` is how long stopped processes get between TERM and KILL; by default the
    environment variable ``PFCTL_STOP_GRACE_SECONDS``, else 10. The leaf nodes of a workflow
    running at once are at most ``PFCTL_WORKFLOW_PARALLELISM`` (default 20). A job that does not
    fit reserves its queue after ``PFCTL_RESERVE_AFTER_SECONDS`` (default 60).
    """
    if grace_seconds is None:
        grace_seconds = _number_from_environment(GRACE_ENV, DEFAULT_GRACE_SECONDS, 0)
    parallelism = _number_from_environment(PARALLELISM_ENV, DEFAULT_PARALLELISM, 1)
    return LocalRuntime(
        store,
        data_dir,
        grace_seconds=grace_seconds,
        reserve_after_seconds=_number_from_environment(
            RESERVE_AFTER_ENV, placement.DEFAULT_RESERVE_AFTER_SECONDS, 0
        ),
        workflow_limits=WorkflowLimits(parallelism=int(parallelism)),
    )


def _number_from_environment(name: str, default: float, minimum: float) -> float:
    """The environment variable ``name`` as a number >= ``minimum``, else ``default``."""
    text = os.environ.get(name, "")
    try:
        value = float(text) if text else default
    except ValueError:
        return default
    return value if value >= minimum else default
