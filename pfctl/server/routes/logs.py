"""``GET /api/paddleflow/v1/log/job``: a job's logs (PaddleFlow's ``getJobLog``).

The checks, their order, codes and messages are PaddleFlow's at the commit PADDLEFLOW_API.md
names (``pkg/apiserver/router/v1/log.go``, ``constructJobLogRequest``): ``clusterName`` must name
a cluster; with ``jobID``, the job (as ``GET /job/{id}``), its queue, and that queue on the
cluster; ``readFromTail`` (a Go bool, may be empty); ``lineLimit`` (default 1000, and 1000 when
outside 1..1,000,000; Go's ``strconv.Atoi`` otherwise); ``sizeLimit`` (a quantity, default
100M, and 100M when outside 1..1G). Every refusal is ``InvalidURI``, HTTP 400. ``jobID`` is
required here: the Kubernetes-resource form without it has nothing to read locally. pfctl's
additions ``role``, ``index``, ``node`` (filters) and ``offset`` (bytes to skip, for following)
come after those. ``eventList`` holds the job's events (``routes.events.event_lines``).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Route

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, Call, endpoint
from pfctl.server.routes.events import event_lines
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


#: PaddleFlow's defaults and bounds (``router/v1/log.go``): a lineLimit outside 1..1,000,000 or
#: a sizeLimit outside 1..1G (both when given and valid) falls back to the default.
DEFAULT_LINE_LIMIT = 1000
MAX_LINE_LIMIT = 1_000_000
MAX_SIZE_LIMIT = 1000 * 1000 * 1000  # "1G"


def _log_query(call: Call, name: str) -> LogQuery:
    """``constructJobLogRequest``'s readFromTail, lineLimit and sizeLimit, then pfctl's own."""
    tail_text = call.query.get("readFromTail", "")
    if tail_text and tail_text not in _GO_BOOLS:
        raise ApiError(
            "InvalidURI",
            f"resource[{name}] request param isReadFromTail value failed, "
            f"error:strconv.ParseBool: parsing {go_quote(tail_text)}: invalid syntax",
        )
    line_text = call.query.get("lineLimit", "")
    line_limit = DEFAULT_LINE_LIMIT
    if line_text:
        try:
            line_limit = go_atoi(line_text)
        except ValueError as error:
            raise ApiError(
                "InvalidURI",
                f"resource[{name}] request param lineLimit value failed, error:{error}",
            ) from None
        if not 0 < line_limit <= MAX_LINE_LIMIT:
            line_limit = DEFAULT_LINE_LIMIT
    size_text = call.query.get("sizeLimit", "")
    size_limit = DEFAULT_SIZE_LIMIT
    if size_text:
        try:
            size_limit = int(resources.parse_amount(_quantity_text(size_text)))
        except ValueError as error:
            raise ApiError(
                "InvalidURI",
                f"resource[{name}] request param sizelimit {size_text}. error:{error}",
            ) from None
        if not 0 < size_limit <= MAX_SIZE_LIMIT:
            size_limit = DEFAULT_SIZE_LIMIT
    return LogQuery(
        line_limit=line_limit,
        size_limit=size_limit,
        read_from_tail=_GO_BOOLS.get(tail_text, False),
        role=call.query.get("role") or None,
        index=_extension_int(call, "index", name),
        node=call.query.get("node") or None,
        offset=_extension_int(call, "offset", name),
    )


def get_job_log(call: Call) -> dict[str, Any]:
    """A job's logs, one entry per replica or workflow node.

    As PaddleFlow's ``getJobLog``, every refusal is ``InvalidURI`` (HTTP 400): the handler sets
    that code for whatever ``constructJobLogRequest`` returns, in its order: the cluster
    (``clusterName`` must name one), the job and its queue (with ``jobID``), the job's queue on
    that cluster, then the parameters."""
    store = call.state.store
    cluster = call.query.get("clusterName", "")
    if not store.catalog.cluster_exists(cluster):
        raise ApiError("InvalidURI", f"get cluster {cluster} failed. err:record not found")
    job_id = call.query.get("jobID", "")
    job = None
    if job_id:
        job = _job_on_cluster(call, job_id, cluster)
    query = _log_query(call, job_id or call.query.get("name", ""))
    if job is None:
        # PaddleFlow reads a Kubernetes pod or deployment by name and namespace here.
        raise ApiError("RequiredFieldEmpty", "jobID is required by the local server")
    response = read_job_logs(call.state.config.data_dir, job, query)
    response["eventList"] = event_lines(store.events.page(job.pk).events, query)
    return response


def _job_on_cluster(call: Call, job_id: str, cluster: str) -> Any:
    """``validateJobInfo``: the job (as ``GET /job/{id}`` would find it), its queue, and that
    queue on ``cluster``."""
    store = call.state.store
    job = store.get_job(job_id)
    if job is None:
        raise ApiError(
            "InvalidURI",
            f"get job by jobID {job_id} failed. err:resouceType[job] with ID[{job_id}] not found",
        )
    if not call.is_root and job.user_name != call.user_name:
        raise ApiError(
            "InvalidURI",
            f"get job by jobID {job_id} failed. err:user[{call.user_name}] has no access to "
            f"resource[job] with ID[{job_id}]",
        )
    queue = store.get_queue(job.queue)
    if queue is None:
        raise ApiError(
            "InvalidURI",
            f"get queue by job {job_id} queue failed. err:queueName[{job.queue}] is not found.\n",
        )
    if cluster != queue.cluster_name:
        raise ApiError("InvalidURI", f"job {job_id} not in cluster {cluster}")
    return job


def routes() -> list[BaseRoute]:
    """The log route, to add to ``pfctl.server.routes.all_routes``."""
    return [Route(f"{API_PREFIX}/log/job", endpoint(get_job_log), methods=["GET"])]
