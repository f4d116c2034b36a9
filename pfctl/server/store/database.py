"""The server's SQLite database: one file in the data directory, WAL mode, a schema version.

Each thread gets its own connection (sqlite3 connections must not be shared between threads);
writes run in ``BEGIN IMMEDIATE`` transactions so concurrent writers queue on ``busy_timeout``
instead of failing. Committed transactions survive a kill -9 of the server (WAL; synchronous=NORMAL
only risks the last transactions on an operating-system crash or power loss).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pfctl.errors import PfctlError

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


class Database:
    """Thread-safe access to the server's SQLite file (one connection per thread)."""

    def __init__(self, data_dir: Path, *, busy_timeout_ms: int = 10_000) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DATABASE_FILE
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._create_schema()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

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
        """Close every connection opened by any thread."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()

    def _create_schema(self) -> None:
        conn = self.connection()
        conn.executescript(_SCHEMA)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        elif int(row["value"]) > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} has schema version {row['value']}, newer than this pfctl "
                f"({SCHEMA_VERSION}); upgrade pfctl or use another --data-dir"
            )
        elif int(row["value"]) < SCHEMA_VERSION:
            self._upgrade()

    def _upgrade(self) -> None:
        """Bring an older database to this schema version (idempotent, one transaction)."""
        with self.write() as conn:
            conn.execute(_BACKFILL_JOB_LABELS)
            conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
            )
