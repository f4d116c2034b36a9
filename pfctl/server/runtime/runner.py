"""The local ``JobRuntime``: a scheduling thread over the store, and one execution per job.

The scheduling thread wakes on every hook call and every ``tick_seconds``: it moves ``init`` jobs
to ``pending``, finishes jobs stopped before they ran, starts the pending jobs that
``placement.choose_jobs_to_start`` picks, and records each queue's used resources.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pfctl.server import resources
from pfctl.server.resources import Resources
from pfctl.server.runtime import layout, placement
from pfctl.server.runtime.execution import JobExecution
from pfctl.server.runtime.processes import kill_recorded_groups
from pfctl.spec import statuses

if TYPE_CHECKING:
    from pfctl.server.hooks import JobRuntime
    from pfctl.server.store.jobrecords import JobRecord
    from pfctl.server.store.storage import Store

logger = logging.getLogger("pfctl.server")

GRACE_ENV = "PFCTL_STOP_GRACE_SECONDS"
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
    ) -> None:
        self._store = store
        self._data_dir = data_dir
        self._grace_seconds = grace_seconds
        self._reserve_after_seconds = reserve_after_seconds
        self._tick_seconds = tick_seconds
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._executions: dict[str, JobExecution] = {}
        self._published_used: dict[str, dict[str, str]] = {}
        self._thread = threading.Thread(target=self._loop, name="pfctl-scheduler", daemon=True)

    # -- JobRuntime ----------------------------------------------------------------------------

    def start(self) -> None:
        """End process groups a killed server left, fail the jobs they ran, start scheduling."""
        kill_recorded_groups(layout.groups_dir(self._data_dir))
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
        while not self._closing.is_set():
            self._wake.wait(self._tick_seconds)
            self._wake.clear()
            if self._closing.is_set():
                break
            try:
                self.schedule_once()
            except Exception:  # keep scheduling: a bad record must not stop every other job
                logger.exception("scheduling pass failed")
                time.sleep(self._tick_seconds)

    def schedule_once(self) -> None:
        """One scheduling pass (the thread calls it; tests may too)."""
        for job in self._store.list_jobs_in_status([statuses.INIT]):
            self._store.set_job_status(job.id, statuses.PENDING, MESSAGE_SUBMITTED)
        with self._lock:
            running_ids = set(self._executions)
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
            used = self._used_by_queue()
        queue_names = {job.queue for job in pending} | set(used) | set(self._published_used)
        capacity: dict[str, Resources] = {}
        places: dict[str, tuple[str, str]] = {}  # queue: (namespace, cluster name)
        for name in queue_names:
            queue = self._store.get_queue(name)
            if queue is not None and queue.status == "open":
                capacity[name] = queue.max_amounts
                places[name] = (queue.namespace, queue.cluster_name)
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
        chosen = placement.choose_jobs_to_start(
            capacity, used, candidates, time.time(), self._reserve_after_seconds
        )
        by_id = {job.id: job for job in pending}
        for job_id in chosen:
            job = by_id[job_id]
            namespace, cluster_name = places.get(job.queue, ("default", ""))
            self._start(job, namespace, cluster_name, requests[job_id])
        self._publish_used()

    def _request_of(self, job: JobRecord) -> Resources | None:
        try:
            return resources.job_request(job.spec.get("members") or [])
        except (ValueError, TypeError) as error:
            message = f"job is failed: its resources cannot be read: {error}"
            self._store.set_job_status(job.id, statuses.FAILED, message)
            return None

    def _start(self, job: JobRecord, namespace: str, cluster_name: str, request: Resources) -> None:
        execution = JobExecution(
            job,
            self._store,
            self._data_dir,
            namespace=namespace,
            cluster_name=cluster_name,
            request=request,
            grace_seconds=self._grace_seconds,
            on_finished=self._finished,
        )
        with self._lock:
            self._executions[job.id] = execution
        # A stop that raced with this start: the hook found no execution, the store has it.
        current = self._store.get_job(job.id)
        if current is None or current.status != statuses.PENDING:
            execution.request_stop()
        execution.start()

    def _finished(self, job_id: str) -> None:
        with self._lock:
            self._executions.pop(job_id, None)
        self._wake.set()

    def _used_by_queue(self) -> dict[str, Resources]:
        used: dict[str, Resources] = {}
        for execution in self._executions.values():
            queue = execution.job.queue
            used[queue] = resources.add(used.get(queue, {}), execution.request)
        return used

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
    environment variable ``PFCTL_STOP_GRACE_SECONDS``, else 10.
    """
    if grace_seconds is None:
        grace_seconds = _grace_from_environment()
    return LocalRuntime(store, data_dir, grace_seconds=grace_seconds)


def _grace_from_environment() -> float:
    text = os.environ.get(GRACE_ENV, "")
    try:
        value = float(text) if text else DEFAULT_GRACE_SECONDS
    except ValueError:
        return DEFAULT_GRACE_SECONDS
    return value if value >= 0 else DEFAULT_GRACE_SECONDS
