"""The seam between the API server and whatever runs jobs, and its null implementation.

The HTTP layer and storage know nothing about processes; they call a ``JobRuntime`` at the
points below. The local executor (``pfctl.server.runtime``) implements it; ``BasicRuntime`` is the
runtime that runs nothing (``pfctl server run --no-executor``).
"""

from __future__ import annotations

from typing import Protocol

from pfctl.server.store.storage import Store
from pfctl.spec import statuses


class JobRuntime(Protocol):
    """What the API server tells the job runtime. Every method returns quickly (no blocking I/O)."""

    def start(self) -> None:
        """Called once after storage is open.

        Recovers the jobs a previous run left behind, then starts scheduling.
        """

    def job_created(self, job_id: str) -> None:
        """A job was stored in status ``init``."""

    def job_stop_requested(self, job_id: str) -> None:
        """The job was moved to ``terminating``; the runtime ends its processes, then marks it
        ``terminated`` through storage."""

    def job_priority_changed(self, job_id: str) -> None:
        """A pending job's priority changed; its place in the queue may differ."""

    def close(self) -> None:
        """The server is shutting down: end every process group this runtime started."""


class BasicRuntime:
    """``JobRuntime`` without scheduling or processes: jobs stay ``init`` until stopped.

    A stop of a job that left ``init`` (``terminating``) is completed at once, since there are no
    processes to end.
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    def start(self) -> None:
        """Nothing to recover: no processes were ever started."""

    def job_created(self, job_id: str) -> None:
        """Jobs stay ``init``."""

    def job_stop_requested(self, job_id: str) -> None:
        """Mark the terminating job ``terminated``."""
        self._store.set_job_status(job_id, statuses.TERMINATED, "job is terminated")

    def job_priority_changed(self, job_id: str) -> None:
        """No queue to reorder."""

    def close(self) -> None:
        """No processes to end."""
