"""HTTP against a running server: ``Api`` (a requests session bound to one server and one token),
the one ``login``, PaddleFlow's error form, ``create`` of a job through the API, and queues and
their grants (``new_queue``, ``grant_queue``, ``revoke_queue``)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from typing import Any

import requests

from tests.helpers.jobs import fresh_single

PREFIX = "/api/paddleflow/v1"
#: pfctl's own route with the server's request counts.
STATS_PATH = "/api/pfctl/v1/stats"
#: The statuses a job ends in (what ``wait_status`` callers wait for).
FINAL = {"succeeded", "failed", "terminated", "skipped", "cancelled", "preempted"}
#: What PaddleFlow's log route requires besides ``jobID``, for a job on the default queue.
LOG_PARAMS = {"clusterName": "default-cluster", "lineLimit": "1000"}


class Api:
    """A requests session bound to one server and (optionally) one user's token."""

    def __init__(self, base_url: str, token: str | None = None, user_name: str = "") -> None:
        self.base_url = base_url
        self.user_name = user_name
        self.session = requests.Session()
        if token:
            self.session.headers["x-pf-authorization"] = token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """``path`` below ``PREFIX``, or a whole URL."""
        url = path if path.startswith("http") else f"{self.base_url}{PREFIX}{path}"
        return self.session.request(method, url, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def stats(self) -> requests.Response:
        """``GET /api/pfctl/v1/stats``: the server's own request counts."""
        return self.get(f"{self.base_url}{STATS_PATH}")

    def create(self, job_type: str, body: dict[str, Any]) -> str:
        """Create a job from ``body``; its id (the answer must be 200)."""
        response = self.post(f"/job/{job_type}", json=body)
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        """The job as ``GET /job/ID`` shows it (the answer must be 200)."""
        response = self.get(f"/job/{job_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_status(
        self, job_id: str, statuses: Collection[str], timeout: float = 60.0
    ) -> dict[str, Any]:
        """Poll until the job is in one of ``statuses``; the job."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in statuses:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} stayed {job['status']}: {job['message']}")
            time.sleep(0.1)


def login_token(base_url: str, user: str = "root", password: str = "paddleflow") -> str:
    """Log ``user`` in; the token (the answer must be 200)."""
    response = requests.post(
        f"{base_url}{PREFIX}/login", json={"username": user, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    return str(response.json()["authorization"])


def login(base_url: str, user: str = "root", password: str = "paddleflow") -> Api:
    """An Api logged in as ``user``."""
    return Api(base_url, login_token(base_url, user, password), user_name=user)


def assert_error(
    response: requests.Response, status: int, code: str, message: str | None = None
) -> None:
    """The response is PaddleFlow's error form with this status, code (and message)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["requestID", "code", "message"], body
    assert body["code"] == code, body
    assert body["requestID"] == response.headers["x-pf-request-id"]
    if message is not None:
        assert body["message"] == message, body


def create(api: Api, job_type: str = "single", **overrides: Any) -> str:
    """Create a job and return its id: a ``fresh_single(**overrides)`` for a single job, else
    ``overrides`` are the whole body. The answer must be 200 with exactly ``{"id"}``."""
    body = fresh_single(**overrides) if job_type == "single" else overrides
    response = api.post(f"/job/{job_type}", json=body)
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["id"]
    return str(response.json()["id"])


def new_queue(root: Api, name: str | None = None, cpu: str = "4", mem: str = "4Gi") -> str:
    """Create a queue as ``root`` (a fresh ``q-<hex>`` name unless given); its name."""
    queue = name or f"q-{uuid.uuid4().hex[:8]}"
    response = root.post("/queue", json={"name": queue, "maxResources": {"cpu": cpu, "mem": mem}})
    assert response.status_code == 200, response.text
    return queue


def grant_queue(root: Api, user_name: str, queue: str) -> str:
    """Grant ``queue`` to ``user_name`` as ``root`` (PaddleFlow shows a non-root user only the
    queues granted to them); the grant's id."""
    response = root.post(
        "/grant", json={"userName": user_name, "resourceType": "queue", "resourceID": queue}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["grantID"])


def revoke_queue(root: Api, user_name: str, queue: str) -> None:
    """Take back ``user_name``'s grant of ``queue`` as ``root``."""
    params = {"username": user_name, "resourceType": "queue", "resourceID": queue}
    response = root.delete("/grant", params=params)
    assert response.status_code == 200, response.text
