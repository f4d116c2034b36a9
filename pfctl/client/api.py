"""The PaddleFlow v1 API client: jobs, queues, flavours, users and grants (the last four in
``pfctl.client.cluster_api``), with login, retries and typed errors.

Usage::

    with PaddleFlowClient(resolve_settings()) as client:
        job_id = client.create_job("single", {"image": "python:3.11", "command": "sleep 1"})
        print(client.get_job(job_id)["status"])

Requests carry connect and read timeouts, and each ends, retries included, within the settings'
``request_timeout`` (60 s unless configured); an answer may hold at most ``max_response_bytes``
and a redirect is an error, never followed. Reads (GET) and label/priority updates are retried with
exponential backoff on connection failures, timeouts and HTTP 502/503/504; creates, stops and
deletes are retried only when the connection failed before the request was sent, so a create is
never sent twice. The login token is cached per server and user (see ``pfctl.client.tokens``); a
token the server refuses triggers exactly one fresh login.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pfctl.client.cluster_api import ClusterCalls, Page
from pfctl.client.config import ClientSettings
from pfctl.client.errors import AuthenticationError, ServerError
from pfctl.client.tokens import TokenCache
from pfctl.client.transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    HEADER_REQUEST_ID,
    RetryPolicy,
    Transport,
    server_time,
)
from pfctl.errors import UsageError
from pfctl.spec.rules import JOB_TYPES

if TYPE_CHECKING:
    import requests

__all__ = ["JobPage", "PaddleFlowClient", "Page", "RetryPolicy"]


@dataclass(frozen=True)
class JobPage:
    """One page of ``GET /job``: the wire job objects, the marker of the next page, and the
    server's clock when it answered (Unix seconds from its ``Date`` header; None without one),
    which a later ``timestamp`` filter can start from whatever the client's clock says."""

    jobs: list[dict[str, Any]]
    next_marker: str | None
    truncated: bool
    server_time: float | None = None


