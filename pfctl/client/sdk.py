"""A drop-in for the job part of the PaddleFlow Python SDK (``paddleflow.Client``).

Same constructor, method names, parameters and return conventions as PaddleFlow's SDK and its
documentation: each method returns ``(True, result)`` on success and ``(False, message)`` when the
server refuses the request; ``list_job`` returns ``(True, [JobInfo, ...], next_marker)``.
Client-side checks raise :class:`PaddleFlowSDKException` as the SDK does. The value classes
(:class:`JobRequest`, :class:`Member`, :class:`JobInfo`, ...) are in ``pfctl.client.sdk_models``.

Differences, all in the user's favour: ``login()`` may be called without arguments (it uses the
constructor's credentials), the job methods log in by themselves when ``login()`` was not
called, ``create_job`` takes a :class:`JobRequest` or a wire-shaped dict, requests are retried
when that is safe, and a lost connection raises :class:`PaddleFlowSDKException` with code
``ConnectionError`` instead of failing inside the SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from pfctl.client.api import PaddleFlowClient
from pfctl.client.config import ClientSettings
from pfctl.client.errors import PaddleFlowError, ServerConnectionError
from pfctl.client.jobfile import build_create_body
from pfctl.client.sdk_models import FileSystem, Flavour, JobInfo, JobRequest, Member
from pfctl.client.tokens import TokenCache
from pfctl.spec.rules import JOB_TYPES

# The value classes live in sdk_models; the SDK's names are all importable from here too.
__all__ = [
    "Client",
    "FileSystem",
    "Flavour",
    "JobInfo",
    "JobRequest",
    "Member",
    "PaddleFlowSDKException",
]

_Result = TypeVar("_Result")


class PaddleFlowSDKException(PaddleFlowError):
    """The SDK's exception.

    ``str()`` reads ``[PaddleFlowSDKException] code:.. message:.. requestId:..``.
    """

    def __init__(self, code: str, message: str = "", requestId: str = "") -> None:
        super().__init__(message, code=code, request_id=requestId)

    def __str__(self) -> str:
        return (
            f"[PaddleFlowSDKException] code:{self.code} message:{self.message} "
            f"requestId:{self.request_id}"
        )


class Client:
    """PaddleFlow SDK compatible client: ``Client(host, username, password, port=8999)``."""

    def __init__(
        self,
        paddleflow_server_host: str,
        username: str | None,
        password: str | None,
        paddleflow_server_port: int | str = 8999,
    ) -> None:
        if paddleflow_server_host is None or paddleflow_server_host.strip() == "":
            raise PaddleFlowSDKException(
                "InvalidServer", "paddleflow server should not be none or empty"
            )
        host = paddleflow_server_host.strip().rstrip("/")
        address = host if "://" in host else f"http://{host}"
        self.paddleflow_server = f"{address}:{paddleflow_server_port}"
        self.user_id = username
        self.password = password
        self._api: PaddleFlowClient | None = None

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connections."""
        if self._api is not None:
            self._api.close()
            self._api = None

    def login(
        self, user_name: str | None = None, password: str | None = None
    ) -> tuple[bool, str | None]:
        """Log in; ``(True, None)`` or ``(False, message)``. Defaults to the constructor's user."""
        user_name = self.user_id if user_name is None else user_name
        password = self.password if password is None else password
        if user_name is None or user_name.strip() == "":
            raise PaddleFlowSDKException("InvalidUser", "user_name should not be none or empty")
        if password is None or password.strip() == "":
            raise PaddleFlowSDKException("InvalidPassWord", "password should not be none or empty")
        api = self._new_api(user_name, password)
        try:
            api.login()
        except ServerConnectionError as exc:
            api.close()
            raise PaddleFlowSDKException("ConnectionError", str(exc)) from None
        except PaddleFlowError as exc:
            api.close()
            return False, exc.message
        self.close()
        self._api, self.user_id, self.password = api, user_name, password
        return True, None

    def create_job(
        self, job_type: str, job_request: JobRequest | Mapping[str, Any]
    ) -> tuple[bool, str]:
        """Create a job; ``(True, job_id)`` or ``(False, message)``."""
        if job_type is None or job_type not in JOB_TYPES:
            raise PaddleFlowSDKException(
                "InvalidJobType",
                "job_type should not be none and should be single, distributed or workflow",
            )
        request = job_request if isinstance(job_request, JobRequest) else None
        if request is None and isinstance(job_request, Mapping):
            request = JobRequest.from_dict(job_request)
        if request is None:
            raise PaddleFlowSDKException(
                "InvalidJobRequest", "job_request should be a JobRequest or a dict"
            )
        if request.queue is None or request.queue == "":
            raise PaddleFlowSDKException(
                "InvalidJobRequest", "job_request queue should not be none or empty"
            )
        body = build_create_body(request.to_document()).body
        return self._run(lambda api: api.create_job(job_type, body))

    def show_job(self, jobid: str) -> tuple[bool, JobInfo | str]:
        """One job; ``(True, JobInfo)`` or ``(False, message)``."""
        _require_job_id(jobid)
        return self._run(lambda api: JobInfo.from_wire(api.get_job(jobid)))

    def list_job(  # noqa: PLR0917 (the SDK's positional signature)
        self,
        status: str | None = None,
        timestamp: int | str | None = None,
        start_time: str | None = None,
        queue: str | None = None,
        labels: Mapping[str, str] | None = None,
        maxkeys: int | str | None = None,
        marker: str | None = None,
    ) -> tuple[bool, list[JobInfo] | str, str | None]:
        """One page of jobs: ``(True, [JobInfo, ...], next_marker_or_None)`` or
        ``(False, message, None)``."""
        api = self._client()
        try:
            page = api.list_jobs(
                status=status,
                timestamp=timestamp,
                start_time=start_time,
                queue=queue,
                labels=labels,
                max_keys=int(maxkeys) if maxkeys is not None else None,
                marker=marker,
            )
        except ServerConnectionError as exc:
            raise PaddleFlowSDKException("ConnectionError", str(exc)) from None
        except PaddleFlowError as exc:
            return False, exc.message, None
        jobs = [JobInfo.from_wire(job, with_runtime=False) for job in page.jobs]
        return True, jobs, page.next_marker

    def update_job(
        self,
        jobid: str,
        priority: str | None = None,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> tuple[bool, str | None]:
        """Change priority, labels or annotations; ``(True, None)`` or ``(False, message)``."""
        _require_job_id(jobid)
        return self._run(
            lambda api: api.update_job(
                jobid, priority=priority, labels=labels, annotations=annotations
            )
        )

    def stop_job(self, jobid: str) -> tuple[bool, str | None]:
        """Stop a job; ``(True, None)`` or ``(False, message)``."""
        _require_job_id(jobid)
        return self._run(lambda api: api.stop_job(jobid))

    def delete_job(self, jobid: str) -> tuple[bool, str | None]:
        """Delete a finished job; ``(True, None)`` or ``(False, message)``."""
        _require_job_id(jobid)
        return self._run(lambda api: api.delete_job(jobid))

    def _new_api(self, user: str, password: str) -> PaddleFlowClient:
        settings = ClientSettings.for_server(self.paddleflow_server, user, password)
        return PaddleFlowClient(settings, token_cache=TokenCache.in_memory())

    def _client(self) -> PaddleFlowClient:
        if self._api is None:
            if not self.user_id or not self.password:
                raise PaddleFlowSDKException("InvalidOperator", "should login first")
            self._api = self._new_api(self.user_id, self.password)
        return self._api

    def _run(self, call: Callable[[PaddleFlowClient], _Result]) -> tuple[bool, _Result | str]:
        api = self._client()
        try:
            return True, call(api)
        except ServerConnectionError as exc:
            raise PaddleFlowSDKException("ConnectionError", str(exc)) from None
        except PaddleFlowError as exc:
            return False, exc.message or exc.code or f"HTTP {exc.status}"


def _require_job_id(jobid: str | None) -> None:
    if jobid is None or jobid == "":
        raise PaddleFlowSDKException("InvalidJobID", "jobid should not be none or empty")
