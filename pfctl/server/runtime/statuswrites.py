"""A job's status writes, kept going when the store cannot write (a full disk, a locked file).

A write can fail: ``sqlite3.OperationalError`` "database or disk is full", ``OSError`` ENOSPC, a
database locked for longer than its busy timeout. A job must still reach a final status and
give back its queue's room:

- a progress write (``running`` with fresh runtime info) is tried once: the next one carries the
  same news, and the job goes on running;
- the final write (``succeeded``, ``failed``, ``terminated``) is retried with backoff
  (``RETRY_DELAYS``, about 6 seconds in all). If it still fails, the job's thread ends anyway
  (its processes are gone, so its room is free) and leaves the write in ``unwritten``: the
  runner's scheduling loop takes it over and, once writing works again, marks the job failed,
  saying how it had ended (``late_final_write``).

Only the first failure of a run of failures is logged (with the reason), and the recovery, so a
full disk does not also fill the log.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pfctl.spec import statuses

if TYPE_CHECKING:
    from pfctl.server.store.storage import Store

logger = logging.getLogger("pfctl.server")

#: Waits between attempts of a final status write (then the runner takes it over).
RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)


@dataclass(frozen=True)
class StatusWrite:
    """One status transition to record."""

    status: str
    message: str
    runtime: dict[str, Any] | None = None


def failure_reason(error: BaseException) -> str:
    """A short reason for a failed write: ``database or disk is full`` for a full disk."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "database or disk is full"
    return str(error) or type(error).__name__


def late_final_write(write: StatusWrite, reason: str) -> StatusWrite:
    """What the runner records for a job whose final status could not be written in time."""
    message = (
        f"job is failed: the local server could not record the job's end ({reason}); "
        f"it had ended: {write.message}"
    )
    return StatusWrite(statuses.FAILED, message, write.runtime)


class StatusWriter:
    """Writes one job's statuses through ``store`` (thread-safe)."""

    def __init__(
        self,
        store: Store,
        job_id: str,
        *,
        delays: Sequence[float] = RETRY_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._job_id = job_id
        self._delays = tuple(delays)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._failing = False
        #: The final write that kept failing, with the reason; the runner takes it over.
        self.unwritten: tuple[StatusWrite, str] | None = None

    def progress(self, write: StatusWrite) -> bool:
        """Try ``write`` once; False (logged once per run of failures) when it failed."""
        return self._attempt(write) is None

    def final(self, write: StatusWrite) -> bool:
        """Write ``write``, retrying with backoff; False, and ``unwritten`` set, when every
        attempt failed."""
        error = self._attempt(write)
        for delay in self._delays:
            if error is None:
                return True
            self._sleep(delay)
            error = self._attempt(write)
        if error is None:
            return True
        self.unwritten = (write, failure_reason(error))
        logger.error(
            "job %s: its final status (%s) could not be written after %d attempts (%s); "
            "the scheduler will mark it failed once the store can write",
            self._job_id,
            write.status,
            len(self._delays) + 1,
            failure_reason(error),
        )
        return False

    def _attempt(self, write: StatusWrite) -> Exception | None:
        with self._lock:
            try:
                self._store.set_job_status(
                    self._job_id, write.status, write.message, runtime=write.runtime
                )
            except Exception as error:  # any failure must leave the job able to finish
                if not self._failing:
                    self._failing = True
                    logger.warning(
                        "job %s: cannot write its status (%s); retrying",
                        self._job_id,
                        failure_reason(error),
                        exc_info=not isinstance(error, (sqlite3.Error, OSError)),
                    )
                return error
            if self._failing:
                self._failing = False
                logger.warning("job %s: its status can be written again", self._job_id)
            return None
