"""Auth on every route and isolation between users, against real servers over real sockets.

Every route but login (and the OpenAPI document) refuses a request without a token, with a
forged one, an expired one and a revoked one; a user cannot see or touch another user's jobs
on any job route; passwords and tokens are never stored or logged in clear; the server binds
loopback unless told otherwise.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.helpers.api import PREFIX, Api, assert_error, login
from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import single_body
from tests.helpers.server import ServerHandle, private_server, start_server

PUBLIC = {("POST", f"{PREFIX}/login"), ("GET", "/api/pfctl/v1/openapi.json")}
WSJOB = f"{PREFIX}/wsjob"


def _every_route() -> list[tuple[str, str]]:
    """(method, concrete path) of every route the server serves, path parameters filled in."""
    from starlette.routing import Route, WebSocketRoute

    from pfctl.server.routes import all_routes

    found = []
    for route in all_routes():
        if isinstance(route, WebSocketRoute):
            assert route.path == WSJOB  # the one stream, tested on its own below
            continue
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, re.sub(r"{\w+}", "some-name", route.path)))
    return found


PROTECTED = [route for route in _every_route() if route not in PUBLIC]


def test_the_route_list_is_complete() -> None:
    """Guard for the parametrisation below: the table has every job, user, queue, flavour,
    grant, log and pfctl route."""
    paths = {path for _, path in PROTECTED}
    assert len(PROTECTED) >= 20
    for part in (
        "/job/single",
        "/job/some-name",
        "/log/job",
        "/queue",
        "/flavour",
        "/user",
        "/grant",
    ):
        assert any(path.endswith(part) for path in paths), part
    assert "/api/pfctl/v1/stats" in paths
    assert "/api/pfctl/v1/job/some-name/events" in paths


def test_the_watch_stream_refuses_missing_and_forged_tokens(api_server: ServerHandle) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = api_server.url.replace("http://", "ws://") + WSJOB
    for token in (None, "x" * 43, "' OR '1'='1"):
        headers = {} if token is None else {"x-pf-authorization": token}
        with (
            pytest.raises(InvalidStatus) as refused,
            connect(url, additional_headers=headers, open_timeout=30),
        ):
            pass
        response = refused.value.response
        code = "AuthWithoutToken" if token is None else "AuthInvalidToken"
        assert response.status_code == 400
        assert json.loads(response.body)["code"] == code


def _send(server: ServerHandle, method: str, path: str, token: str | None) -> requests.Response:
    headers = {} if token is None else {"x-pf-authorization": token}
    body = {"username": "root"} if method in ("POST", "PUT") else None
    query = {"jobID": "some-name", "action": "stop"}
    return requests.request(
        method, f"{server.url}{path}", headers=headers, json=body, params=query, timeout=30
    )


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_route_refuses_missing_and_forged_tokens(
    api_server: ServerHandle, method: str, path: str
) -> None:
    assert_error(_send(api_server, method, path, None), 400, "AuthWithoutToken")
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VybmFtZSI6InJvb3QifQ.c2lnbmF0dXJl"
    for token in (forged, "x" * 43, "root", "' OR '1'='1", "\u00e9\u00e8"):
        assert_error(_send(api_server, method, path, token), 400, "AuthInvalidToken")


def test_public_routes_need_no_token(api_server: ServerHandle) -> None:
    login_response = requests.post(
        f"{api_server.url}{PREFIX}/login",
        json={"username": "root", "password": "paddleflow"},
        timeout=30,
    )
    assert login_response.status_code == 200
    document = requests.get(f"{api_server.url}/api/pfctl/v1/openapi.json", timeout=30)
    assert document.status_code == 200


@pytest.fixture(scope="module")
def short_token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """A private API-only server whose tokens live one second."""
    args = ("--no-executor", "--token-lifetime", "1")
    with private_server(tmp_path_factory, "short-token", args) as handle:
        yield handle


def test_expired_tokens_are_refused_on_every_route(short_token_server: ServerHandle) -> None:
    token = login(short_token_server.url).session.headers["x-pf-authorization"]
    assert isinstance(token, str)
    time.sleep(1.5)  # outlive the one-second lifetime; nothing here measures speed
    for method, path in PROTECTED:
        assert_error(_send(short_token_server, method, path, token), 400, "AuthInvalidToken")
    fresh = login(short_token_server.url)
    assert fresh.get("/job").status_code == 200


def _token(api: Api) -> str:
    token = api.session.headers["x-pf-authorization"]
    assert isinstance(token, str)
    return token


def test_tokens_revoked_by_password_change_or_user_delete_are_refused_everywhere(
    api_server: ServerHandle, root_api: Api, make_user: Callable[[str], Api]
) -> None:
    changed, deleted = make_user("chg"), make_user("del")
    changed_name = changed.user_name  # type: ignore[attr-defined]
    deleted_name = deleted.user_name  # type: ignore[attr-defined]
    other_session = login(api_server.url, changed_name, "secret123")
    response = changed.put(f"/user/{changed_name}", json={"password": "newsecret1"})
    assert response.status_code == 200, response.text
    assert root_api.delete(f"/user/{deleted_name}").status_code == 200
    for token in (_token(changed), _token(other_session), _token(deleted)):
        for method, path in PROTECTED:
            assert_error(_send(api_server, method, path, token), 400, "AuthInvalidToken")
    assert login(api_server.url, changed_name, "newsecret1").get("/job").status_code == 200


# --- user A against user B's jobs ---------------------------------------------------------


def _single(api: Api) -> str:
    job_id = f"iso-{uuid.uuid4().hex[:10]}"
    return api.create(
        "single", {"id": job_id, **single_body("true", image="busybox", labels={"owner": "b"})}
    )


@pytest.fixture
def two_users(make_user: Callable[[str], Api]) -> tuple[Api, Api]:
    return make_user("usera"), make_user("userb")


def test_a_user_cannot_reach_another_users_job_on_any_job_route(
    root_api: Api, two_users: tuple[Api, Api]
) -> None:
    alice, bob = two_users
    job_id = _single(bob)
    before = bob.get(f"/job/{job_id}").json()
    denied = f"user[{alice.user_name}] has no access to resource[job] with ID[{job_id}]"  # type: ignore[attr-defined]

    assert_error(alice.get(f"/job/{job_id}"), 403, "ActionNotAllowed", denied)
    assert_error(
        alice.put(f"/job/{job_id}", params={"action": "modify"}, json={"priority": "HIGH"}),
        403,
        "ActionNotAllowed",
        f"update job failed, err: {denied}",
    )
    assert_error(
        alice.put(f"/job/{job_id}", params={"action": "stop"}),
        403,
        "ActionNotAllowed",
        f"stop job failed, err: {denied}",
    )
    assert_error(alice.delete(f"/job/{job_id}"), 403, "ActionNotAllowed")
    # PaddleFlow's log handler answers every refusal as InvalidURI 400 (docs/compatibility.md)
    logs = alice.get("/log/job", params={"jobID": job_id, "clusterName": "default-cluster"})
    assert_error(logs, 400, "InvalidURI")
    assert "has no access to resource[job]" in logs.json()["message"]
    assert "logContent" not in logs.text
    # The events route answers another user's job exactly as a missing one.
    events = alice.get(f"{alice.base_url}/api/pfctl/v1/job/{job_id}/events")
    missing = alice.get(f"{alice.base_url}/api/pfctl/v1/job/no-such-job-{uuid.uuid4().hex}/events")
    assert_error(events, 404, "JobNotFound", f"resouceType[job] with ID[{job_id}] not found")
    assert events.status_code == missing.status_code
    assert events.json()["code"] == missing.json()["code"]

    listed = alice.get("/job", params={"maxKeys": "1000"}).json()["jobList"]
    assert job_id not in [job["id"] for job in listed]
    for query in ({"labels": json.dumps({"owner": "b"})}, {"status": "init"}):
        found = alice.get("/job", params=query).json()["jobList"]
        assert job_id not in [job["id"] for job in found]
    # PaddleFlow refuses a non-root caller naming another user, in the query or in a body.
    bob_name = bob.user_name  # type: ignore[attr-defined]
    assert_error(alice.get("/job", params={"userName": bob_name}), 400, "AuthIllegalUser")
    response = alice.post("/job/single", json={"userName": bob_name, "image": "busybox"})
    assert_error(response, 400, "AuthIllegalUser")

    assert bob.get(f"/job/{job_id}").json() == before  # nothing changed
    assert root_api.get(f"/job/{job_id}").status_code == 200  # root sees everyone's jobs


def test_a_job_id_taken_by_another_user_does_not_leak_or_get_replaced(
    two_users: tuple[Api, Api],
) -> None:
    alice, bob = two_users
    job_id = _single(bob)
    response = alice.post(
        "/job/single",
        json={"id": job_id, **single_body("true", image="evil")},
    )
    assert response.status_code == 400, response.text
    assert bob.get(f"/job/{job_id}").json()["image"] == "busybox"


def test_non_root_users_cannot_manage_users_queues_flavours_or_grants(
    make_user: Callable[[str], Api],
) -> None:
    user = make_user("plain")
    refused = [
        user.post("/user", json={"username": "sneaky1", "password": "secret123"}),
        user.get("/user"),
        user.put("/user/root", json={"password": "hijack123"}),
        user.delete("/user/root"),
        user.post("/queue", json={"name": "q-evil", "maxResources": {"cpu": "1", "mem": "1Gi"}}),
        user.delete("/queue/default-queue"),
        user.post("/flavour", json={"name": "evil", "cpu": "1", "mem": "1Gi"}),
        user.put("/flavour/flavour1", json={"cpu": "99"}),
        user.delete("/flavour/flavour1"),
        user.post("/grant", json={"resourceType": "queue", "resourceID": "default-queue"}),
        user.get("/grant"),
        user.delete("/grant", params={"username": "root", "resourceType": "queue"}),
        user.get("/api/pfctl/v1/stats"),
    ]
    for response in refused:
        assert 400 <= response.status_code < 500, response.text
        assert list(response.json()) == ["requestID", "code", "message"]
    assert login(user.base_url).get("/queue/default-queue").status_code == 200


# --- secrets at rest and in logs -------------------------------------------------------------


def _files_under(directory: Path) -> Iterator[Path]:
    return (path for path in directory.rglob("*") if path.is_file())


def test_passwords_and_tokens_are_never_stored_or_logged_in_clear(
    start_pf_server: Callable[..., ServerHandle],
) -> None:
    server = start_pf_server(args=("--no-executor",))
    root = login(server.url)
    password, changed = "Clear4Text9Pw", "Second7Clear3Pw"
    assert root.post("/user", json={"username": "secretive", "password": password}).ok
    user = login(server.url, "secretive", password)
    user_token = _token(user)
    assert user.put("/user/secretive", json={"password": changed}).ok
    wrong = requests.post(
        f"{server.url}{PREFIX}/login",
        json={"username": "secretive", "password": "Wrong5Guess1Pw"},
        timeout=30,
    )
    assert wrong.status_code == 400
    server.stop()  # flush the WAL into the database file, close the log

    secrets_in_clear = [password, changed, "Wrong5Guess1Pw", user_token, _token(root)]
    searched = [*_files_under(server.data_dir), server.log_path]
    assert any(path.suffix == ".db" or "sqlite" in path.name for path in searched), searched
    for path in searched:
        content = path.read_bytes()
        for secret in secrets_in_clear:
            assert secret.encode() not in content, f"{secret!r} found in clear in {path}"


# --- bind address --------------------------------------------------------------------------


def _listening_addresses(port: int) -> set[str]:
    """Local IPv4 addresses listening on ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:
            octets = bytes.fromhex(address)[::-1]
            found.add(socket.inet_ntoa(octets))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc/net/tcp")
