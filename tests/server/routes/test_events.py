"""The events route and ``eventList`` on the real server: PaddleFlow's event lines, paging by
``lineLimit``/``readFromTail``/``sizeLimit``, bad ``after``, and isolation: another user's job
answers exactly as a missing one, and its events are never sent."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.helpers.api import FINAL, LOG_PARAMS, Api, login
from tests.helpers.jobs import single_body
from tests.helpers.server import RuntimeServer

StartServer = Callable[..., RuntimeServer]
EVENTS = "/api/pfctl/v1/job/{}/events"
LINE = re.compile(
    r"^type: (Normal|Warning)\treason: [A-Za-z]+\teventsTime: "
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \tmessage: .+$"
)


def user_api(server: RuntimeServer, name: str) -> Api:
    response = server.call("POST", "/user", json={"username": name, "password": "secret123"})
    assert response.status_code == 200, response.text
    return login(server.url, name, "secret123")


def test_event_list_is_paddleflows_lines_paged_as_its_logs(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single_body("echo out; exit 1"))
    assert server.wait_status(job_id, FINAL)["status"] == "failed"
    params = {"jobID": job_id, **LOG_PARAMS}
    lines = server.call("GET", "/log/job", params=params).json()["eventList"]
    assert len(lines) == 6 and all(LINE.match(line) for line in lines), lines
    reasons = [line.split("\t")[1] for line in lines]
    assert reasons == [
        "reason: Accepted",
        "reason: Queued",
        "reason: Scheduled",
        "reason: Started",
        "reason: Exited",
        "reason: Finished",
    ]
    assert lines[4].startswith("type: Warning") and lines[5].startswith("type: Warning")
    head = server.call("GET", "/log/job", params={**params, "lineLimit": "2"}).json()
    assert head["eventList"] == lines[:2]
    tail = server.call(
        "GET", "/log/job", params={**params, "lineLimit": "2", "readFromTail": "true"}
    ).json()
    assert tail["eventList"] == lines[-2:]
    # sizeLimit cuts the line count in proportion, as SlicePaging does.
    size = sum(len(line.encode()) for line in lines)
    small = server.call("GET", "/log/job", params={**params, "sizeLimit": str(size // 2)}).json()
    assert small["eventList"] == lines[: (size // 2) * 6 // size]


def test_after_must_be_a_whole_number(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single_body("true"))
    response = server.call("GET", f"{server.url}{EVENTS.format(job_id)}", params={"after": "-1"})
    assert response.status_code == 400 and response.json()["code"] == "InvalidURI"


def test_another_users_events_answer_as_a_missing_job(runtime_server: StartServer) -> None:
    server = runtime_server()
    owner = user_api(server, "evowner")
    other = user_api(server, "evother")
    job_id = owner.create("single", single_body("true"))
    server.wait_status(job_id, FINAL)
    mine = owner.get(f"{server.url}{EVENTS.format(job_id)}")
    assert mine.status_code == 200 and mine.json()["events"][0]["by"] == "evowner"
    theirs = other.get(f"{server.url}{EVENTS.format(job_id)}")
    missing = other.get(f"{server.url}{EVENTS.format('job-no-such-job')}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["code"] == missing.json()["code"] == "JobNotFound"
    assert theirs.json()["message"] == f"resouceType[job] with ID[{job_id}] not found"
    assert "evowner" not in theirs.text and "accepted" not in theirs.text
    # Root sees everyone's.
    assert server.call("GET", f"{server.url}{EVENTS.format(job_id)}").status_code == 200
    unauthenticated = Api(server.url).get(f"{server.url}{EVENTS.format(job_id)}")
    assert unauthenticated.status_code == 400
    assert unauthenticated.json()["code"] == "AuthWithoutToken"
