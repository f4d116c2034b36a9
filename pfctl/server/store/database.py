"""The server's SQLite database: one file in the data directory, WAL mode, a schema version.

Each thread gets its own connection (sqlite3 connections must not be shared between threads),
closed when the thread ends: the server starts a thread per job, per workflow node and per API
worker, and a connection kept after its thread would hold two descriptors and its page cache for
good (issue 14: 600 short jobs exhausted ``ulimit -n 1024``). Writes run in ``BEGIN IMMEDIATE``
transactions so concurrent writers queue on ``busy_timeout`` instead of failing. Committed
transactions survive a kill -9 of the server (WAL; synchronous=NORMAL only risks the last
transactions on an operating-system crash or power loss).
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pfctl.errors import PfctlError
from pfctl.server.store.integrity import (
    DatabaseUnusable,
    check_contents,
    check_file,
    check_no_orphan_log,
    ensure_directory,
    forget_clean,
    mark_clean,
    unusable,
)

DATABASE_FILE = "pfctl-server.sqlite3"
SCHEMA_VERSION = 2  # 2: job_labels, the index of job labels kept by triggers

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    pk            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL COLLATE NOCASE,
    created_at REAL NOT NULL,
    expires_at REAL
);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens (user_name);
CREATE TABLE IF NOT EXISTS queues (
    pk                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL,
    name              TEXT NOT NULL UNIQUE,
    namespace         TEXT NOT NULL,
    cluster_name      TEXT NOT NULL,
    quota_type        TEXT NOT NULL,
    max_resources     TEXT NOT NULL,
    min_resources     TEXT NOT NULL,
    used_resources    TEXT NOT NULL DEFAULT '{}',
    location          TEXT NOT NULL DEFAULT '{}',
    scheduling_policy TEXT NOT NULL DEFAULT '[]',
    status            TEXT NOT NULL,
    created_at        REAL NOT NULL,
    updated_at        REAL NOT NULL
);
-- PaddleFlow's grant table (pkg/model/grant.go); a user's grants go with the user, a queue's
-- queue grants with the queue (controller/user DeleteUser, storage QueueStore.DeleteQueue).
CREATE TABLE IF NOT EXISTS grants (
    pk            INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    user_name     TEXT NOT NULL COLLATE NOCASE,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    UNIQUE (user_name, resource_type, resource_id)
);
CREATE INDEX IF NOT EXISTS grants_by_resource ON grants (resource_type, resource_id);
CREATE TRIGGER IF NOT EXISTS grants_on_user_delete AFTER DELETE ON users BEGIN
    DELETE FROM grants WHERE user_name = OLD.name;
END;
CREATE TRIGGER IF NOT EXISTS grants_on_queue_delete AFTER DELETE ON queues BEGIN
    DELETE FROM grants WHERE resource_type = 'queue' AND resource_id = OLD.name;
END;
CREATE TABLE IF NOT EXISTS flavours (
    pk               INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL,
    name             TEXT NOT NULL UNIQUE,
    cluster_name     TEXT NOT NULL DEFAULT '',
    cpu              TEXT NOT NULL,
    mem              TEXT NOT NULL,
    scalar_resources TEXT NOT NULL DEFAULT '{}',
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    pk           INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL,
    framework    TEXT NOT NULL DEFAULT '',
    user_name    TEXT NOT NULL DEFAULT '',
    queue        TEXT NOT NULL,
    priority     TEXT NOT NULL,
    status       TEXT NOT NULL,
    message      TEXT NOT NULL DEFAULT '',
    labels       TEXT NOT NULL DEFAULT '{}',
    annotations  TEXT NOT NULL DEFAULT '{}',
    spec         TEXT NOT NULL,
    runtime      TEXT,
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL,
    activated_at REAL,
    finished_at  REAL,
    deleted_at   REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_live_id ON jobs (id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS jobs_by_user ON jobs (user_name, pk);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);  -- ends in the rowid (pk), too
CREATE INDEX IF NOT EXISTS jobs_by_queue ON jobs (queue, pk);
CREATE INDEX IF NOT EXISTS jobs_by_update ON jobs (updated_at);  -- the /wsjob poll
-- One row per (string-valued) label of every job, so a label filter is an index lookup instead
-- of a scan of every job's labels JSON; the triggers keep it equal to jobs.labels whoever
-- writes the jobs.
CREATE TABLE IF NOT EXISTS job_labels (
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    job_pk INTEGER NOT NULL,
    PRIMARY KEY (key, value, job_pk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS job_labels_by_job ON job_labels (job_pk);
CREATE TRIGGER IF NOT EXISTS job_labels_on_insert AFTER INSERT ON jobs BEGIN
    INSERT OR IGNORE INTO job_labels (key, value, job_pk)
        SELECT label.key, label.value, NEW.pk FROM json_each(NEW.labels) AS label
        WHERE label.type = 'text';
END;
CREATE TRIGGER IF NOT EXISTS job_labels_on_update AFTER UPDATE OF labels ON jobs BEGIN
    DELETE FROM job_labels WHERE job_pk = OLD.pk;
    INSERT OR IGNORE INTO job_labels (key, value, job_pk)
        SELECT label.key, label.value, NEW.pk FROM json_each(NEW.labels) AS label
        WHERE label.type = 'text';
END;
CREATE TRIGGER IF NOT EXISTS job_labels_on_delete AFTER DELETE ON jobs BEGIN
    DELETE FROM job_labels WHERE job_pk = OLD.pk;
END;
-- A job's events (pfctl.server.store.events), deleted with the job: soft (deleted_at set) or
-- hard, whoever deletes it.
CREATE TABLE IF NOT EXISTS job_events (
    job_pk  INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    time    REAL NOT NULL,
    kind    TEXT NOT NULL,
    message TEXT NOT NULL,
    fields  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (job_pk, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS job_event_counters (
    job_pk   INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    kept     INTEGER NOT NULL,
    dropped  INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER IF NOT EXISTS job_events_on_soft_delete AFTER UPDATE OF deleted_at ON jobs
WHEN NEW.deleted_at IS NOT NULL BEGIN
    DELETE FROM job_events WHERE job_pk = OLD.pk;
    DELETE FROM job_event_counters WHERE job_pk = OLD.pk;
END;
CREATE TRIGGER IF NOT EXISTS job_events_on_delete AFTER DELETE ON jobs BEGIN
    DELETE FROM job_events WHERE job_pk = OLD.pk;
    DELETE FROM job_event_counters WHERE job_pk = OLD.pk;
END;
"""

