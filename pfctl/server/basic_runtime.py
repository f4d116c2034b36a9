"""A job runtime that runs nothing: jobs stay ``init`` until stopped.

Used when no executor is plugged in (``pfctl.server.app.default_runtime_factory``). A stop of a
job that left ``init`` (``terminating``) is completed at once, since there are no processes to end.
"""

from __future__ import annotations

from pfctl.server.store.storage import Store
from pfctl.spec import statuses


class BasicRuntime:
    """``JobRuntime`` without scheduling or processes."""

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
