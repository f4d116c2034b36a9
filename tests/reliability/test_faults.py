"""Faults: the server SIGKILLed in the middle of heavy writes, over and over, on one data dir.

After each kill the SQLite file passes ``PRAGMA integrity_check``, the server starts again on it,
and every create it acknowledged (200) before dying is there, exactly once; updates it
acknowledged are there too.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.helpers.api import login, login_token
from tests.helpers.jobs import single_body
from tests.helpers.server import ServerHandle

pytestmark = pytest.mark.slow

DATABASE_FILE = "pfctl-server.sqlite3"
WRITERS = 6
KILL_AFTER_ACKS = (40, 120, 15)  # acknowledged writes before each kill: early, late, very early


class Writers:
    """Threads creating and modifying jobs as fast as the server answers, until told to stop;
    they record what the server acknowledged."""

    def __init__(self, server: ServerHandle, token: str) -> None:
        self.url = f"{server.url}/api/paddleflow/v1"
        self.headers = {"x-pf-authorization": token}
        self.created: list[str] = []
        self.labelled: dict[str, str] = {}
        self.acks = threading.Semaphore(0)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(WRITERS)]

    def _run(self, writer: int) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            job_id = f"kill-{writer}-{uuid.uuid4().hex[:12]}"
            labels = {"writer": str(writer), "payload": "p" * 2000}
            body = {"id": job_id, **single_body("true", image="busybox", labels=labels)}
            try:
                created = session.post(
                    f"{self.url}/job/single", json=body, headers=self.headers, timeout=10
                )
                if created.status_code != 200:
                    continue
                with self.lock:
                    self.created.append(job_id)
                self.acks.release()
                modified = session.put(
                    f"{self.url}/job/{job_id}",
                    params={"action": "modify"},
                    json={"labels": {"second": job_id}},
                    headers=self.headers,
                    timeout=10,
                )
                if modified.status_code == 200:
                    with self.lock:
                        self.labelled[job_id] = job_id
                    self.acks.release()
            except requests.RequestException:
                return  # the server is gone

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def wait_for_acks(self, count: int) -> None:
        for _ in range(count):
            assert self.acks.acquire(timeout=60), "the server stopped acknowledging writes"

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def _integrity(database: Path) -> str:
    connection = sqlite3.connect(database)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


def test_sigkill_during_heavy_writes_keeps_the_database_intact_and_loses_no_ack(
    start_pf_server: Callable[..., ServerHandle],
) -> None:
    server = start_pf_server(args=("--no-executor",))
    data_dir, port = server.data_dir, server.port
    created: list[str] = []
    labelled: dict[str, str] = {}
    for kill_after in KILL_AFTER_ACKS:
        writers = Writers(server, login_token(server.url))
        writers.start()
        writers.wait_for_acks(kill_after)
        server.kill()  # mid-write: the writers are still sending
        writers.join()
        created += writers.created
        labelled |= writers.labelled

        assert _integrity(data_dir / DATABASE_FILE) == "ok"
        server = start_pf_server(data_dir=data_dir, port=port, args=("--no-executor",))
        api = login(server.url)
        listed: list[str] = []
        marker = ""
        while True:
            page = api.get("/job", params={"maxKeys": "1000", "marker": marker}).json()
            listed += [job["id"] for job in page["jobList"]]
            if not page["isTruncated"]:
                break
            marker = page["nextMarker"]
        assert len(listed) == len(set(listed)), "a job is listed twice"
        missing = set(created) - set(listed)
        assert not missing, f"{len(missing)} acknowledged creates lost: {sorted(missing)[:5]}"
        for job_id in list(labelled)[-20:]:
            assert api.get(f"/job/{job_id}").json()["labels"]["second"] == job_id
    assert len(created) >= sum(KILL_AFTER_ACKS) // 2
    server.stop()
    assert _integrity(data_dir / DATABASE_FILE) == "ok"
