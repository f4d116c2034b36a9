"""Processes that leave their replica's process group (``setsid``, double forks, a cleared
environment) end with their job: when it succeeds, when it is stopped, and when the server was
killed and starts again."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server.runtime.helpers import FINAL, RuntimeServer, process_running, single
from tests.server.runtime.userjobs import UserApi, kill_pids, passable_data_dir, read_pids

StartServer = Callable[..., RuntimeServer]
ESCAPES = 3


def escaping(pid_file: Path | str, then: str) -> str:
    """A command that leaves three processes outside its process group, writes their pids to
    ``pid_file``, then runs ``then``."""
    return (
        f"P={pid_file}; "
        "setsid sleep 300 & echo $! >> $P; "  # a new session, as daemonising launchers do
        "( (setsid sleep 300 & echo $! >> $P) & ); "  # a double fork: orphaned at once
        "env -i setsid sleep 300 & echo $! >> $P; "  # no environment to be recognised by
        f'while [ "$(wc -l < $P)" -lt {ESCAPES} ]; do sleep 0.05; done; '
        f"{then}"
    )


def none_running(pids: list[int], timeout: float = 0.0) -> bool:
    deadline = time.monotonic() + timeout
    while any(process_running(pid) for pid in pids):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def pids() -> Iterator[list[int]]:
    """Pids a test found; whatever of them still runs is killed afterwards."""
    found: list[int] = []
    yield found
    kill_pids(found)


def test_escaped_processes_end_when_the_job_succeeds(
    runtime_server: StartServer, tmp_path: Path, pids: list[int]
) -> None:
    server = runtime_server()
    pid_file = tmp_path / "pids"
    job_id = server.create("single", single(escaping(pid_file, "exit 0")))
    pids += read_pids(pid_file, ESCAPES)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    # Killed before the job was reported final, not some time after.
    assert none_running(pids), [pid for pid in pids if process_running(pid)]


def test_escaped_processes_end_when_the_job_is_stopped(
    runtime_server: StartServer, tmp_path: Path, pids: list[int]
) -> None:
    server = runtime_server(grace_seconds=1.0)
    pid_file = tmp_path / "pids"
    job_id = server.create("single", single(escaping(pid_file, "sleep 300")))
    pids += read_pids(pid_file, ESCAPES)
    server.wait_status(job_id, {"running"})
    assert all(process_running(pid) for pid in pids)
    response = server.call("PUT", f"/job/{job_id}", params={"action": "stop"})
    assert response.status_code == 200, response.text
    assert server.wait_status(job_id, FINAL)["status"] == "terminated"
    assert none_running(pids), [pid for pid in pids if process_running(pid)]


def test_escaped_processes_end_when_a_killed_server_restarts(
    runtime_server: StartServer, tmp_path: Path, pids: list[int]
) -> None:
    server = runtime_server()
    pid_file = tmp_path / "pids"
    job_id = server.create("single", single(escaping(pid_file, "sleep 300")))
    pids += read_pids(pid_file, ESCAPES)
    server.wait_status(job_id, {"running"})
    server.kill()
    assert all(process_running(pid) for pid in pids)  # kill -9 of the server ends nothing
    restarted = runtime_server(data_dir=server.data_dir)
    job = restarted.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert "restarted" in job["message"]
    assert none_running(pids), [pid for pid in pids if process_running(pid)]


def test_escaped_processes_are_found_by_their_token_when_the_supervisor_is_gone(
    runtime_server: StartServer, tmp_path: Path, pids: list[int]
) -> None:
    # A job running as the server's own user may kill its supervisor ($PPID of the shell):
    # its processes are re-parented to init, but they still carry the replica's token.
    server = runtime_server()
    pid_file = tmp_path / "pids"
    command = (
        f"setsid sleep 300 & echo $! >> {pid_file}; "
        f"(setsid sleep 300 & echo $! >> {pid_file}) & "
        f'while [ "$(wc -l < {pid_file})" -lt 2 ]; do sleep 0.05; done; '
        "kill -9 $PPID; sleep 0.5"
    )
    job_id = server.create("single", single(command))
    pids += read_pids(pid_file, 2)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert none_running(pids, timeout=10.0), [pid for pid in pids if process_running(pid)]


@pytest.mark.skipif(os.geteuid() != 0, reason="runs jobs as other OS users: needs root")
def test_escaped_processes_of_a_job_running_as_its_own_user_end_with_it(
    runtime_server: StartServer, pids: list[int]
) -> None:
    with passable_data_dir() as data_dir:
        server = runtime_server(data_dir=data_dir)
        try:
            alice = UserApi(server.url, "alice01")
            job_id = alice.create(single(escaping("pids", "exit 0")))
            pids += read_pids(data_dir / "jobs" / f"1-{job_id}" / "work" / "pids", ESCAPES)
            job = alice.wait_status(job_id)
            assert job["status"] == "succeeded", job["message"]
            assert none_running(pids), [pid for pid in pids if process_running(pid)]
        finally:
            server.stop()
