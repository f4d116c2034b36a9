"""A job's events: ``GET /api/pfctl/v1/job/{jobID}/events?after=SEQ`` (pfctl's own route), and
their lines in the ``eventList`` of ``GET /log/job`` in PaddleFlow's form.

The route answers ``{"jobID", "events": [...], "dropped", "lastSeq"}`` with the events whose
``seq`` is greater than ``after`` (default 0), oldest first (``pfctl.server.store.events``). A job
of another user answers exactly as a missing job: ``JobNotFound``, HTTP 404.

``event_lines`` writes each event as PaddleFlow's ``formatAllEventLogs`` writes a Kubernetes event
(``type: T\\treason: R\\teventsTime: TIME \\tmessage: M``, the time in PaddleFlow's
``YYYY-MM-DD HH:MM:SS``), then keeps the lines the log request's ``lineLimit``, ``sizeLimit`` and
``readFromTail`` allow, as its ``SlicePaging`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Route

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import Call, endpoint
from pfctl.server.runtime.logs import LogQuery
from pfctl.server.store.events import JobEvent
from pfctl.server.store.jobrecords import JobRecord
from pfctl.server.store.timefmt import format_time

EVENTS_PATH = "/api/pfctl/v1/job/{jobID}/events"

#: Each event kind as a Kubernetes event: its type and reason.
_TYPE_AND_REASON = {
    "accepted": ("Normal", "Accepted"),
    "queued": ("Normal", "Queued"),
    "waiting": ("Warning", "Unschedulable"),
    "scheduled": ("Normal", "Scheduled"),
    "replica-started": ("Normal", "Started"),
    "replica-exited": ("Normal", "Exited"),
    "replica-restarted": ("Warning", "Restarted"),
    "stop-requested": ("Normal", "StopRequested"),
    "term-sent": ("Normal", "Killing"),
    "kill-sent": ("Warning", "Killing"),
    "finished": ("Normal", "Finished"),
    "failed-to-start": ("Warning", "FailedStart"),
}


def _type_and_reason(event: JobEvent) -> tuple[str, str]:
    event_type, reason = _TYPE_AND_REASON.get(event.kind, ("Normal", event.kind))
    failed_exit = event.kind == "replica-exited" and event.fields.get("exitCode") not in (0, None)
    failed_job = event.kind == "finished" and event.fields.get("detail", {}).get("status") in (
        "failed",
        "terminated",
    )
    return ("Warning" if failed_exit or failed_job else event_type), reason


def event_line(event: JobEvent) -> str:
    """One event as ``formatAllEventLogs`` writes one."""
    event_type, reason = _type_and_reason(event)
    return (
        f"type: {event_type}\treason: {reason}\teventsTime: {format_time(event.time)} "
        f"\tmessage: {event.message}"
    )


def event_lines(events: Sequence[JobEvent], query: LogQuery) -> list[str]:
    """The ``eventList`` of a log response: the lines ``SlicePaging`` keeps of the events."""
    lines = [event_line(event) for event in events]
    size = sum(len(line.encode()) for line in lines)
    line_limit = query.line_limit
    if size > query.size_limit:
        line_limit = min(line_limit, query.size_limit * len(lines) // size)
    if query.read_from_tail:
        start = len(lines) - line_limit
        return lines[start:] if start > 0 else lines
    return lines[:line_limit] if line_limit < len(lines) else lines


def visible_job(call: Call, job_id: str) -> JobRecord:
    """The job, when the caller may see it; else ``JobNotFound`` (another user's job too)."""
    job = call.state.store.get_job(job_id)
    if job is None or (not call.is_root and job.user_name != call.user_name):
        raise ApiError("JobNotFound", f"resouceType[job] with ID[{job_id}] not found")
    return job


def job_events(call: Call) -> dict[str, Any]:
    """The job's events after ``after`` (a ``seq``; default 0: all that are kept)."""
    job = visible_job(call, call.path_params["jobID"])
    text = call.query.get("after", "")
    after = 0
    if text:
        if not text.isascii() or not text.isdigit():
            raise ApiError("InvalidURI", f"after must be a whole number >= 0, not {text!r}")
        after = int(text)
    return call.state.store.events.page(job.pk, after=after, job_id=job.id).to_json()


def routes() -> list[BaseRoute]:
    """The events route, to add to ``pfctl.server.routes.all_routes``."""
    return [Route(EVENTS_PATH, endpoint(job_events), methods=["GET"])]
