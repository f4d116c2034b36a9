"""Whether the data directory and its database can be used, checked before the server serves.

A damaged database is refused with one line naming the file, never served (every request would
fail with ``server panic``) and never replaced by a new, empty one (that would lose every job and
user without a word). ``Database`` calls, in order: ``ensure_directory``; before creating a new
database, ``check_no_orphan_log``; for a file that exists, ``check_file`` (a regular, non-empty
file that starts as SQLite's do), then, on the open connection, ``check_contents`` (pfctl's
schema, writable, and ``PRAGMA quick_check``).

The quick check reads every page (about 0.15 s per 100,000 jobs with a warm cache), so it is
skipped when the file is exactly as the last clean shutdown left it: ``mark_clean`` records the
file's size, time and inode beside it on close, ``forget_clean`` drops the record while the
server runs, so after a crash or any change to the file the next start checks it whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path

from pfctl.errors import PfctlError

SQLITE_HEADER = b"SQLite format 3\x00"
#: how to get going again, the end of every message about a damaged database
_WAY_OUT = "restore it from a backup, or move it away to start with a new, empty database"


class DatabaseUnusable(PfctlError):
    """The data directory or its database cannot be used (damaged, not a database, read-only)."""


def ensure_directory(data_dir: Path) -> None:
    """Create ``data_dir`` (and its parents) unless it exists."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnusable(
            f"cannot use {data_dir} as the data directory: {exc.strerror or exc}"
        ) from exc
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise DatabaseUnusable(f"the data directory {data_dir} is not writable")


def check_file(path: Path) -> None:
    """``path`` (which exists) is a regular file with content that starts as SQLite's do."""
    if not path.is_file():
        raise DatabaseUnusable(f"the database {path} is not a regular file")
    try:
        with path.open("rb") as database:
            header = database.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseUnusable(f"cannot read the database {path}: {exc.strerror}") from exc
    if not header:
        raise DatabaseUnusable(
            f"the database {path} is empty (truncated?): pfctl never leaves it empty; {_WAY_OUT}"
        )
    if header != SQLITE_HEADER:
        raise DatabaseUnusable(
            f"{path} is not an SQLite database (overwritten or damaged); {_WAY_OUT}"
        )


def check_contents(conn: sqlite3.Connection, path: Path) -> None:
    """The open database is pfctl's, writable, and (unless it is unchanged since a clean
    shutdown) passes SQLite's quick check."""
    try:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if (
            "meta" not in names
            or not conn.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone()
        ):
            raise DatabaseUnusable(
                f"{path} is an SQLite database but not a pfctl server's (no schema version); "
                "use another --data-dir"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:  # a write that changes nothing: a read-only file fails here, not on a request
            conn.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")
        finally:
            conn.execute("ROLLBACK")
        if not closed_cleanly(path):
            _quick_check(conn, path)
    except sqlite3.Error as exc:
        raise unusable(path, exc) from exc


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    try:
        problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:  # some damage stops the check itself
        problems = [str(exc)]
    if problems != ["ok"]:
        first = next(
            (line for text in problems for line in text.splitlines() if "***" not in line),
            problems[0],
        )
        raise DatabaseUnusable(
            f"the database {path} is damaged (integrity check: {first}); {_WAY_OUT}"
        )


def unusable(path: Path, exc: sqlite3.Error) -> DatabaseUnusable:
    """What an SQLite error met while opening or checking ``path`` means, as one line."""
    text = str(exc)
    if "not a database" in text:
        return DatabaseUnusable(
            f"{path} is not an SQLite database (overwritten or damaged); {_WAY_OUT}"
        )
    if "malformed" in text or "corrupt" in text:
        return DatabaseUnusable(f"the database {path} is damaged ({text}); {_WAY_OUT}")
    if "readonly" in text or "read-only" in text:
        return DatabaseUnusable(
            f"the database {path} is read-only ({text}); the server must write it and create "
            f"{path.name}-wal and {path.name}-shm beside it"
        )
    if "unable to open" in text:
        return DatabaseUnusable(
            f"cannot open the database {path} ({text}); the server must write it and create "
            f"{path.name}-wal and {path.name}-shm beside it"
        )
    return DatabaseUnusable(f"cannot use the database {path}: {text}")


def check_no_orphan_log(path: Path) -> None:
    """Before creating ``path``: no write-ahead log of a database that was there is left (SQLite
    would replay it into the new file)."""
    if _log_size(path):
        raise DatabaseUnusable(
            f"the database {path} is missing but its write-ahead log {path.name}-wal is there; "
            f"restore the database, or move the log away to start with a new, empty database"
        )


def _log_size(path: Path) -> int:
    try:
        return path.with_name(f"{path.name}-wal").stat().st_size
    except OSError:
        return 0


def _clean_record(path: Path) -> Path:
    return path.with_name(f"{path.name}.clean")


def _fingerprint(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}


def closed_cleanly(path: Path) -> bool:
    """True when the last shutdown was clean and the file has not changed since (nor has a
    write-ahead log been left beside it)."""
    if _log_size(path):
        return False
    try:
        recorded = json.loads(_clean_record(path).read_text())
        return bool(recorded == _fingerprint(path))
    except (OSError, ValueError):
        return False


def mark_clean(path: Path) -> None:
    """Record that ``path`` was closed cleanly, as it is now (best effort)."""
    with contextlib.suppress(OSError):  # a missing record only costs a check at the next start
        _clean_record(path).write_text(json.dumps(_fingerprint(path)))


def forget_clean(path: Path) -> None:
    """Drop the clean-shutdown record: the database is in use (best effort)."""
    with contextlib.suppress(OSError):
        _clean_record(path).unlink(missing_ok=True)
