"""A queue's timeline: each job of the last hour as a row of segments (waiting, running,
finished), drawn server-side as SVG rectangles so it needs no script at all.

A job waits from its acceptance until it starts running (or ends without running), runs until it
finishes, and its running segment takes its final status's colour. Rows are newest first; a job
is in the window when it was still live or changed during the last hour.
"""

from __future__ import annotations

from dataclasses import dataclass

from pfctl.server.state import ServerState
from pfctl.server.store.jobrecords import JobFilter, JobRecord, job_from_list_row
from pfctl.server.store.timefmt import now
from pfctl.server.ui.queries import owner_filter
from pfctl.spec import statuses

WINDOW_SECONDS = 3600.0
#: Rows the timeline shows at most (the newest jobs).
MAX_ROWS = 150
#: The drawing's width in SVG units (the page scales it to the screen).
WIDTH = 1000.0


@dataclass(frozen=True)
class Segment:
    """A part of a job's life: ``kind`` is ``waiting``, ``running`` or the final status's class
    (``succeeded``, ``failed``, ``stopped``); ``x`` and ``width`` in SVG units."""

    kind: str
    x: float
    width: float
    title: str


@dataclass(frozen=True)
class Row:
    """One job of the timeline."""

    job: JobRecord
    segments: list[Segment]


@dataclass(frozen=True)
class Timeline:
    """The rows and the window they are drawn in."""

    queue: str
    start: float
    end: float
    rows: list[Row]
    ticks: list[tuple[float, str]]  # (x, label) of the axis


def _final_class(status: str) -> str:
    if status == statuses.SUCCEEDED:
        return "succeeded"
    if status == statuses.FAILED:
        return "failed"
    return "stopped"


def _segment(
    kind: str, begin: float, end: float, window: tuple[float, float], title: str
) -> list[Segment]:
    start, stop = window
    left, right = max(begin, start), min(end, stop)
    if right <= left:
        return []
    scale = WIDTH / (stop - start)
    width = max(1.0, (right - left) * scale)
    return [Segment(kind, round((left - start) * scale, 2), round(width, 2), title)]


def segments(job: JobRecord, window: tuple[float, float]) -> list[Segment]:
    """The job's waiting and running segments within ``window``."""
    end_of_window = window[1]
    finished = job.finished_at
    if finished is None and statuses.is_final(job.status):
        finished = job.updated_at
    started = job.activated_at
    waited_until = started if started is not None else (finished or end_of_window)
    parts = _segment("waiting", job.accepted_at, waited_until, window, "waiting")
    if started is not None:
        kind = _final_class(job.status) if finished is not None else "running"
        title = job.status if finished is not None else "running"
        parts += _segment(kind, started, finished or end_of_window, window, title)
    return parts


def timeline(state: ServerState, user_name: str, queue: str) -> Timeline:
    """The last hour of ``queue`` as the caller sees it (their jobs; root: all)."""
    end = now()
    start = end - WINDOW_SECONDS
    owner = owner_filter(user_name)
    store = state.store
    recent = store.list_job_rows(
        JobFilter(user_name=owner, queue=queue, updated_since=start), MAX_ROWS
    )
    jobs = {row[1]: job_from_list_row(row) for row in recent}
    live = [status for status in statuses.ALL_STATUSES if not statuses.is_final(status)]
    for job in store.list_jobs_in_status(live):
        if job.queue == queue and (owner is None or job.user_name == owner):
            jobs.setdefault(job.id, job)
    ordered = sorted(jobs.values(), key=lambda job: job.pk, reverse=True)[:MAX_ROWS]
    rows = [Row(job, segments(job, (start, end))) for job in ordered]
    ticks = [
        (WIDTH * quarter / 4, f"-{60 - 15 * quarter}m" if quarter < 4 else "now")
        for quarter in range(5)
    ]
    return Timeline(queue, start, end, [row for row in rows if row.segments], ticks)
