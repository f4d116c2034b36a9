"""``pfctl server run|start`` on a data directory it cannot use: one line naming the path, exit 1,
and the database left as it was (issue 14, item 10).

The suite runs as root in CI, and root writes through file modes: a read-only database or data
directory is made with ``chattr +i`` when the test runs as root (skipped where the file system or
the container does not allow it), with ``chmod`` otherwise. The other cases fail for root too: a
data directory below a regular file, and damaged, truncated, emptied or foreign database files.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pfctl.errors import ExitCode
from pfctl.server.store.database import DATABASE_FILE, Database
from tests.helpers.cli import run_pfctl
from tests.helpers.server import free_port


def server_command(command: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """``pfctl server COMMAND`` on ``data_dir`` (a server that starts anyway is stopped)."""
    args = ["server", command, "--port", str(free_port()), "--data-dir", str(data_dir)]
    try:
        return run_pfctl(*args, "--no-executor", timeout=60)
    finally:
        run_pfctl("server", "stop", "--data-dir", str(data_dir), timeout=60)


def assert_refused(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 1 with one ``error:`` line that holds each of ``expected``, and no traceback."""
    assert result.returncode == ExitCode.FAILURE, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for text in expected:
        assert text in errors[0], errors[0]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory whose database holds some rows (a few pages) and was closed cleanly."""
    directory = tmp_path / "data"
    database = Database(directory)
    with database.write() as conn:
        conn.executemany(
            "INSERT INTO tokens (token_hash, user_name, created_at) VALUES (?, 'nobody', 0)",
            [(f"{n:04d}" + "x" * 1000,) for n in range(200)],
        )
    database.close()
    return directory


@pytest.fixture
def immutable() -> Iterator[Callable[[Path], None]]:
    """``make(path)``: the path read-only even for root (``chattr +i``, or ``chmod`` when not
    root); undone after the test."""
    undo: list[Callable[[], None]] = []

    def make(path: Path) -> None:
        if os.geteuid() != 0:
            mode = path.stat().st_mode
            path.chmod(0o555 if path.is_dir() else 0o444)
            undo.append(lambda: path.chmod(mode))
            return
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip("running as root without chattr: no way to make a read-only file")
        done = subprocess.run(
            [chattr, "+i", str(path)], check=False, capture_output=True, text=True
        )
        if done.returncode != 0:
            pytest.skip(f"running as root and chattr +i is refused here: {done.stderr.strip()}")
        undo.append(lambda: subprocess.run([chattr, "-i", str(path)], check=True))

    yield make
    for step in reversed(undo):
        step()


@pytest.mark.parametrize("command", ["run", "start"])
def test_a_database_overwritten_with_garbage_is_refused_and_kept(
    data_dir: Path, command: str
) -> None:
    database = data_dir / DATABASE_FILE
    garbage = os.urandom(database.stat().st_size)
    database.write_bytes(garbage)
    result = server_command(command, data_dir)
    assert_refused(result, str(database), "is not an SQLite database")
    assert database.read_bytes() == garbage  # never replaced by a new, empty one


@pytest.mark.parametrize("command", ["run", "start"])
def test_a_truncated_database_is_refused_and_kept(data_dir: Path, command: str) -> None:
    database = data_dir / DATABASE_FILE
    os.truncate(database, database.stat().st_size // 2)
    kept = database.read_bytes()
    result = server_command(command, data_dir)
    assert_refused(result, str(database), "is damaged", "database disk image is malformed")
    assert database.read_bytes() == kept


def test_an_emptied_database_is_refused_not_made_anew(data_dir: Path) -> None:
    database = data_dir / DATABASE_FILE
    os.truncate(database, 0)
    result = server_command("run", data_dir)
    assert_refused(result, str(database), "is empty")
    assert database.stat().st_size == 0


def test_pages_overwritten_after_a_clean_shutdown_fail_the_integrity_check(
    data_dir: Path,
) -> None:
    database = data_dir / DATABASE_FILE
    with database.open("r+b") as file:  # the last pages: rows that starting does not read
        file.seek(-4096 * 4, os.SEEK_END)
        file.write(b"\x55" * 4096 * 4)
    result = server_command("run", data_dir)
    assert_refused(result, str(database), "is damaged (integrity check:")


def test_a_database_of_another_program_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    other = sqlite3.connect(data_dir / DATABASE_FILE)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.commit()
    other.close()
    result = server_command("run", data_dir)
    assert_refused(result, str(data_dir / DATABASE_FILE), "not a pfctl server's")


def test_a_missing_database_with_its_log_left_is_not_made_anew(data_dir: Path) -> None:
    database = data_dir / DATABASE_FILE
    Path(f"{database}-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(60))
    database.unlink()
    result = server_command("run", data_dir)
    assert_refused(result, str(database), "is missing but its write-ahead log")
    assert not database.exists()


@pytest.mark.parametrize("command", ["run", "start"])
def test_a_data_directory_below_a_regular_file_is_refused(tmp_path: Path, command: str) -> None:
    regular = tmp_path / "a-file"
    regular.write_text("not a directory")
    result = server_command(command, regular / "data")
    assert_refused(result, str(regular / "data"), "Not a directory")


@pytest.mark.parametrize("command", ["run", "start"])
def test_a_read_only_database_is_refused(
    data_dir: Path, immutable: Callable[[Path], None], command: str
) -> None:
    database = data_dir / DATABASE_FILE
    immutable(database)
    result = server_command(command, data_dir)
    assert_refused(result, str(database), "read-only")


def test_an_unwritable_data_directory_is_refused(
    data_dir: Path, immutable: Callable[[Path], None]
) -> None:
    immutable(data_dir)
    result = server_command("run", data_dir)
    assert_refused(result, str(data_dir))
    assert "not writable" in result.stderr or "cannot open" in result.stderr


def test_a_clean_restart_serves_the_same_database(data_dir: Path) -> None:
    """The checks pass a healthy database (the quick check is skipped after a clean
    shutdown, and runs after anything else)."""
    for _ in range(2):
        started = run_pfctl("server", "start", "--port", "0", "--data-dir", str(data_dir))
        assert started.returncode == 0, started.stderr
        stopped = run_pfctl("server", "stop", "--data-dir", str(data_dir))
        assert stopped.returncode == 0, stopped.stderr
    database = Database(data_dir)
    try:
        rows = database.connection().execute("SELECT count(*) FROM tokens")
        assert rows.fetchone()[0] == 200
    finally:
        database.close()


def test_the_quick_check_is_skipped_only_for_a_file_as_a_clean_shutdown_left_it(
    data_dir: Path,
) -> None:
    from pfctl.server.store.integrity import closed_cleanly

    database_file = data_dir / DATABASE_FILE
    assert closed_cleanly(database_file)
    database = Database(data_dir)
    assert not closed_cleanly(database_file)  # in use: a crash now means a check at start
    database.close()
    assert closed_cleanly(database_file)
    stat = database_file.stat()
    os.utime(database_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert not closed_cleanly(database_file)  # changed since: checked
