"""Stop of a live job, concurrent creates of one id, and a database from a newer pfctl."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

from pfctl.server.store.database import DATABASE_FILE, SCHEMA_VERSION
from pfctl.server.store.storage import Store
from tests.helpers.api import assert_error, create, login
from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import fresh_single, unique_id
from tests.helpers.server import NO_EXECUTOR


def test_stop_of_a_running_job_goes_through_terminating(start_pf_server, tmp_path):
    data_dir = tmp_path / "data"
    server = start_pf_server(data_dir, args=NO_EXECUTOR)
    api = login(server.url)
    job_id = create(api)
    store = Store(data_dir)
    store.set_job_status(job_id, "running", "job is running")
    store.close()
    assert api.get(f"/job/{job_id}").json()["status"] == "running"
    assert_error(
        api.put(f"/job/{job_id}", params={"action": "modify"}, json={"priority": "HIGH"}),
        403,
        "ActionNotAllowed",
    )
    assert_error(api.delete(f"/job/{job_id}"), 403, "ActionNotAllowed")
    assert api.put(f"/job/{job_id}", params={"action": "stop"}).status_code == 200
    job = api.get(f"/job/{job_id}").json()
    # Without an executor there is nothing to end, so terminating becomes terminated at once.
    assert job["status"] == "terminated" and job["message"] == "job is terminated"
    assert job["startTime"] and job["finishTime"]
    assert api.delete(f"/job/{job_id}").status_code == 200


def test_concurrent_creates_of_one_id_make_one_job(root_api):
    job_id = unique_id("race")
    body = fresh_single(id=job_id)

    def attempt(_: int) -> int:
        return root_api.post("/job/single", json=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(8)))
    assert sorted(statuses) == [200] + [400] * 7
    listed = root_api.get("/job", params={"maxKeys": 1000}).json()["jobList"]
    assert [job["id"] for job in listed].count(job_id) == 1


def test_login_keys_match_case_insensitively(api_server):
    import requests

    response = requests.post(
        f"{api_server.url}/api/paddleflow/v1/login",
        json={"userName": "root", "PASSWORD": "paddleflow"},
        timeout=10,
    )
    assert response.status_code == 200


def test_a_database_from_a_newer_pfctl_is_refused_cleanly(tmp_path):
    data_dir = tmp_path / "data"
    Store(data_dir).close()
    with closing(sqlite3.connect(data_dir / DATABASE_FILE)) as conn, conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    result = run_pfctl("server", "run", "--port", "0", "--data-dir", str(data_dir), timeout=60)
    assert result.returncode == 1
    assert "newer than this pfctl" in result.stderr and "Traceback" not in result.stderr
