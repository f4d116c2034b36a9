"""The job routes of PaddleFlow's ``router/v1/job.go``: create, show, list, stop, modify, delete.

Error codes, statuses and message texts are PaddleFlow's (PADDLEFLOW_API.md §6), misspellings
included. A non-root caller sees and changes only their own jobs.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, Call, endpoint
from pfctl.server.gojson import EncodedJson, parse_json
from pfctl.server.jobs.listing import encode_job_page
from pfctl.server.jobs.view import job_view
from pfctl.server.paging import max_keys
from pfctl.server.store.jobrecords import JobFilter, JobIdTaken, JobRecord
from pfctl.server.store.timefmt import parse_time
from pfctl.spec import statuses
from pfctl.spec.rules import JOB_TYPES, UPDATE_PRIORITIES


def _no_access(call: Call, job_id: str) -> str:
    return f"user[{call.user_name}] has no access to resource[job] with ID[{job_id}]"


def _owned_job(call: Call, job_id: str, context: str, not_found: str) -> JobRecord:
    """The job, if the caller may touch it; else JobNotFound / ActionNotAllowed."""
    job = call.state.store.get_job(job_id)
    if job is None:
        raise ApiError("JobNotFound", f"{context}{not_found}")
    if not call.is_root and job.user_name != call.user_name:
        raise ApiError("ActionNotAllowed", f"{context}{_no_access(call, job_id)}")
    return job


def _check_queue_granted(call: Call, queue: str) -> None:
    """``pfctl server run --require-queue-grants``: a non-root user creates jobs only in the
    queues root granted them (a rule of the local server; PaddleFlow's create does not check)."""
    if not call.state.store.grants.has_access(call.user_name, "queue", queue):
        raise ApiError(
            "AccessDenied",
            f"user[{call.user_name}] has no access to queue[{queue}]: this server lets a user "
            "submit only to the queues granted to them (POST /grant, as root)",
        )


def _create(job_type: str) -> Any:
    def create_job(call: Call) -> dict[str, Any]:
        from pfctl.server.jobs.create import build_new_job
        from pfctl.server.jobs.decode import decode_job_body

        body = decode_job_body(job_type, call.json_body())
        new_job = build_new_job(call.state.store, job_type, body, call.user_name)
        if call.state.config.require_queue_grants:
            _check_queue_granted(call, new_job.queue)
        try:
            call.state.store.create_job(new_job)
        except JobIdTaken as exc:
            raise ApiError(
                "JobCreateFailed",
                f"create job[{new_job.id}] in database faield, err: "
                f"job {new_job.id} exists ({exc})",
            ) from exc
        call.state.runtime.job_created(new_job.id)
        return {"id": new_job.id}

    create_job.__name__ = f"create_{job_type}_job"
    create_job.__doc__ = f'Create a {job_type} job; ``{{"id": JOB_ID}}``.'
    return create_job


def show_job(call: Call) -> dict[str, Any]:
    """One job, with its runtime info."""
    job_id = call.path_params["jobID"]
    job = _owned_job(call, job_id, "", f"resouceType[job] with ID[{job_id}] not found")
    return job_view(job, with_runtime=True)


def _list_filter(call: Call) -> JobFilter:
    query = call.query
    updated_since = activated_since = None
    labels: dict[str, str] | None = None
    if query.get("timestamp"):
        text = query["timestamp"]
        try:
            updated_since = float(int(text))
        except ValueError as exc:
            raise ApiError(
                "InvalidURI", f'strconv.ParseInt: parsing "{text}": invalid syntax'
            ) from exc
        if updated_since < 0:
            raise ApiError("InvalidURI", f"invalid timestamp params[{text}]")
    if query.get("startTime"):
        try:
            activated_since = parse_time(query["startTime"])
        except ValueError as exc:
            raise ApiError("InvalidURI", f"invalid startTime params[{query['startTime']}]") from exc
    queue = query.get("queue") or None
    if queue is not None and call.state.store.get_queue(queue) is None:
        raise ApiError("QueueNameNotFound", f"queue[{queue}] not found")
    if query.get("labels"):
        try:
            parsed = parse_json(query["labels"])
        except ValueError as exc:
            raise ApiError("InvalidURI", f"invalid labels params[{query['labels']}]") from exc
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise ApiError("InvalidURI", f"invalid labels params[{query['labels']}]")
        labels = parsed
    return JobFilter(
        user_name=None if call.is_root else call.user_name,
        status=query.get("status") or None,
        updated_since=updated_since,
        activated_since=activated_since,
        queue=queue,
        labels=labels,
        before_pk=call.state.markers.position(query),
    )


def list_jobs(call: Call) -> EncodedJson:
    """A page of jobs, newest first; follow ``nextMarker`` for the next page."""
    limit = max_keys(call.query)
    rows = call.state.store.list_job_rows(_list_filter(call), limit + 1)
    return encode_job_page(rows, limit, call.state.markers, call.state.job_elements)


def _stop(call: Call, job_id: str) -> None:
    context = "stop job failed, err: "
    job = _owned_job(call, job_id, context, "record not found")
    stopped, previous = call.state.store.request_stop(job.id, by=call.user_name)
    if stopped is None:
        raise ApiError("JobNotFound", f"{context}record not found")
    if statuses.is_final(previous):
        raise ApiError(
            "",
            f"{context}job {job_id} status is already {previous}, and job cannot be stopped",
        )
    if stopped.status == statuses.TERMINATING:
        call.state.runtime.job_stop_requested(job_id)


def _modify(call: Call, job_id: str) -> None:
    from pfctl.server.jobs.decode import decode_job_body

    body = decode_job_body("update", call.json_body())
    priority = str(body.get("priority", "")).upper()
    if priority and priority not in UPDATE_PRIORITIES:  # "" leaves the priority as it is
        raise ApiError("InvalidArguments", f"the priorty {body.get('priority')} is invalid")
    context = "update job failed, err: "
    _owned_job(call, job_id, context, "record not found")
    job, refused = call.state.store.update_job_fields(
        job_id,
        priority=priority or None,
        labels=body.get("labels"),
        annotations=body.get("annotations"),
    )
    if job is None:
        raise ApiError("JobNotFound", f"{context}record not found")
    if refused is not None:
        raise ApiError(
            "ActionNotAllowed",
            f"{context}the status of job {job_id} is {refused}, job priority cannot be updated",
        )
    if priority:
        call.state.runtime.job_priority_changed(job_id)


def put_job(call: Call) -> None:
    """``?action=stop`` stops the job; ``?action=modify`` changes priority, labels, annotations."""
    job_id = call.path_params["jobID"]
    action = call.query.get("action", "")
    if action == "stop":
        _stop(call, job_id)
    elif action == "modify":
        _modify(call, job_id)
    else:
        raise ApiError("ActionNotAllowed")


def delete_job(call: Call) -> None:
    """Delete a job in a final status (soft: its id can be used again)."""
    job_id = call.path_params["jobID"]
    context = "delete job failed, err: "
    job = _owned_job(call, job_id, context, f"get job {job_id} failed, err: record not found")
    deleted_job, deleted = call.state.store.delete_job(job.id)
    if deleted_job is None:
        raise ApiError("JobNotFound", f"{context}get job {job_id} failed, err: record not found")
    if not deleted:
        raise ApiError(
            "ActionNotAllowed",
            f"{context}job {job_id} status is {deleted_job.status}, please stop it first.",
        )


def routes() -> list[Route]:
    """The job routes."""
    job = f"{API_PREFIX}/job"
    return [
        *(
            Route(f"{job}/{job_type}", endpoint(_create(job_type)), methods=["POST"])
            for job_type in JOB_TYPES
        ),
        Route(job, endpoint(list_jobs), methods=["GET"]),
        Route(f"{job}/{{jobID}}", endpoint(show_job), methods=["GET"]),
        Route(f"{job}/{{jobID}}", endpoint(put_job), methods=["PUT"]),
        Route(f"{job}/{{jobID}}", endpoint(delete_job), methods=["DELETE"]),
    ]
