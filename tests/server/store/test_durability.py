"""Nothing is lost across a clean restart or a kill -9."""

from __future__ import annotations

from tests.helpers.api import create, login
from tests.helpers.server import NO_EXECUTOR


def test_kill_9_and_restart_lose_nothing(start_pf_server, tmp_path):
    data_dir = tmp_path / "data"
    server = start_pf_server(data_dir, args=NO_EXECUTOR)
    api = login(server.url)
    api.post("/user", json={"username": "keeper1", "password": "secret123"})
    api.post("/queue", json={"name": "kept-queue", "maxResources": {"cpu": "2", "mem": "2Gi"}})
    api.post("/flavour", json={"name": "kept-flavour", "cpu": "1", "mem": "1Gi"})
    job_ids = [create(api, labels={"n": str(n)}) for n in range(20)]
    api.put(f"/job/{job_ids[0]}", params={"action": "stop"})
    api.put(f"/job/{job_ids[1]}", params={"action": "modify"}, json={"priority": "HIGH"})
    before = {job_id: api.get(f"/job/{job_id}").json() for job_id in job_ids}
    server.kill()

    restarted = start_pf_server(data_dir, args=NO_EXECUTOR)
    api = login(restarted.url)
    after = {job_id: api.get(f"/job/{job_id}").json() for job_id in job_ids}
    assert after == before
    assert api.get("/queue/kept-queue").status_code == 200
    assert api.get("/flavour/kept-flavour").status_code == 200
    assert login(restarted.url, "keeper1", "secret123").get("/job").status_code == 200
    listed = api.get("/job", params={"maxKeys": 1000}).json()["jobList"]
    assert [job["id"] for job in listed] == list(reversed(job_ids))


def test_tokens_survive_a_restart(start_pf_server, tmp_path):
    data_dir = tmp_path / "data"
    server = start_pf_server(data_dir, args=NO_EXECUTOR)
    api = login(server.url)
    job_id = create(api)
    server.stop()
    restarted = start_pf_server(data_dir, port=server.port, args=NO_EXECUTOR)
    assert restarted.url == server.url
    assert api.get(f"/job/{job_id}").status_code == 200
