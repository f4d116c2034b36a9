"""A full disk under the data directory: a job that ends meanwhile still reaches a final status
and gives its queue's room back once space comes back, and nothing acknowledged is lost.

The data directory is a small tmpfs (``mount`` needs root, as in CI; without it these tests are
skipped, saying so), filled with a file until the kernel says ENOSPC.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pfctl.server.apierrors import storage_error
from pfctl.server.runtime.statuswrites import RETRY_DELAYS

from .helpers import FINAL, RuntimeServer, single

StartServer = Callable[..., RuntimeServer]

LATE = (
    "job is failed: the local server could not record the job's end (database or disk is "
    "full); it had ended: job is succeeded"
)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs to serve as a data directory (request it before ``runtime_server``, so
    that it is unmounted after the server stopped)."""
    mount_point = tmp_path / "data"
    mount_point.mkdir()
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip("no mount command: cannot make a small file system for the data directory")
    result = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here (needs root): {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


def fill(directory: Path) -> Path:
    """Fill the file system of ``directory`` with one file; the file."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 4096, 1):
            block = b"\0" * size
            for _ in range(100_000):
                try:
                    os.write(descriptor, block)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(descriptor)
    return filler


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def used_cpu(server: RuntimeServer) -> str:
    return str(server.call("GET", "/queue/default-queue").json()["usedResources"]["cpu"])


def start_blocked_job(server: RuntimeServer, go: Path) -> str:
    """A job that runs until ``go`` exists, then touches ``go.done`` and succeeds."""
    command = f"while [ ! -e {go} ]; do sleep 0.05; done; touch {go}.done"
    job_id = server.create("single", single(command))
    server.wait_status(job_id, {"running"})
    assert used_cpu(server) == "1"
    return job_id


def end_job(go: Path) -> None:
    """Let the job end, and wait until its process is done."""
    go.touch()
    wait_for(lambda: Path(f"{go}.done").exists(), "the job's process to end")
    time.sleep(0.5)  # the job's thread sees the exit (it polls every 0.1 s) and tries to write


def test_a_job_ending_during_a_long_outage_is_failed_once_space_is_back(
    small_disk: Path, runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server(data_dir=small_disk)
    go = tmp_path / "go"
    job_id = start_blocked_job(server, go)
    filler = fill(small_disk)
    acknowledged = []
    for index in range(3):
        response = server.call("POST", "/job/single", json=single("true", id=f"while-full-{index}"))
        assert response.status_code != 200 or response.json()["id"] == f"while-full-{index}"
        if response.status_code == 200:
            acknowledged.append(f"while-full-{index}")
    assert len(acknowledged) < 3, "the store still wrote: the disk is not full"
    end_job(go)
    # Past the retries of the job's own thread: it gave its final status to the scheduler.
    time.sleep(sum(RETRY_DELAYS) + 5)
    assert server.job(job_id)["status"] == "running"
    filler.unlink()
    job = server.wait_status(job_id, FINAL, timeout=60)
    assert (job["status"], job["message"]) == ("failed", LATE)
    wait_for(lambda: used_cpu(server) == "0", "the queue's room to come back")
    for acknowledged_id in acknowledged:
        assert server.call("GET", f"/job/{acknowledged_id}").status_code == 200
    after = server.create("single", single("true"))
    assert server.wait_status(after, FINAL)["status"] == "succeeded"


def test_a_job_ending_during_a_short_outage_is_recorded_as_it_ended(
    small_disk: Path, runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server(data_dir=small_disk)
    go = tmp_path / "go"
    job_id = start_blocked_job(server, go)
    filler = fill(small_disk)
    end_job(go)
    assert server.job(job_id)["status"] == "running"  # its final status could not be written
    filler.unlink()  # within the retries of the job's own thread (about 6 s)
    job = server.wait_status(job_id, FINAL, timeout=60)
    assert (job["status"], job["message"]) == ("succeeded", "job is succeeded")
    wait_for(lambda: used_cpu(server) == "0", "the queue's room to come back")


def test_a_request_refused_for_a_full_disk_says_so(
    small_disk: Path, runtime_server: StartServer
) -> None:
    server = runtime_server(data_dir=small_disk)
    filler = fill(small_disk)
    response = server.call("POST", "/job/single", json=single("true", id="on-a-full-disk"))
    filler.unlink()
    assert response.status_code == 507, response.text
    assert response.json()["code"] == "InsufficientStorage"
    assert "disk is full" in response.json()["message"]
    assert server.call("GET", "/job/on-a-full-disk").status_code == 404


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database or disk is full"),
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
    ],
)
def test_a_full_disk_is_told_apart_from_other_errors(error: Exception) -> None:
    refused = storage_error(error)
    assert refused is not None
    assert (refused.code, refused.status) == ("InsufficientStorage", 507)
    try:
        raise RuntimeError("while writing") from error
    except RuntimeError as chained:
        assert storage_error(chained) is not None
    assert storage_error(sqlite3.OperationalError("database is locked")) is None
    assert storage_error(OSError(errno.EACCES, "Permission denied")) is None
