"""Hostile input to the server: each is refused cleanly (a 4xx in PaddleFlow's error form) or
handled, none gives a 5xx, reaches SQL unparameterised or the filesystem unchecked.

Oversized bodies (declared and chunked), deeply nested JSON, huge label maps, SQL metacharacters
in every filter and identifier, path traversal in fs ``subPath``/``id``/``mountPath`` and in the
log route, non-UTF-8 bytes in bodies, paths, queries and headers.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers.api import PREFIX, Api, login
from tests.helpers.jobs import single_body
from tests.helpers.server import ServerHandle

LIMIT = (
    4 * 1024 * 1024
)  # the server's default body limit (pfctl.server.state.DEFAULT_MAX_BODY_BYTES)


def assert_clean(response: requests.Response, *statuses: int) -> None:
    """No 5xx; an error is in PaddleFlow's form; with ``statuses``, the status is one of them."""
    assert response.status_code < 500, response.text[:500]
    if statuses:
        assert response.status_code in statuses, response.text[:500]
    if response.status_code >= 400:
        assert list(response.json()) == ["requestID", "code", "message"], response.text[:500]


def job_body(**extra: Any) -> dict[str, Any]:
    job_id = f"hostile-{uuid.uuid4().hex[:10]}"
    return {"id": job_id, **single_body("true", image="busybox"), **extra}


# --- size and shape ----------------------------------------------------------------------


def test_an_oversized_body_is_refused_with_413(root_api: Api) -> None:
    padding = "x" * (LIMIT + 1)
    response = root_api.post("/job/single", json=job_body(name=padding))
    assert_clean(response, 413)
    assert response.json()["code"] == "InvalidHTTPRequest"


