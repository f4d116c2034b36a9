"""``GET /log/job`` on the real server: shapes, paging by offset, tail reads, and PaddleFlow's
checks in ``getPFJobLogs`` order (job, queue, ``clusterName``, ``readFromTail``, ``lineLimit``,
``sizeLimit``) with their exact codes, statuses and messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from pfctl.server.routes.logs import go_atoi, go_quote
from tests.helpers.api import FINAL, LOG_PARAMS, PREFIX, login
from tests.helpers.jobs import single_body
from tests.helpers.server import RuntimeServer

StartServer = Callable[..., RuntimeServer]
CLUSTER = LOG_PARAMS["clusterName"]  # the default queue's cluster


def log_params(job_id: str, **extra: Any) -> dict[str, Any]:
    """The parameters PaddleFlow requires, plus ``extra``."""
    return {"jobID": job_id, **LOG_PARAMS, **extra}


def error_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    assert list(body) == ["requestID", "code", "message"], body
    return response.status_code, body["code"], body["message"]


def test_log_route_reads_pages_follows_and_tails(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single_body("for i in 1 2 3 4 5; do echo line$i; done"))
    assert server.wait_status(job_id, FINAL)["status"] == "succeeded"

    first = server.call("GET", "/log/job", params=log_params(job_id, lineLimit="2")).json()
    assert set(first) >= {"jobID", "name", "taskList", "eventList"}
    assert first["jobID"] == job_id
    # The job's events, in PaddleFlow's formatAllEventLogs form, paged by lineLimit as well.
    assert len(first["eventList"]) == 2
    assert first["eventList"][0].startswith("type: Normal\treason: Accepted\teventsTime: ")
    assert "\tmessage: job accepted from user root" in first["eventList"][0]
    task = first["taskList"][0]
    assert task["taskID"] == f"{job_id}-worker-0"
    assert task["logInfo"] == {
        "logContent": "line1\nline2\n",
        "hasNextPage": True,
        "truncated": False,
    }

    rest = server.call(
        "GET", "/log/job", params=log_params(job_id, offset=task["nextOffset"])
    ).json()
    assert rest["taskList"][0]["logInfo"]["logContent"] == "line3\nline4\nline5\n"
    assert rest["taskList"][0]["logInfo"]["hasNextPage"] is False

    tail = server.call(
        "GET", "/log/job", params=log_params(job_id, lineLimit="+1", readFromTail="T")
    ).json()
    assert tail["taskList"][0]["logInfo"]["logContent"] == "line5\n"

    none = server.call("GET", "/log/job", params=log_params(job_id, role="pserver")).json()
    assert none["taskList"] == []


def test_log_route_errors(runtime_server: StartServer) -> None:
    server = runtime_server()
    job_id = server.create("single", single_body("echo hi"))
    bad_limit = server.call("GET", "/log/job", params=log_params(job_id, lineLimit="x"))
    assert bad_limit.status_code == 400 and bad_limit.json()["code"] == "InvalidURI"
    bad_tail = server.call("GET", "/log/job", params=log_params(job_id, readFromTail="maybe"))
    assert error_of(bad_tail) == (
        400,
        "InvalidURI",
        f"resource[{job_id}] request param isReadFromTail value failed, "
        'error:strconv.ParseBool: parsing "maybe": invalid syntax',
    )
    # getJobLog answers InvalidURI for whatever constructJobLogRequest refuses
    missing = server.call("GET", "/log/job", params=log_params("job-nope"))
    assert error_of(missing) == (
        400,
        "InvalidURI",
        "get job by jobID job-nope failed. err:resouceType[job] with ID[job-nope] not found",
    )
    no_token = requests.get(f"{server.url}{PREFIX}/log/job", params=log_params(job_id), timeout=30)
    assert no_token.status_code == 400 and no_token.json()["code"] == "AuthWithoutToken"

    created = server.call("POST", "/user", json={"username": "alice", "password": "secret123"})
    assert created.status_code == 200, created.text
    foreign = login(server.url, "alice", "secret123").get("/log/job", params=log_params(job_id))
    assert error_of(foreign) == (
        400,
        "InvalidURI",
        f"get job by jobID {job_id} failed. err:user[alice] has no access to resource[job] "
        f"with ID[{job_id}]",
    )


def test_line_limit_defaults_to_1000_and_is_parsed_like_go_atoi(
    runtime_server: StartServer,
) -> None:
    server = runtime_server()
    job_id = server.create("single", single_body("seq 1 1500"))
    assert server.wait_status(job_id, FINAL)["status"] == "succeeded"
    prefix = f"resource[{job_id}] request param lineLimit value failed, error:strconv.Atoi: "

    def answer(**params: Any) -> tuple[int, str, str]:
        return error_of(server.call("GET", "/log/job", params=params))

    def lines(**params: Any) -> int:
        response = server.call("GET", "/log/job", params={**without, **params})
        assert response.status_code == 200, response.text
        return sum(
            task["logInfo"]["logContent"].count("\n") for task in response.json()["taskList"]
        )

    without = {"jobID": job_id, "clusterName": CLUSTER}
    # empty, or outside 1..1,000,000: PaddleFlow's default of 1000 lines
    assert lines() == lines(lineLimit="") == lines(lineLimit="0") == 1000
    assert lines(lineLimit="-5") == lines(lineLimit="1000001") == 1000
    assert lines(lineLimit="7") == 7
    assert answer(**without, lineLimit="ten") == (
        400,
        "InvalidURI",
        f'{prefix}parsing "ten": invalid syntax',
    )
    assert answer(**without, lineLimit="1.5")[2] == f'{prefix}parsing "1.5": invalid syntax'
    assert answer(**without, lineLimit=" 7")[2] == f'{prefix}parsing " 7": invalid syntax'
    assert answer(**without, lineLimit="9223372036854775808")[2] == (
        f'{prefix}parsing "9223372036854775808": value out of range'
    )
    # lineLimit comes after readFromTail and before sizeLimit
    assert answer(**without, readFromTail="x")[2].startswith(f"resource[{job_id}] request param")
    assert (
        answer(**without, lineLimit="x", sizeLimit="??")[2]
        == f'{prefix}parsing "x": invalid syntax'
    )


def test_cluster_name_must_be_the_job_queues(runtime_server: StartServer) -> None:
    server = runtime_server()
    for cluster in (None, "", "other-cluster"):
        # the cluster is looked up first, before the job and lineLimit
        params = {"jobID": "job-nope", "lineLimit": "x"}
        if cluster is not None:
            params["clusterName"] = cluster
        assert error_of(server.call("GET", "/log/job", params=params)) == (
            400,
            "InvalidURI",
            f"get cluster {cluster or ''} failed. err:record not found",
        )

    queue = {"name": "elsewhere", "namespace": "ns", "clusterName": "cluster-b"}
    queue["maxResources"] = {"cpu": "4", "mem": "4Gi"}
    assert server.call("POST", "/queue", json=queue).status_code == 200
    body = single_body("echo there")
    body["schedulingPolicy"] = {"queue": "elsewhere"}
    other_job = server.create("single", body)
    assert server.call("GET", "/queue/elsewhere").json()["clusterName"] == "cluster-b"
    assert server.wait_status(other_job, FINAL)["status"] == "succeeded"
    wrong = server.call("GET", "/log/job", params=log_params(other_job))
    assert error_of(wrong) == (400, "InvalidURI", f"job {other_job} not in cluster {CLUSTER}")
    right = server.call("GET", "/log/job", params=log_params(other_job, clusterName="cluster-b"))
    assert right.status_code == 200, right.text
    assert right.json()["taskList"][0]["logInfo"]["logContent"] == "there\n"

    # another queue keeps cluster-b known (the local server's clusters are its queues' ones)
    keeper = {**queue, "name": "keeper"}
    assert server.call("POST", "/queue", json=keeper).status_code == 200
    assert server.call("DELETE", "/queue/elsewhere").status_code == 200
    gone = server.call("GET", "/log/job", params=log_params(other_job, clusterName="cluster-b"))
    assert error_of(gone) == (
        400,
        "InvalidURI",
        f"get queue by job {other_job} queue failed. err:queueName[elsewhere] is not found.\n",
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("+12", 12), ("-3", -3), ("007", 7), ("9223372036854775807", 2**63 - 1)],
)
def test_go_atoi_accepts_what_go_accepts(text: str, value: int) -> None:
    assert go_atoi(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "invalid syntax"),
        ("+", "invalid syntax"),
        ("1_000", "invalid syntax"),
        ("\u0663", "invalid syntax"),  # Python's int() takes other scripts' digits; Go does not
        ("-9223372036854775809", "value out of range"),
        ("99999999999999999999x", "value out of range"),  # Go stops at the first overflow
        ("9999999999999999999x", "invalid syntax"),
    ],
)
def test_go_atoi_refuses_what_go_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as raised:
        go_atoi(text)
    assert str(raised.value) == f"strconv.Atoi: parsing {go_quote(text)}: {reason}"


def test_go_quote_escapes_like_strconv_quote() -> None:
    assert go_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert go_quote("\n\t\x00\x7f") == '"\\n\\t\\x00\\x7f"'
    assert go_quote("é\u00a0\U0001f600") == '"é\\u00a0\U0001f600"'


def test_runtime_log_urls_answer_with_the_tasks_log(runtime_server: StartServer) -> None:
    """The ``logURL`` of each runtime entry carries what the route requires and reads the log
    of exactly that task."""
    server = runtime_server()
    single_id = server.create("single", single_body("echo from-single"))
    distributed_id = server.create(
        "distributed",
        {
            "framework": "paddle",
            "schedulingPolicy": {"queue": "default-queue"},
            "members": [
                {
                    "role": "pworker",
                    "replicas": 2,
                    "image": "paddle",
                    "command": "echo worker-$PADDLE_TRAINER_ID",
                    "flavour": {"name": "flavour1"},
                }
            ],
        },
    )
    single_job = server.wait_status(single_id, FINAL)
    distributed_job = server.wait_status(distributed_id, FINAL)
    runtimes = [single_job["runtime"], *distributed_job["distributedRuntime"]["runtimes"]]
    expected = ["from-single\n", "worker-0\n", "worker-1\n"]
    for runtime, text in zip(runtimes, expected, strict=True):
        url = runtime["logURL"]
        assert url.startswith(f"{PREFIX}/log/job?") and "lineLimit=" in url
        response = server.session.get(f"{server.url}{url}", timeout=30)
        assert response.status_code == 200, response.text
        [task] = response.json()["taskList"]
        assert task["logInfo"]["logContent"] == text
