"""Group commit: concurrent writes of the same kind share one SQLite transaction.

Each API worker thread that creates a job used to run its own ``BEGIN IMMEDIATE ... COMMIT``;
with several clients they queued on SQLite's write lock, whose busy handler sleeps between
retries. ``GroupCommit.submit(item)`` instead queues the item; the first thread to find no
batch running becomes the leader, takes every queued item (up to ``max_batch``) and writes them
all in one transaction, each under its own savepoint so that one item's failure (a duplicate
id) is that item's alone. Items that arrive meanwhile form the next batch, which the leader
hands to the oldest waiting thread once its own item is done.

``submit`` returns only after the transaction holding the item has committed: an answer built
on it (a create's 200) is as durable as with a transaction of its own (WAL; see
``pfctl.server.store.database``). If the batch's transaction as a whole fails (a full disk,
say), every item of it is written again alone by its own thread, which then gets exactly the
error it would have got without batching.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from pfctl.server.store.database import Database

Item = TypeVar("Item")
Result = TypeVar("Result")

#: the most items one transaction writes (bounds the time a reader waits for the write lock)
DEFAULT_MAX_BATCH = 256


class _Entry(Generic[Item, Result]):
    __slots__ = ("error", "item", "lead", "result", "retry_alone", "wake")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.wake = threading.Event()
        self.lead = False  # woken to lead the next batch
        self.retry_alone = False  # the batch failed as a whole: write it alone
        self.result: Result | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """Writes ``write(conn, item)`` for concurrent ``submit`` calls in shared transactions."""

    def __init__(
        self,
        db: Database,
        write: Callable[[sqlite3.Connection, Item], Result],
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
    ) -> None:
        self._db = db
        self._write = write
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Entry[Item, Result]] = []
        self._leading = False
        #: transactions and items written (for the benchmarks and tests: items/batches is the
        #: mean batch size)
        self.batches = 0
        self.items = 0

    def submit(self, item: Item) -> Result:
        """Write ``item`` in a transaction, committed when this returns; its result, or the
        exception ``write`` raised for it."""
        entry: _Entry[Item, Result] = _Entry(item)
        with self._lock:
            self._queue.append(entry)
            entry.lead = not self._leading
            self._leading = True
        if not entry.lead:
            entry.wake.wait()
        if entry.lead:
            self._lead(entry)
        if entry.retry_alone:
            with self._db.write() as conn:
                return self._write(conn, item)
        if entry.error is not None:
            raise entry.error
        return entry.result  # type: ignore[return-value]

    def _lead(self, own: _Entry[Item, Result]) -> None:
        """Write the queued items (``own`` is the oldest of them: a leader's item is first in
        the queue), wake their threads, then hand the lead to the oldest item queued since, or
        give it up."""
        with self._lock:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
        self._write_batch(batch)
        with self._lock:
            if self._queue:
                successor = self._queue[0]
                successor.lead = True
                successor.wake.set()
            else:
                self._leading = False
        for entry in batch:
            if entry is not own:
                entry.wake.set()

    def _write_batch(self, batch: list[_Entry[Item, Result]]) -> None:
        if len(batch) == 1:  # alone: no savepoint needed (the commonest batch at low load)
            self._write_alone(batch[0])
            return
        try:
            with self._db.write() as conn:
                for entry in batch:
                    conn.execute("SAVEPOINT item")
                    try:
                        entry.result = self._write(conn, entry.item)
                    except sqlite3.IntegrityError as exc:
                        conn.execute("ROLLBACK TO item")
                        entry.error = exc
                    conn.execute("RELEASE item")
        except BaseException:
            self._end_transaction()
            for entry in batch:
                entry.result, entry.error, entry.retry_alone = None, None, True
        self.batches += 1
        self.items += len(batch)

    def _write_alone(self, entry: _Entry[Item, Result]) -> None:
        try:
            with self._db.write() as conn:
                entry.result = self._write(conn, entry.item)
        except Exception as exc:  # its own error: raised in its own thread by ``submit``
            self._end_transaction()
            entry.error = exc
        self.batches += 1
        self.items += 1

    def _end_transaction(self) -> None:
        conn = self._db.connection()
        if conn.in_transaction:  # a failed COMMIT may leave it open
            conn.execute("ROLLBACK")
