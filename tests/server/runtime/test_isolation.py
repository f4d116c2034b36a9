"""Jobs of users other than root run as their own OS users when the server runs as root; where
it cannot isolate them, it runs only root's jobs unless told otherwise, and says so.

The attacks of a hostile user's job are in tests/reliability/test_job_isolation.py.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pfctl.server.runtime.isolation import (
    ALLOW_SHARED_ENV,
    JOB_UID_BASE,
    ROOT_ONLY,
    SEPARATE_USERS,
    SHARED,
    IsolationPolicy,
    JobRefused,
)
from tests.server.runtime.helpers import RuntimeServer
from tests.server.runtime.userjobs import UserApi, log_of, passable_data_dir

StartServer = Callable[..., RuntimeServer]
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="runs jobs as other OS users")


@pytest.fixture
def separate(runtime_server: StartServer) -> Iterator[RuntimeServer]:
    """A server (as root) whose data directory job users can reach: it runs them apart."""
    with passable_data_dir() as data_dir:
        server = runtime_server(data_dir=data_dir)
        yield server
        server.stop()


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@needs_root
def test_a_users_job_runs_as_its_own_os_user(separate: RuntimeServer) -> None:
    alice = UserApi(separate.url, "alice01")
    job = alice.run('id -u; id -g; id -G; echo "home=$HOME pwd=$(pwd)"; umask; echo kept > mine')
    assert job["status"] == "succeeded", job["message"]
    uid, gid, groups, where, umask = alice.logs(job["id"]).splitlines()
    assert int(uid) > JOB_UID_BASE and gid == uid and groups == uid  # no other group
    (work,) = separate.data_dir.glob(f"jobs/*-{job['id']}/work")
    assert where == f"home={work} pwd={work}"
    assert umask == "0077"
    assert (work / "mine").read_text() == "kept\n"
    assert work.stat().st_uid == int(uid) and mode_of(work) == 0o700

    root = UserApi(separate.url, "root")
    job = root.run("id -u")
    assert job["status"] == "succeeded", job["message"]
    assert root.logs(job["id"]) == f"{os.geteuid()}\n"  # root's jobs: the server's user


@needs_root
def test_the_servers_files_are_closed_to_job_users(separate: RuntimeServer) -> None:
    alice = UserApi(separate.url, "alice01")
    job = alice.run("echo hi")
    assert job["status"] == "succeeded", job["message"]
    data = separate.data_dir
    assert mode_of(data) == 0o711  # others pass through to their folders, never list it
    assert mode_of(data / "jobs") == 0o711
    for path in data.iterdir():
        if path.is_file():
            assert mode_of(path) == 0o600, path
    assert mode_of(data / "runtime") == 0o700
    (job_dir,) = data.glob(f"jobs/*-{job['id']}")
    uid = (job_dir / "work").stat().st_uid
    assert (job_dir.stat().st_uid, job_dir.stat().st_gid, mode_of(job_dir)) == (0, uid, 0o750)
    assert (job_dir / "logs").stat().st_uid == 0 and mode_of(job_dir / "logs") == 0o700
    assert mode_of(job_dir / "logs" / "worker-0.log") == 0o600


@needs_root
def test_a_users_file_system_is_theirs_alone(separate: RuntimeServer) -> None:
    alice = UserApi(separate.url, "alice01")
    bob = UserApi(separate.url, "bob00001")
    data = {"fs": {"name": "data"}}
    job = alice.run("echo alice-data > kept.txt; mkdir -p sub; ln -s /etc sub/etc", **data)
    assert job["status"] == "succeeded", job["message"]
    folder = separate.data_dir / "fs" / "fs-alice01-data"
    assert mode_of(folder) == 0o700
    again = alice.run("cat kept.txt", **data)
    assert alice.logs(again["id"]) == "alice-data\n"

    refused = bob.run("cat kept.txt", fs={"name": "data", "id": "fs-alice01-data"})
    assert refused["status"] == "failed"
    assert "fs-alice01-data is not one of bob00001's" in refused["message"]
    # A link inside one's own file system does not lead the server anywhere.
    linked = alice.run("ls", fs={"name": "data", "subPath": "sub/etc/cron.d"})
    assert linked["status"] == "failed"
    assert "is not a folder" in linked["message"], linked["message"]
    assert not Path("/etc/cron.d").exists() or Path("/etc/cron.d").stat().st_uid == 0


@needs_root
def test_a_users_workflow_reads_its_scripts(separate: RuntimeServer) -> None:
    alice = UserApi(separate.url, "alice01")
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "wf"},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "script": {"image": "a", "source": "id -u"}}],
        },
    }
    body = {"schedulingPolicy": {"queue": "default-queue"}, "extensionTemplate": template}
    job = alice.wait_status(alice.create(body, "workflow"))
    assert job["status"] == "succeeded", job["message"]
    assert int(log_of(separate.data_dir, job["id"])) > JOB_UID_BASE


@needs_root
def test_without_isolation_only_roots_jobs_run_and_the_server_says_why(
    runtime_server: StartServer,
) -> None:
    # pytest's temporary folders are closed to other users: job users could not reach theirs.
    server = runtime_server()
    refused = UserApi(server.url, "alice01").run("echo hi")
    assert refused["status"] == "failed"
    assert "this server runs only root's jobs" in refused["message"]
    assert "--allow-shared-jobs" in refused["message"]
    root = UserApi(server.url, "root").run("echo hi")
    assert root["status"] == "succeeded", root["message"]
    assert "pfctl server: only root's jobs run" in server.log_path.read_text()


def test_allow_shared_jobs_runs_every_users_jobs_as_the_servers_user(
    runtime_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ALLOW_SHARED_ENV, "1")
    server = runtime_server()
    alice = UserApi(server.url, "alice01")
    job = alice.run("id -u")
    assert job["status"] == "succeeded", job["message"]
    assert alice.logs(job["id"]) == f"{os.geteuid()}\n"
    if os.geteuid() == 0:
        assert "without isolation (--allow-shared-jobs)" in server.log_path.read_text()


def test_a_server_not_running_as_root_runs_only_roots_jobs(tmp_path: Path) -> None:
    policy = IsolationPolicy(tmp_path, lambda _name: 2, server_uid=1000)
    assert policy.mode == ROOT_ONLY
    assert "runs as uid 1000, not as root" in policy.describe()
    assert policy.job_user("root", tmp_path) is None
    with pytest.raises(JobRefused, match="runs only root's jobs"):
        policy.job_user("alice01", tmp_path)
    shared = IsolationPolicy(tmp_path, lambda _name: 2, server_uid=1000, allow_shared=True)
    assert shared.mode == SHARED
    assert shared.job_user("alice01", tmp_path) is None


@needs_root
def test_a_uid_that_is_a_host_account_is_refused() -> None:
    with passable_data_dir() as data_dir:
        numbers = {"alice01": -JOB_UID_BASE, "ghost": 77_777}  # alice01 would be uid 0
        policy = IsolationPolicy(data_dir, numbers.get)
        assert policy.mode == SEPARATE_USERS
        with pytest.raises(JobRefused, match="uid 0 for user alice01 is already the host's user"):
            policy.job_user("alice01", data_dir)
        assert policy.job_user("ghost", data_dir) is not None
        gone = IsolationPolicy(data_dir, lambda _name: None)
        with pytest.raises(JobRefused, match="no longer exists"):
            gone.job_user("ghost", data_dir)