def test_the_server_binds_loopback_unless_told_otherwise(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    command = [sys.executable, "-m", "pfctl", "server", "run", "--port", "0"]
    handle = start_server([*command, "--data-dir", str(data_dir), "--no-executor"], data_dir)
    try:
        recorded = json.loads((data_dir / "server.pid").read_text())
        assert recorded["host"] == "127.0.0.1"
        assert _listening_addresses(handle.port) == {"127.0.0.1"}
    finally:
        handle.stop()


def test_the_cli_keeps_no_password_in_clear_on_disk(
    api_server: ServerHandle, root_api: Api, tmp_path: Path
) -> None:
    import os

    password = "Cli8Clear2Secret"
    name = f"cli{uuid.uuid4().hex[:8]}"
    assert root_api.post("/user", json={"username": name, "password": password}).ok
    home = Path(os.environ["HOME"])
    env = {
        "PFCTL_USER": name,
        "PFCTL_PASSWORD": password,
        "PFCTL_CACHE_DIR": str(tmp_path / "cache"),
    }
    for args in (["job", "list"], ["job", "list"], ["job", "show", "no-such-job"]):
        result = run_pfctl(*args, server=api_server, env=env, timeout=120)
        assert result.returncode in (0, 1), result.stdout + result.stderr
        assert password not in result.stdout + result.stderr
    written = [*_files_under(home), *_files_under(tmp_path / "cache")]
    assert any((tmp_path / "cache").rglob("*")), "the token cache was not used"
    for path in written:
        assert password.encode() not in path.read_bytes(), f"password in clear in {path}"
