"""The seam between the API server and whatever runs jobs.

The HTTP layer and storage know nothing about processes; they call a ``JobRuntime`` at the
points below. The local executor (``pfctl.server.runtime``) implements it.
"""

from __future__ import annotations

from typing import Protocol


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