# Fills job_labels for the jobs of a version-1 database (written before the triggers existed).
_BACKFILL_JOB_LABELS = """
INSERT OR IGNORE INTO job_labels (key, value, job_pk)
    SELECT label.key, label.value, jobs.pk FROM jobs, json_each(jobs.labels) AS label
    WHERE label.type = 'text'
"""


def json_text(value: Any) -> str:
    """``value`` as the compact JSON text a JSON column holds."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class SchemaVersionError(PfctlError):
    """The database was written by a newer pfctl."""


class _ThreadConnection:
    """One thread's connection, held only by that thread's ``threading.local`` slot: when the
    thread ends, CPython drops the slot, and the finalizer ``Database`` attached closes it."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


class Database:
    """Thread-safe access to the server's SQLite file (one connection per thread, closed when
    the thread ends)."""

    def __init__(self, data_dir: Path, *, busy_timeout_ms: int = 10_000) -> None:
        """Open (or create) the database of ``data_dir``; ``DatabaseUnusable`` when it cannot be
        used as it is (see ``pfctl.server.store.integrity``), ``SchemaVersionError`` when a
        newer pfctl wrote it."""
        ensure_directory(data_dir)
        self.path = data_dir / DATABASE_FILE
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._lock = threading.RLock()
        #: the connections open now, by a serial number (what ``close`` closes)
        self._open: dict[int, sqlite3.Connection] = {}
        self._serials = itertools.count()
        try:
            if not os.path.lexists(self.path):
                check_no_orphan_log(self.path)
                _create_new(self.path)
            check_file(self.path)
            check_contents(self.connection(), self.path)
            forget_clean(self.path)
            self._create_schema()
        except sqlite3.Error as exc:
            self._close_connections()
            raise unusable(self.path, exc) from exc
        except BaseException:
            self._close_connections()
            raise

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use, closed when the thread ends)."""
        holder: _ThreadConnection | None = getattr(self._local, "holder", None)
        if holder is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            try:
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            except BaseException:
                conn.close()
                raise
            holder = _ThreadConnection(conn)
            with self._lock:
                serial = next(self._serials)
                self._open[serial] = conn
            closer = weakref.finalize(holder, _close_connection, self._open, self._lock, serial)
            closer.atexit = False  # at exit, daemon threads may still be using theirs
            self._local.holder = holder
        return holder.conn

    def open_connections(self) -> int:
        """How many connections are open now (one per live thread that used the database)."""
        with self._lock:
            return len(self._open)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection opened by any thread (a thread that uses the database
        afterwards opens a new one), and record the clean shutdown."""
        self._close_connections()
        mark_clean(self.path)

    def _close_connections(self) -> None:
        with self._lock:
            connections = list(self._open.values())
            self._open.clear()
        for conn in connections:
            conn.close()
        self._local = threading.local()

    def _create_schema(self) -> None:
        conn = self.connection()
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if int(row["value"]) > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} has schema version {row['value']}, newer than this pfctl "
                f"({SCHEMA_VERSION}); upgrade pfctl or use another --data-dir"
            )
        conn.executescript(_SCHEMA)  # what an older version lacks (IF NOT EXISTS: no writes)
        if int(row["value"]) < SCHEMA_VERSION:
            self._upgrade()

    def _upgrade(self) -> None:
        """Bring an older database to this schema version (idempotent, one transaction)."""
        with self.write() as conn:
            conn.execute(_BACKFILL_JOB_LABELS)
            conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
            )


def _close_connection(
    open_connections: dict[int, sqlite3.Connection], lock: threading.RLock, serial: int
) -> None:
    """Close the connection of a thread that ended (run by its holder's finalizer)."""
    with lock:
        conn = open_connections.pop(serial, None)
    if conn is not None:
        conn.close()


def _create_new(path: Path) -> None:
    """Create the database with its schema beside ``path``, then move it there: a database file
    is never empty or half made, so an empty one at start was truncated (and is refused)."""
    fresh = path.with_name(f"{path.name}.new")
    try:
        for stale in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
            stale.unlink(missing_ok=True)
        conn = sqlite3.connect(fresh, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        finally:
            conn.close()
        try:
            os.link(fresh, path)  # never over a database another server made meanwhile
        except FileExistsError:
            pass
        except OSError:
            os.replace(fresh, path)  # a file system without hard links
        finally:
            fresh.unlink(missing_ok=True)
    except OSError as exc:
        raise DatabaseUnusable(f"cannot create the database {path}: {exc.strerror}") from exc
