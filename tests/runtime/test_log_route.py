"""``GET /log/job`` on the real server: shapes, paging by offset, tail reads and errors."""

from __future__ import annotations

from collections.abc import Callable

import requests

from .helpers import FINAL, PREFIX, RuntimeServer, single

StartServer = Callable[..., RuntimeServer]


def test_log_route_reads_pages_follows_and_tails(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single("for i in 1 2 3 4 5; do echo line$i; done"))
    assert server.wait_status(job_id, FINAL)["status"] == "succeeded"

    first = server.call("GET", "/log/job", params={"jobID": job_id, "lineLimit": "2"}).json()
    assert set(first) >= {"jobID", "name", "taskList", "eventList"}
    assert first["jobID"] == job_id and first["eventList"] == []
    task = first["taskList"][0]
    assert task["taskID"] == f"{job_id}-worker-0"
    assert task["logInfo"] == {
        "logContent": "line1\nline2\n",
        "hasNextPage": True,
        "truncated": False,
    }

    rest = server.call(
        "GET", "/log/job", params={"jobID": job_id, "offset": task["nextOffset"]}
    ).json()
    assert rest["taskList"][0]["logInfo"]["logContent"] == "line3\nline4\nline5\n"
    assert rest["taskList"][0]["logInfo"]["hasNextPage"] is False

    tail = server.call(
        "GET", "/log/job", params={"jobID": job_id, "lineLimit": "1", "readFromTail": "true"}
    ).json()
    assert tail["taskList"][0]["logInfo"]["logContent"] == "line5\n"

    none = server.call("GET", "/log/job", params={"jobID": job_id, "role": "pserver"}).json()
    assert none["taskList"] == []


def test_log_route_errors(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single("echo hi"))
    bad_limit = server.call("GET", "/log/job", params={"jobID": job_id, "lineLimit": "x"})
    assert bad_limit.status_code == 400 and bad_limit.json()["code"] == "InvalidURI"
    bad_tail = server.call("GET", "/log/job", params={"jobID": job_id, "readFromTail": "maybe"})
    assert bad_tail.status_code == 400 and bad_tail.json()["code"] == "InvalidURI"
    missing = server.call("GET", "/log/job", params={"jobID": "job-nope"})
    assert missing.status_code == 404 and missing.json()["code"] == "JobNotFound"
    no_token = requests.get(f"{server.url}{PREFIX}/log/job", params={"jobID": job_id}, timeout=30)
    assert no_token.status_code == 400 and no_token.json()["code"] == "AuthWithoutToken"

    created = server.call("POST", "/user", json={"username": "alice", "password": "secret123"})
    assert created.status_code == 200, created.text
    login = requests.post(
        f"{server.url}{PREFIX}/login",
        json={"username": "alice", "password": "secret123"},
        timeout=30,
    )
    headers = {"x-pf-authorization": login.json()["authorization"]}
    foreign = requests.get(
        f"{server.url}{PREFIX}/log/job", params={"jobID": job_id}, headers=headers, timeout=30
    )
    assert foreign.status_code == 403 and foreign.json()["code"] == "ActionNotAllowed"
