"""A hostile user's job against the other users and the server (issue 14, item 6).

The probe ran, as a user other than root, a job that read root's and another user's logs, read
root's file system through its ``fs`` field, and wrote a token for root into the server's SQLite
file. Against a server running as root (as in CI) with a data directory other users can pass
through, each attempt now meets "Permission denied" or a refused job, while the job's own work
runs and its log is collected.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.server import ServerHandle
from tests.server.runtime.userjobs import UserApi, passable_data_dir

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="jobs run as other OS users only under a server running as root"
)
DENIED = "Permission denied"


@pytest.fixture
def server(start_pf_server: Callable[..., ServerHandle]) -> Iterator[ServerHandle]:
    """``pfctl server run`` as root, on a data directory job users can reach."""
    with passable_data_dir() as data_dir:
        handle = start_pf_server(data_dir=data_dir)
        yield handle
        handle.stop()


def only(paths: Iterator[Path]) -> Path:
    (path,) = paths
    return path


def test_a_job_cannot_read_root_s_or_another_user_s_logs(server: ServerHandle) -> None:
    data = server.data_dir
    root, bob, alice = (UserApi(server.url, name) for name in ("root", "bob00001", "alice01"))
    roots = root.run("echo ROOT-LOG-SECRET")
    bobs = bob.run("echo BOB-LOG-SECRET")
    root_log = only(data.glob(f"jobs/*-{roots['id']}/logs/worker-0.log"))
    bob_log = only(data.glob(f"jobs/*-{bobs['id']}/logs/worker-0.log"))
    assert "SECRET" in root_log.read_text() and "SECRET" in bob_log.read_text()

    job = alice.run(
        f"cat {root_log}; cat {bob_log}; ls {data / 'jobs'}; ls {bob_log.parent}; "
        "echo own-work > own.txt; cat own.txt"
    )
    assert job["status"] == "succeeded", job["message"]
    text = alice.logs(job["id"])
    assert "SECRET" not in text
    assert text.count(DENIED) == 4, text
    assert text.endswith("own-work\n")


def test_a_job_cannot_reach_another_user_s_files(server: ServerHandle) -> None:
    data = server.data_dir
    root, bob, alice = (UserApi(server.url, name) for name in ("root", "bob00001", "alice01"))
    data_fs = {"fs": {"name": "data"}}
    for user in (root, bob):
        made = user.run(f"echo {user.name}-FS-SECRET > secret.txt", **data_fs)
        assert made["status"] == "succeeded", made["message"]
    note = bob.run("echo BOB-WORK-SECRET > note.txt")
    bob_work = only(data.glob(f"jobs/*-{note['id']}/work"))

    # Through its own fs field: another user's file system is not given to it.
    for fs_id in ("fs-root-data", "fs-bob00001-data", "../fs/fs-root-data"):
        for field in ({"fs": {"name": "data", "id": fs_id}}, {"extraFS": [{"id": fs_id}]}):
            refused = alice.run("cat secret.txt", **field)
            assert refused["status"] == "failed"
            assert "is not one of alice01's" in refused["message"], refused["message"]
    # Through paths under the data directory.
    job = alice.run(
        f"cat {data}/fs/fs-root-data/secret.txt; cat {data}/fs/fs-bob00001-data/secret.txt; "
        f"cat {bob_work}/note.txt; ls {data}; ls {data}/fs; echo own > own.txt; cat own.txt",
        **data_fs,
    )
    assert job["status"] == "succeeded", job["message"]
    text = alice.logs(job["id"])
    assert "SECRET" not in text
    assert text.count(DENIED) == 5, text
    assert text.endswith("own\n")
    assert (data / "fs" / "fs-alice01-data" / "own.txt").read_text() == "own\n"
    # Root's jobs work as before: its file system is still its own.
    again = root.run("cat secret.txt", **data_fs)
    assert root.logs(again["id"]) == "root-FS-SECRET\n"


def test_a_job_cannot_open_the_server_s_database_or_files(server: ServerHandle) -> None:
    data = server.data_dir
    alice = UserApi(server.url, "alice01")
    targets = [
        data / name
        for name in ("pfctl-server.sqlite3", "pfctl-server.sqlite3-wal", "pfctl-server.sqlite3-shm")
    ]
    targets.append(data / "server.pid")
    assert all(path.exists() for path in targets)
    # ": >>" opens for writing and writes nothing: were it allowed, nothing would be damaged.
    probe = "; ".join(
        f"(cat {path} > /dev/null) && echo 'read {path.name}'; "
        f"(: >> {path}) && echo 'wrote {path.name}'"
        for path in targets
    )
    job = alice.run(f"{probe}; echo done")
    assert job["status"] == "succeeded", job["message"]
    text = alice.logs(job["id"])
    assert "read " not in text and "wrote " not in text, text
    assert text.count(DENIED) == 2 * len(targets), text
    assert text.endswith("done\n")
    # The database is intact and still the server's.
    assert UserApi(server.url, "root").job(job["id"])["status"] == "succeeded"


def test_where_jobs_cannot_be_isolated_other_users_need_allow_shared_jobs(
    start_pf_server: Callable[..., ServerHandle],
) -> None:
    # pytest's temporary folders are closed to other users: no job user could reach its folder.
    closed = start_pf_server()
    refused = UserApi(closed.url, "alice01").run("echo hi")
    assert refused["status"] == "failed"
    assert "runs only root's jobs" in refused["message"]
    assert "--allow-shared-jobs" in refused["message"]
    assert UserApi(closed.url, "root").run("echo hi")["status"] == "succeeded"
    assert "pfctl server: only root's jobs run" in closed.log_path.read_text()

    shared = start_pf_server(args=["--allow-shared-jobs"])
    alice = UserApi(shared.url, "alice01")
    job = alice.run("id -u")
    assert job["status"] == "succeeded", job["message"]
    assert alice.logs(job["id"]) == "0\n"  # as the server's user: the flag's price
    assert "without isolation (--allow-shared-jobs)" in shared.log_path.read_text()