class PaddleFlowClient(ClusterCalls):
    """A context-managed client of one PaddleFlow server for one user.

    ``session`` may be injected (tests, custom adapters); a client that creates its own session
    closes it in :meth:`close`. ``timeout`` is ``(connect, read)`` in seconds, for each attempt;
    ``settings.request_timeout`` bounds a request as a whole. ``max_response_bytes`` bounds the
    size of an answer. ``token_cache`` defaults to the on-disk cache of ``pfctl.client.tokens``.
    """

    def __init__(
        self,
        settings: ClientSettings,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 60.0),
        retries: int = 3,
        backoff: float = 0.2,
        token_cache: TokenCache | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.settings = settings
        self.token_cache = token_cache if token_cache is not None else TokenCache.default()
        self.transport = Transport(
            settings,
            session=session,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            max_response_bytes=max_response_bytes,
        )
        self._token: str | None = None
        self._lock = threading.Lock()

    @property
    def request_count(self) -> int:
        """Requests sent by this client, logins included (for tests and benchmarks)."""
        return self.transport.request_count

    @property
    def session(self) -> requests.Session:
        """The HTTP session (injected, or created by this client)."""
        return self.transport.session

    def __enter__(self) -> PaddleFlowClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connections (only those of a session this client created)."""
        self.transport.close()

    @property
    def base_url(self) -> str:
        """The API root, e.g. ``http://127.0.0.1:8999/api/paddleflow/v1``."""
        return self.transport.base_url

    # --- authentication -------------------------------------------------------------------

    def login(self) -> str:
        """Log in with the configured user and password; cache and return the token."""
        settings = self.settings
        response = self.transport.send(
            "POST",
            "/login",
            json_body={"username": settings.user, "password": settings.password},
            policy=RetryPolicy.IDEMPOTENT,
        )
        data = self.transport.decode(response)
        token = data.get("authorization") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthenticationError(
                "the server's login answer holds no token",
                status=response.status_code,
                request_id=response.headers.get(HEADER_REQUEST_ID, ""),
            )
        with self._lock:
            self._token = token
        self.token_cache.put(settings.server_url, settings.user, settings.password, token)
        return token

    def _current_token(self) -> tuple[str, bool]:
        """The token to use and whether it was just obtained by a login."""
        with self._lock:
            token = self._token
        if token:
            return token, False
        settings = self.settings
        cached = self.token_cache.get(settings.server_url, settings.user, settings.password)
        if cached:
            with self._lock:
                self._token = cached
            return cached, False
        return self.login(), True

    def _forget_token(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None
        self.token_cache.discard(self.settings.server_url, self.settings.user)

    # --- jobs -----------------------------------------------------------------------------

    def create_job(self, job_type: str, body: Mapping[str, Any]) -> str:
        """Create a job through ``POST /job/{job_type}`` and return its id. Never retried once
        the request may have reached the server."""
        if job_type not in JOB_TYPES:
            raise UsageError(
                f"unknown job type {job_type!r}: expected single, distributed or workflow"
            )
        data = self._call(
            "POST", f"/job/{job_type}", json_body=dict(body), policy=RetryPolicy.UNSENT_ONLY
        )
        job_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise ServerError("the server's create answer holds no job id")
        return job_id

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The job object of ``GET /job/{id}`` (PADDLEFLOW_API.md §5.2)."""
        return self._object(self._call("GET", _job_path(job_id)))

    def get_job_with_date(self, job_id: str) -> tuple[dict[str, Any], float | None]:
        """:meth:`get_job`, and the server's clock when it answered (as in
        :attr:`JobPage.server_time`)."""
        response = self._send("GET", _job_path(job_id))
        return self._object(self.transport.decode(response)), server_time(response)

    def list_jobs(
        self,
        *,
        status: str | None = None,
        timestamp: int | str | None = None,
        start_time: str | None = None,
        queue: str | None = None,
        labels: Mapping[str, str] | None = None,
        max_keys: int | None = None,
        marker: str | None = None,
    ) -> JobPage:
        """One page of ``GET /job``; filters left as None are not sent."""
        params: dict[str, Any] = {
            "status": status,
            "timestamp": timestamp,
            "startTime": start_time,
            "queue": queue,
            "labels": json.dumps(dict(labels), separators=(",", ":")) if labels else None,
            "maxKeys": max_keys,
            "marker": marker,
        }
        response = self._send("GET", "/job", params=params)
        data = self._object(self.transport.decode(response))
        jobs = data.get("jobList") or []
        next_marker = data.get("nextMarker") or None
        return JobPage(
            jobs=list(jobs),
            next_marker=next_marker,
            truncated=bool(data.get("isTruncated")),
            server_time=server_time(response),
        )

    def iter_jobs(self, *, page_size: int = 1000, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every job matching ``filters`` (the keyword arguments of :meth:`list_jobs`), fetched
        lazily one page at a time."""
        for page in self.iter_job_pages(page_size=page_size, **filters):
            yield from page.jobs

    def iter_job_pages(self, *, page_size: int = 1000, **filters: Any) -> Iterator[JobPage]:
        """The pages of ``GET /job`` matching ``filters`` (the keyword arguments of
        :meth:`list_jobs`), each fetched when the previous one has been used."""
        marker: str | None = filters.pop("marker", None)
        seen_markers: set[str] = set()
        while True:
            page = self.list_jobs(max_keys=page_size, marker=marker, **filters)
            yield page
            if not page.truncated or not page.next_marker:
                return
            if page.next_marker in seen_markers:
                raise ServerError(f"the server returned the page marker {page.next_marker} twice")
            seen_markers.add(page.next_marker)
            marker = page.next_marker

    def update_job(
        self,
        job_id: str,
        *,
        priority: str | None = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> None:
        """Change a job's priority, labels or annotations (``PUT /job/{id}?action=modify``).

        Only the arguments that are not None are sent; an empty label value asks the server to
        delete that label."""
        body: dict[str, Any] = {}
        if priority is not None:
            body["priority"] = priority
        if labels is not None:
            body["labels"] = dict(labels)
        if annotations is not None:
            body["annotations"] = dict(annotations)
        self._call("PUT", _job_path(job_id), params={"action": "modify"}, json_body=body)

    def stop_job(self, job_id: str) -> None:
        """Stop a job (``PUT /job/{id}?action=stop``)."""
        self._call(
            "PUT", _job_path(job_id), params={"action": "stop"}, policy=RetryPolicy.UNSENT_ONLY
        )

    def delete_job(self, job_id: str) -> None:
        """Delete a job in a final status (``DELETE /job/{id}``)."""
        self._call("DELETE", _job_path(job_id), policy=RetryPolicy.UNSENT_ONLY)

    def job_logs(
        self,
        job_id: str,
        *,
        cluster_name: str,
        line_limit: int,
        **query: Any,
    ) -> dict[str, Any]:
        """A job's logs from ``GET /log/job``.

        PaddleFlow refuses the request without ``cluster_name``, the ``clusterName`` of the
        job's queue (``get_queue(job["schedulingPolicy"]["queue"])``), or ``line_limit``, the
        most lines per task (``pfctl.client.logs.DEFAULT_LINE_LIMIT`` is the SDK's 1000).
        ``query`` holds the route's other parameters under their wire names (``readFromTail``,
        ``sizeLimit``; pfctl's server also takes ``role``, ``index``, ``node``, ``offset``)."""
        if not job_id:
            raise UsageError("the job id must not be empty")
        params = {"jobID": job_id, "clusterName": cluster_name, "lineLimit": line_limit, **query}
        return self._object(self._call("GET", "/log/job", params=params))

    def get_version(self) -> Any:
        """The answer of PaddleFlow's ``GET /version``: a list of ``"Name: value"`` lines as
        PaddleFlow builds them (any JSON value a server sends is returned as it is)."""
        return self._call("GET", "/version")

    # --- requests -------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        policy: RetryPolicy = RetryPolicy.IDEMPOTENT,
    ) -> Any:
        """An authenticated request; returns the decoded JSON body (None when empty)."""
        response = self._send(method, path, params=params, json_body=json_body, policy=policy)
        return self.transport.decode(response)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        policy: RetryPolicy = RetryPolicy.IDEMPOTENT,
    ) -> requests.Response:
        """An authenticated request, logging in again once if the token was refused."""
        token, fresh = self._current_token()
        try:
            response = self.transport.send(
                method, path, params=params, json_body=json_body, policy=policy, token=token
            )
        except AuthenticationError:
            if fresh:
                raise
            # An expired or revoked cached token: log in once and try again.
            self._forget_token(token)
            token = self.login()
            response = self.transport.send(
                method, path, params=params, json_body=json_body, policy=policy, token=token
            )
        return response

    @staticmethod
    def _object(data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ServerError("the server's answer is not a JSON object")
        return data


def _segment(value: str, what: str) -> str:
    if not value:
        raise UsageError(f"the {what} must not be empty")
    return quote(value, safe="")


def _job_path(job_id: str) -> str:
    return f"/job/{_segment(job_id, 'job id')}"
