"""``GET /api/paddleflow/v1/log/job``: a job's logs (PaddleFlow's ``getPFJobLogs``).

Query: ``jobID`` (required here: the Kubernetes-resource form without it has nothing to read
locally), ``lineLimit`` (default 1000), ``sizeLimit`` (a quantity such as ``100MB``, default
100MB), ``readFromTail`` (Go bool), ``clusterName`` (checked only when given); pfctl's additions
``role``, ``index``, ``node`` (filters) and ``offset`` (bytes to skip, for following).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Route

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, Call, endpoint
from pfctl.server.runtime.logs import (
    DEFAULT_LINE_LIMIT,
    DEFAULT_SIZE_LIMIT,
    LogQuery,
    read_job_logs,
)

_GO_BOOLS = {
    "1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
    "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False,
}  # fmt: skip


def _int_param(call: Call, name: str, default: int | None, job_id: str) -> int | None:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            "InvalidURI",
            f"resource[{job_id}] request param {name} value failed, error:strconv.Atoi: "
            f'parsing "{raw}": invalid syntax',
        ) from None
    if value < 0:
        raise ApiError("InvalidURI", f"resource[{job_id}] request param {name} must be >= 0")
    return value


def _quantity_text(text: str) -> str:
    """``100MB``/``100KB`` (the SDK's forms) as Kubernetes quantities (``100M``/``100k``)."""
    text = text.removesuffix("B")
    return text[:-1] + "k" if text.endswith("K") else text


def _log_query(call: Call, job_id: str) -> LogQuery:
    from pfctl.quantity import parse_quantity

    tail_text = call.query.get("readFromTail", "")
    if tail_text and tail_text not in _GO_BOOLS:
        raise ApiError(
            "InvalidURI",
            f"job[{job_id}] request param isReadFromTail value failed, error:strconv.ParseBool: "
            f'parsing "{tail_text}": invalid syntax',
        )
    size_text = call.query.get("sizeLimit", "")
    size_limit = DEFAULT_SIZE_LIMIT
    if size_text:
        try:
            size_limit = int(parse_quantity(_quantity_text(size_text)))
        except ValueError as error:
            raise ApiError(
                "InvalidURI",
                f"resource[{job_id}] request param sizelimit {size_text}. error:{error}",
            ) from None
    return LogQuery(
        line_limit=_int_param(call, "lineLimit", DEFAULT_LINE_LIMIT, job_id) or 0,
        size_limit=max(0, size_limit),
        read_from_tail=_GO_BOOLS.get(tail_text, False),
        role=call.query.get("role") or None,
        index=_int_param(call, "index", None, job_id),
        node=call.query.get("node") or None,
        offset=_int_param(call, "offset", None, job_id),
    )


def get_job_log(call: Call) -> dict[str, Any]:
    """A job's logs, one entry per replica or workflow node."""
    job_id = call.query.get("jobID", "")
    if not job_id:
        raise ApiError("RequiredFieldEmpty", "jobID is required by the local server")
    store = call.state.store
    job = store.get_job(job_id)
    if job is None:
        raise ApiError(
            "JobNotFound",
            f"get job by jobID {job_id} failed. err:resouceType[job] with ID[{job_id}] not found",
        )
    if not call.is_root and job.user_name != call.user_name:
        raise ApiError(
            "ActionNotAllowed",
            f"get job by jobID {job_id} failed. err:user[{call.user_name}] has no access to "
            f"resource[job] with ID[{job_id}]",
        )
    cluster = call.query.get("clusterName", "")
    queue = store.get_queue(job.queue)
    if cluster and queue is not None and queue.cluster_name != cluster:
        raise ApiError("InvalidArguments", f"job {job_id} not in cluster {cluster}")
    return read_job_logs(call.state.config.data_dir, job, _log_query(call, job_id))


def routes() -> list[BaseRoute]:
    """The log route, to add to ``pfctl.server.routes.all_routes``."""
    return [Route(f"{API_PREFIX}/log/job", endpoint(get_job_log), methods=["GET"])]
