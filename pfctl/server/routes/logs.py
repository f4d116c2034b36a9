"""``GET /api/paddleflow/v1/log/job``: a job's logs (PaddleFlow's ``getPFJobLogs``).

The checks, their order, codes and messages are PaddleFlow's (``pkg/apiserver/router/v1/log.go``):
the job (as ``GET /job/{id}``), its queue, ``clusterName`` (must equal the queue's cluster; a
mismatch is PaddleFlow's ``code ""`` HTTP 500), ``readFromTail`` (Go bool, may be empty),
``lineLimit`` (REQUIRED: Go's ``strconv.Atoi``, so missing or empty is ``InvalidURI``) and
``sizeLimit`` (a quantity such as ``100MB``, default 100MB). ``jobID`` is required here: the
Kubernetes-resource form without it has nothing to read locally. pfctl's additions ``role``,
``index``, ``node`` (filters) and ``offset`` (bytes to skip, for following) come after those.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Route

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, Call, endpoint
from pfctl.server.runtime.logs import DEFAULT_SIZE_LIMIT, LogQuery, read_job_logs
from pfctl.spec import resources

_GO_BOOLS = {
    "1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
    "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False,
}  # fmt: skip
_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GO_ESCAPES |= {"\v": "\\v", '"': '\\"', "\\": "\\\\"}
_UINT64_MAX = 2**64 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def go_quote(text: str) -> str:
    """``text`` as Go's ``strconv.Quote`` writes it (how Go's parse errors show their input)."""
    parts = ['"']
    for char in text:
        if char in _GO_ESCAPES:
            parts.append(_GO_ESCAPES[char])
        elif char.isprintable() and (char == " " or not char.isspace()):
            parts.append(char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            parts.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(f"\\U{ord(char):08x}")
    return "".join([*parts, '"'])


def go_atoi(text: str) -> int:
    """Go's ``strconv.Atoi`` (64-bit): an optional sign and ASCII digits, in int64 range.

    Raises ValueError with Go's message, e.g. ``strconv.Atoi: parsing "": invalid syntax``.
    """
    digits = text[1:] if text[:1] in ("+", "-") else text
    value = 0
    reason = "invalid syntax" if not digits else ""
    for char in digits:
        if not "0" <= char <= "9":
            reason = "invalid syntax"
            break
        value = value * 10 + ord(char) - ord("0")
        if value > _UINT64_MAX:  # Go's unsigned scan stops at the first overflow
            reason = "value out of range"
            break
    value = -value if text[:1] == "-" else value
    if not reason and not _INT64_MIN <= value <= _INT64_MAX:
        reason = "value out of range"
    if reason:
        raise ValueError(f"strconv.Atoi: parsing {go_quote(text)}: {reason}")
    return value


def _extension_int(call: Call, name: str, job_id: str) -> int | None:
    """pfctl's own integer parameters (``index``, ``offset``): absent or a number >= 0."""
    raw = call.query.get(name, "")
    if raw == "":
        return None
    try:
        value = go_atoi(raw)
    except ValueError as error:
        raise ApiError(
            "InvalidURI", f"resource[{job_id}] request param {name} value failed, error:{error}"
        ) from None
    if value < 0:
        raise ApiError("InvalidURI", f"resource[{job_id}] request param {name} must be >= 0")
    return value


def _quantity_text(text: str) -> str:
    """``100MB``/``100KB`` (the SDK's forms) as Kubernetes quantities (``100M``/``100k``)."""
    text = text.removesuffix("B")
    return text[:-1] + "k" if text.endswith("K") else text


def _log_query(call: Call, job_id: str) -> LogQuery:
    """Steps 4-6 of ``getPFJobLogs`` (readFromTail, lineLimit, sizeLimit), then pfctl's own."""
    tail_text = call.query.get("readFromTail", "")
    if tail_text and tail_text not in _GO_BOOLS:
        raise ApiError(
            "InvalidURI",
            f"job[{job_id}] request param isReadFromTail value failed, error:strconv.ParseBool: "
            f"parsing {go_quote(tail_text)}: invalid syntax",
        )
    try:
        line_limit = go_atoi(call.query.get("lineLimit", ""))
    except ValueError as error:
        raise ApiError(
            "InvalidURI", f"resource[{job_id}] request param lineLimit value failed, error:{error}"
        ) from None
    size_text = call.query.get("sizeLimit", "")
    size_limit = DEFAULT_SIZE_LIMIT
    if size_text:
        try:
            size_limit = int(resources.parse_amount(_quantity_text(size_text)))
        except ValueError as error:
            raise ApiError(
                "InvalidURI",
                f"resource[{job_id}] request param sizelimit {size_text}. error:{error}",
            ) from None
    if line_limit < 0:  # PaddleFlow passes it on to Kubernetes; here it is refused
        raise ApiError("InvalidURI", f"resource[{job_id}] request param lineLimit must be >= 0")
    return LogQuery(
        line_limit=line_limit,
        size_limit=max(0, size_limit),
        read_from_tail=_GO_BOOLS.get(tail_text, False),
        role=call.query.get("role") or None,
        index=_extension_int(call, "index", job_id),
        node=call.query.get("node") or None,
        offset=_extension_int(call, "offset", job_id),
    )


def get_job_log(call: Call) -> dict[str, Any]:
    """A job's logs, one entry per replica or workflow node.

    As on PaddleFlow, ``lineLimit`` (an integer) and ``clusterName`` (the cluster of the job's
    queue) are required: without them the answer is an error, not the logs."""
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
    queue = store.get_queue(job.queue)
    if queue is None:
        raise ApiError(
            "QueueNameNotFound",
            f"get queue by job {job_id} queue failed. err:queueName[{job.queue}] is not found.\n",
        )
    cluster = call.query.get("clusterName", "")
    if cluster != queue.cluster_name:
        # PaddleFlow renders this with the request's error code, still unset here: code "", 500.
        raise ApiError("", f"job {job_id} not in cluster {cluster}")
    return read_job_logs(call.state.config.data_dir, job, _log_query(call, job_id))


def routes() -> list[BaseRoute]:
    """The log route, to add to ``pfctl.server.routes.all_routes``."""
    return [Route(f"{API_PREFIX}/log/job", endpoint(get_job_log), methods=["GET"])]
