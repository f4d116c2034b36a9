"""Transport rules every route shares: request ids, error form, size limit, stats, OpenAPI."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import requests

from tests.helpers.api import PREFIX, Api, assert_error, create, login

REPO = Path(__file__).resolve().parents[2]


def test_request_id_is_echoed_or_generated(root_api):
    sent = f"req-{uuid.uuid4()}"
    response = root_api.get("/job", headers={"x-pf-request-id": sent})
    assert response.headers["x-pf-request-id"] == sent
    generated = root_api.get("/job").headers["x-pf-request-id"]
    assert uuid.UUID(generated)
    error = root_api.get("/job/missing", headers={"x-pf-request-id": sent})
    assert error.json()["requestID"] == sent


def test_unknown_path_and_wrong_method(root_api, api_server):
    assert_error(root_api.get("/nothing/here"), 404, "PathNotFound", "")
    assert_error(requests.get(f"{api_server.url}/", timeout=10), 404, "PathNotFound", "")
    assert_error(root_api.request("PATCH", "/job/some-id"), 405, "MethodNotAllowed", "")
    assert_error(root_api.get("/login"), 405, "MethodNotAllowed", "")


def test_body_over_the_limit_is_413_in_paddleflow_form(root_api):
    huge = {"image": "x", "env": {"BIG": "x" * (5 * 1024 * 1024)}}
    assert_error(root_api.post("/job/single", json=huge), 413, "InvalidHTTPRequest")

    def chunks():
        for _ in range(6):
            yield b" " * (1024 * 1024)

    assert_error(root_api.post("/job/single", data=chunks()), 413, "InvalidHTTPRequest")


def test_empty_200_bodies_are_typed_json(root_api):
    job_id = create(root_api)
    response = root_api.put(f"/job/{job_id}", params={"action": "stop"})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"] == "application/json"


def test_stats_count_requests_per_route(api_server, make_user):
    api = login(api_server.url)
    before = api.get(f"{api_server.url}/api/pfctl/v1/stats").json()
    api.get("/job")
    api.get("/job/not-there")
    after = api.get(f"{api_server.url}/api/pfctl/v1/stats").json()
    assert list(after) == ["requests", "byRoute"]
    assert after["requests"] - before["requests"] == 2
    assert after["byRoute"]["GET /job"] - before["byRoute"].get("GET /job", 0) == 1
    assert after["byRoute"]["GET /job/{jobID}"] - before["byRoute"].get("GET /job/{jobID}", 0) == 1
    user = make_user("stats")
    assert_error(user.get(f"{api_server.url}/api/pfctl/v1/stats"), 403, "OnlyRootAllowed")
    assert_error(
        Api(api_server.url).get(f"{api_server.url}/api/pfctl/v1/stats"), 400, "AuthWithoutToken"
    )


def test_openapi_document_is_served_and_docs_copy_is_current(api_server):
    from pfctl.server.openapi import render_openapi

    served = requests.get(f"{api_server.url}/api/pfctl/v1/openapi.json", timeout=10).json()
    assert served["openapi"] == "3.1.0"
    assert {"post", "get"} <= set(served["paths"][f"{PREFIX}/queue"])
    assert set(served["paths"][f"{PREFIX}/job/{{jobID}}"]) == {"get", "put", "delete"}
    committed = (REPO / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == render_openapi(), (
        "docs/openapi.json is stale: run `python -m pfctl.server.openapi docs/openapi.json`"
    )
    assert json.loads(committed) == served


def test_the_shared_session_server_fixture(pf_server):
    assert pf_server.url == f"http://{pf_server.host}:{pf_server.port}"
    assert (pf_server.user, pf_server.password) == ("root", "paddleflow")
    assert (pf_server.data_dir / "pfctl-server.sqlite3").exists()
    assert login(pf_server.url, pf_server.user, pf_server.password).get("/job").status_code == 200
