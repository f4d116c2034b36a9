"""A drop-in for the PaddleFlow Python SDK's client (``paddleflow.Client``): jobs, queues and
their grants, flavours, users, job logs and the server's version.

Same constructor, method names, parameters and return conventions as PaddleFlow's SDK and its
documentation: each method returns ``(True, result)`` on success and ``(False, message)`` when the
server refuses the request; ``list_job``, ``list_queue`` and ``list_flavour`` return
``(True, [info, ...], next_marker)`` (and ``(False, message, None)``). Client-side checks raise
:class:`PaddleFlowSDKException` as the SDK does. The job methods are here; the queue, grant and
flavour ones in ``pfctl.client.sdk_cluster``, the user, log and version ones in
``pfctl.client.sdk_account``. The value classes (:class:`JobRequest`, :class:`JobInfo`,
:class:`QueueInfo`, ...) are in ``pfctl.client.sdk_models``.

Differences, all in the user's favour: ``login()`` may be called without arguments (it uses the
constructor's credentials), the job methods log in by themselves when ``login()`` was not
called, ``create_job`` takes a :class:`JobRequest` or a wire-shaped dict, requests are retried
when that is safe, and a lost connection raises :class:`PaddleFlowSDKException` with code
``ConnectionError`` instead of failing inside the SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pfctl.client.errors import PaddleFlowError, ServerConnectionError
from pfctl.client.jobfile import build_create_body
from pfctl.client.sdk_account import AccountMethods
from pfctl.client.sdk_cluster import ClusterMethods
from pfctl.client.sdk_models import (
    FileSystem,
    Flavour,
    FlavourInfo,
    GrantInfo,
    JobInfo,
    JobRequest,
    LogInfoByLimit,
    Member,
    QueueInfo,
    UserInfo,
    VersionInfo,
)
from pfctl.client.sdk_session import PaddleFlowSDKException
from pfctl.spec.rules import JOB_TYPES

# The value classes live in sdk_models; the SDK's names are all importable from here too.
__all__ = [
    "Client",
    "FileSystem",
    "Flavour",
    "FlavourInfo",
    "GrantInfo",
    "JobInfo",
    "JobRequest",
    "LogInfoByLimit",
    "Member",
    "PaddleFlowSDKException",
    "QueueInfo",
    "UserInfo",
    "VersionInfo",
]


class Client(ClusterMethods, AccountMethods):
    """PaddleFlow SDK compatible client: ``Client(host, username, password, port=8999)``."""

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


def _require_job_id(jobid: str | None) -> None:
    if jobid is None or jobid == "":
        raise PaddleFlowSDKException("InvalidJobID", "jobid should not be none or empty")