def test_an_oversized_chunked_body_without_length_is_refused_with_413(root_api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(LIMIT // 65536 + 2):
            yield b"y" * 65536
        yield b'"}'

    response = root_api.post("/job/single", data=chunks())
    assert_clean(response, 413)


def _nested(depth: int, leaf: str = '"x"') -> str:
    return "[" * depth + leaf + "]" * depth


@pytest.mark.parametrize("depth", [200, 2_000, 200_000])
def test_deeply_nested_json_is_malformed_json_everywhere(root_api: Api, depth: int) -> None:
    nested = _nested(depth)
    for method, path in [
        ("POST", "/job/single"),
        ("POST", "/job/distributed"),
        ("POST", "/job/workflow"),
        ("PUT", "/job/some-job?action=modify"),
        ("POST", "/queue"),
        ("POST", "/flavour"),
        ("POST", "/user"),
        ("PUT", "/user/root"),
    ]:
        response = root_api.request(method, path, data=nested)
        assert_clean(response, 400)
        assert response.json()["code"] == "MalformedJSON", (path, response.text)
    inside = json.dumps(job_body(extensionTemplate="@")).replace('"@"', _nested(depth, "{}"))
    assert_clean(root_api.post("/job/single", data=inside), 400)
    login = requests.post(f"{root_api.base_url}{PREFIX}/login", data=nested, timeout=30)
    assert_clean(login, 400)


def test_reasonably_nested_templates_are_still_accepted(root_api: Api) -> None:
    template: Any = {"leaf": True}
    for _ in range(40):
        template = {"nested": template}
    response = root_api.post("/job/single", json=job_body(extensionTemplate=template))
    assert response.status_code == 200, response.text


def test_deeply_nested_labels_filter_is_an_invalid_uri(root_api: Api) -> None:
    response = root_api.get("/job", params={"labels": _nested(3_000)})
    assert_clean(response, 400)


def test_a_huge_label_map_is_stored_whole_or_refused_cleanly(root_api: Api) -> None:
    labels = {f"key-{index}": f"value-{index}" for index in range(40_000)}
    body = job_body(labels=labels)
    response = root_api.post("/job/single", json=body)
    assert_clean(response)
    if response.status_code == 200:
        shown = root_api.get(f"/job/{body['id']}")
        assert_clean(shown, 200)
        assert shown.json()["labels"] == labels
        found = root_api.get("/job", params={"labels": json.dumps({"key-39999": "value-39999"})})
        assert [job["id"] for job in found.json()["jobList"]] == [body["id"]]
    modified = root_api.put(
        f"/job/{body['id']}", params={"action": "modify"}, json={"labels": labels}
    )
    assert_clean(modified)


# --- SQL metacharacters --------------------------------------------------------------------

SQL_NASTIES = [
    "' OR '1'='1",
    '" OR "1"="1',
    "'; DROP TABLE jobs; --",
    "x') UNION SELECT * FROM users --",
    "%",
    "_",
    "*",
    "\\",
    "$.a",
    "a\x00b",
    "' OR 1=1 LIMIT 1 OFFSET 1 --",
]


@pytest.fixture(scope="module")
def sql_victims(root_api: Api) -> dict[str, Any]:
    """Two jobs of a fresh non-root user, to check no filter widens to them or beyond."""
    name = f"sql{uuid.uuid4().hex[:8]}"
    assert root_api.post("/user", json={"username": name, "password": "secret123"}).ok
    user = login(root_api.base_url, name, "secret123")
    ids = []
    for _ in range(2):
        body = job_body(labels={"team": "sql"})
        assert user.post("/job/single", json=body).status_code == 200
        ids.append(body["id"])
    return {"user": user, "ids": ids}


@pytest.mark.parametrize("nasty", SQL_NASTIES)
def test_sql_metacharacters_in_every_job_filter_match_nothing_extra(
    sql_victims: dict[str, Any], nasty: str
) -> None:
    user: Api = sql_victims["user"]
    for query in [
        {"status": nasty},
        {"queue": nasty},
        {"labels": json.dumps({nasty: "sql"})},
        {"labels": json.dumps({"team": nasty})},
        {"marker": nasty},
        {"maxKeys": nasty},
        {"timestamp": nasty},
        {"startTime": nasty},
        {"status": "init", "labels": json.dumps({"team": nasty})},
    ]:
        response = user.get("/job", params=query)
        assert_clean(response)
        if response.status_code == 200:
            assert response.json()["jobList"] == [], (query, response.text)
    everything = user.get("/job").json()["jobList"]
    assert sorted(job["id"] for job in everything) == sorted(sql_victims["ids"])


@pytest.mark.parametrize("nasty", SQL_NASTIES)
def test_sql_metacharacters_in_identifiers_and_catalog_filters(
    root_api: Api, sql_victims: dict[str, Any], nasty: str
) -> None:
    user: Api = sql_victims["user"]
    for method, path, params in [
        ("GET", "/job/{}", None),
        ("PUT", "/job/{}", {"action": "stop"}),
        ("DELETE", "/job/{}", None),
        ("GET", "/queue/{}", None),
        ("GET", "/flavour/{}", None),
        ("DELETE", "/user/{}", None),
        ("GET", "/log/job", {"jobID": nasty}),
        ("GET", "/queue", {"name": nasty}),
        ("GET", "/flavour", {"name": nasty, "clusterName": nasty}),
        ("GET", "/user", {"user": nasty}),
    ]:
        target = path.format(requests.utils.quote(nasty, safe=""))
        response = root_api.request(method, target, params=params)
        assert_clean(response)
        if response.status_code == 200 and method == "GET" and "List" in response.text:
            listed = next(v for k, v in response.json().items() if k.endswith("List"))
            assert listed == [], (path, params, response.text)
    # nothing was stopped, deleted or dropped
    for job_id in sql_victims["ids"]:
        assert user.get(f"/job/{job_id}").json()["status"] == "init"
    assert root_api.get("/queue/default-queue").status_code == 200


def test_label_keys_no_json_path_can_spell_are_still_filtered_exactly(root_api: Api) -> None:
    """Regression: the labels filter built a JSON path from the key, so keys with a quote or a
    non-ASCII letter never matched."""
    for key in ['a"b', "é", "a.b", "x[0]", "$", "it's", "", "\\"]:
        body = job_body(labels={key: "exact"})
        assert root_api.post("/job/single", json=body).status_code == 200
        found = root_api.get("/job", params={"labels": json.dumps({key: "exact"})})
        assert_clean(found, 200)
        assert body["id"] in [job["id"] for job in found.json()["jobList"]], key


# --- non-UTF-8 and control bytes ------------------------------------------------------------


def _raw_request(server: ServerHandle, request: bytes) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=30) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_non_utf8_bodies_are_refused_cleanly(root_api: Api) -> None:
    for body in [b"\xff\xfe{}", b'{"name": "\xc3\x28"}', b'{"id": "\xed\xa0\x80"}', b"\x00" * 16]:
        for path in ["/job/single", "/queue", "/user", "/flavour"]:
            assert_clean(root_api.post(path, data=body), 400)
        login = requests.post(f"{root_api.base_url}{PREFIX}/login", data=body, timeout=30)
        assert_clean(login, 400)


def test_invalid_utf8_and_lone_surrogates_become_replacement_characters(root_api: Api) -> None:
    """Regression: a lone surrogate (raw bytes or a ``\\ud800`` escape) reached the error text
    or SQLite and gave a 500; Go's decoder turns both into U+FFFD, and so does the server."""
    job_id = f"hostile-{uuid.uuid4().hex[:10]}"
    body = json.dumps(job_body(id=job_id, labels={"k": "@"})).replace('"@"', '"\\ud800x"')
    body = body.replace('"image": "busybox"', '"image": "busy\xc3\x28box", "name": "\\udfff"')
    response = root_api.post("/job/single", data=body.encode("latin-1"))
    assert_clean(response, 200)
    job = root_api.get(f"/job/{job_id}").json()
    assert job["labels"] == {"k": "\ufffdx"}
    assert job["name"] == "\ufffd"
    assert job["image"] == "busy\ufffd(box"
    response = root_api.post("/job/single", data=b'{"id": "\xed\xa0\x80"}')
    assert_clean(response, 400)  # id refused by the id rule, message encodable


def test_non_utf8_bytes_in_paths_queries_and_headers(
    api_server: ServerHandle, root_api: Api
) -> None:
    token = root_api.session.headers["x-pf-authorization"]
    assert isinstance(token, str)
    for target in [
        b"/api/paddleflow/v1/job/%FF%FE",
        b"/api/paddleflow/v1/job?status=%FF&labels=%7B%22%FF%22%3A%22x%22%7D",
        b"/api/paddleflow/v1/log/job?jobID=%C3%28&role=%FF",
        b"/api/paddleflow/v1/queue/%ED%A0%80",
        b"/api/paddleflow/v1/job/\xff",
    ]:
        request = (
            b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"x-pf-authorization: " + token.encode() + b"\r\n\r\n"
        )
        status_line = _raw_request(api_server, request).split(b"\r\n", 1)[0]
        assert b" 5" not in status_line[8:13], (target, status_line)
    for header in [b"x-pf-authorization: \xff\xfe", b"x-pf-request-id: \xff\x80"]:
        request = (
            b"GET /api/paddleflow/v1/job HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + header
            + b"\r\n\r\n"
        )
        status_line = _raw_request(api_server, request).split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 4"), (header, status_line)
    assert root_api.get("/job").status_code == 200  # still serving


# --- path traversal ---------------------------------------------------------------------------

#: What PaddleFlow's log route requires besides the job id (the default queue's cluster).
LOG_PARAMS = {"lineLimit": "1000", "clusterName": "default-cluster"}
TRAVERSALS = ["../../../../../../tmp/pfctl-escape", "/etc", "..", "a/../../..", "./../x"]


def test_traversal_in_the_log_route_reads_nothing_outside(root_api: Api) -> None:
    body = job_body()
    assert root_api.post("/job/single", json=body).status_code == 200
    for traversal in [*TRAVERSALS, "../../../../etc/passwd"]:
        response = root_api.get("/log/job", params={"jobID": traversal, **LOG_PARAMS})
        assert_clean(response, 400)  # InvalidURI: no such job
        assert response.json()["message"].startswith(f"get job by jobID {traversal} failed")
        for name in ("role", "node"):
            params = {"jobID": body["id"], name: traversal, **LOG_PARAMS}
            response = root_api.get("/log/job", params=params)
            assert_clean(response, 200)
            assert "root:" not in response.text


def _wait_final(api: Api, job_id: str) -> dict[str, Any]:
    for _ in range(600):
        job = api.get(f"/job/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "terminated"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_traversal_in_fs_sub_path_id_and_mount_path_stays_in_the_data_dir(
    pf_server: ServerHandle, tmp_path: Path
) -> None:
    """Jobs run on the host; their fs folder (the working directory) must stay under
    ``<data_dir>/fs`` whatever ``subPath``, ``id``, ``name`` and ``mountPath`` say."""
    api = login(pf_server.url)
    outside = tmp_path / "outside"
    fs_root = (pf_server.data_dir / "fs").resolve()
    for traversal in [*TRAVERSALS, str(outside)]:
        fs = {"name": "data", "id": traversal, "subPath": traversal, "mountPath": traversal}
        extra = [{"name": "more", "subPath": traversal, "mountPath": traversal}]
        body = job_body(command="pwd -P; touch planted", fs=fs, extraFS=extra)
        response = api.post("/job/single", json=body)
        assert_clean(response)
        if response.status_code != 200:
            continue
        job = _wait_final(api, body["id"])
        assert job["status"] == "succeeded", job
        logs = api.get("/log/job", params={"jobID": body["id"], **LOG_PARAMS}).json()
        output = "".join(task["logInfo"]["logContent"] for task in logs["taskList"])
        working_dirs = output.split()
        assert working_dirs, logs
        for directory in working_dirs:
            assert Path(directory).resolve().is_relative_to(fs_root), directory
    assert not outside.exists()
    assert not Path("/tmp/pfctl-escape").exists()
    assert not Path("/etc/planted").exists()


def test_a_405_names_every_method_the_path_serves(root_api: Api) -> None:
    """Regression (schemathesis): 405 had no ``Allow`` header, and a path with one route per
    method would have named only the first route's methods."""
    response = root_api.request("PATCH", "/job/some-id")
    assert_clean(response, 405)
    assert response.headers["allow"] == "DELETE, GET, HEAD, PUT"
    response = root_api.request("TRACE", "/job")
    assert response.headers["allow"] == "GET, HEAD"
