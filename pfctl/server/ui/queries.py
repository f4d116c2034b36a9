"""What the overview and the job list show, read from the store as the API reads it.

A user sees only their own jobs (root sees every job), exactly as ``GET /job`` filters them, and
the capacity only of the queues granted to them (root: every queue), as ``GET /queue`` lists
them; a queue that holds some of their jobs but is not granted to them shows their job counts
without its capacity.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pfctl.server.apierrors import ApiError
from pfctl.server.state import ServerState
from pfctl.server.store.accounts import is_root
from pfctl.server.store.catalog import QueueRecord
from pfctl.server.store.jobrecords import JobFilter, JobRecord, job_from_list_row
from pfctl.spec import resources, statuses

#: Jobs per page of the list (the API's default page size).
PAGE_SIZE = 50
#: Rows read per step while a text search scans for matches.
_SCAN_STEP = 500
#: Failures the overview lists.
RECENT_FAILURES = 8
#: Statuses the job-count line of a queue shows, in this order.
COUNTED = (
    statuses.INIT,
    statuses.PENDING,
    statuses.RUNNING,
    statuses.TERMINATING,
    statuses.SUCCEEDED,
    statuses.FAILED,
    statuses.TERMINATED,
)
_WAITING = (statuses.INIT, statuses.PENDING)


def owner_filter(user_name: str) -> str | None:
    """The ``user_name`` of a ``JobFilter`` for this caller: None (every job) for root."""
    return None if is_root(user_name) else user_name


@dataclass(frozen=True)
class Bar:
    """One resource of a queue: what running jobs use and what waiting jobs ask, of its max."""

    resource: str
    used: str
    maximum: str
    waiting: str
    used_percent: float
    waiting_percent: float  # the part of the bar after ``used``, clipped at the end
    over: bool  # used + waiting is more than the maximum


@dataclass
class QueueCard:
    """A queue on the overview."""

    name: str
    status: str
    bars: list[Bar]
    counts: dict[str, int] = field(default_factory=dict)
    granted: bool = True  # False: the caller may not see the queue's capacity


def _text(name: str, amount: Decimal) -> str:
    return resources.to_strings({name: amount})[name]


def _bars(
    maximum: Mapping[str, Decimal], used: Mapping[str, Decimal], waiting: Mapping[str, Decimal]
) -> list[Bar]:
    bars = []
    for name, top in maximum.items():
        in_use, asked = used.get(name, Decimal(0)), waiting.get(name, Decimal(0))
        scale = top if top > 0 else Decimal(1)
        used_percent = float(min(Decimal(100), in_use * 100 / scale))
        waiting_percent = float(min(Decimal(100) - Decimal(used_percent), asked * 100 / scale))
        bars.append(
            Bar(
                resource=name,
                used=_text(name, in_use),
                maximum=_text(name, top),
                waiting=_text(name, asked),
                used_percent=round(used_percent, 2),
                waiting_percent=round(max(0.0, waiting_percent), 2),
                over=in_use + asked > top,
            )
        )
    return bars


def queue_cards(state: ServerState, user_name: str) -> list[QueueCard]:
    """Every queue with its capacity bars and the caller's job counts by status."""
    store = state.store
    waiting: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for job in store.list_jobs_in_status(_WAITING):
        request = resources.job_request(job.spec.get("members") or [])
        waiting[job.queue] = resources.add(waiting[job.queue], request)
    counts = status_counts(state, user_name)
    cards = []
    for queue in visible_queues(state, user_name):
        bars = _bars(queue.max_amounts, queue.used_amounts, waiting.get(queue.name, {}))
        cards.append(QueueCard(queue.name, queue.status, bars, counts.get(queue.name, {})))
    shown = {card.name for card in cards}
    for name in sorted(set(counts) - shown):
        cards.append(QueueCard(name, "", [], counts[name], granted=False))
    return cards


def visible_queues(state: ServerState, user_name: str) -> list[QueueRecord]:
    """The queues whose capacity the caller may see: every queue for root, else those granted to
    them (as ``GET /queue`` lists them)."""
    return state.store.catalog.list_queues(
        after_pk=None, limit=10_000, granted_to=owner_filter(user_name)
    )


def queue_names(state: ServerState, user_name: str) -> list[str]:
    """The queues the caller may pick in a filter: those they may see and those holding some of
    their jobs."""
    names = [queue.name for queue in visible_queues(state, user_name)]
    return names + sorted(set(status_counts(state, user_name)) - set(names))


def status_counts(state: ServerState, user_name: str) -> dict[str, dict[str, int]]:
    """``{queue: {status: count}}`` of the jobs the caller sees (one grouped read)."""
    sql = "SELECT queue, status, COUNT(*) FROM jobs WHERE deleted_at IS NULL"
    params: list[str] = []
    owner = owner_filter(user_name)
    if owner is not None:
        sql += " AND user_name = ?"
        params.append(owner)
    rows = state.store.db.connection().execute(f"{sql} GROUP BY queue, status", params)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for queue, status, count in rows.fetchall():
        counts[queue][status] = int(count)
    return counts


def recent_failures(state: ServerState, user_name: str) -> list[JobRecord]:
    """The caller's most recently created failed jobs, newest first."""
    job_filter = JobFilter(user_name=owner_filter(user_name), status=statuses.FAILED)
    return [
        job_from_list_row(row) for row in state.store.list_job_rows(job_filter, RECENT_FAILURES)
    ]


@dataclass(frozen=True)
class JobQuery:
    """The filters of the job list: those of ``pfctl job list`` plus a text search on id and name
    (``text``) and the page ``marker``."""

    status: str = ""
    queue: str = ""
    labels: str = ""  # k=v,k2=v2
    text: str = ""
    marker: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> JobQuery:
        """The query of the page's URL parameters (unknown ones are ignored)."""
        return cls(
            status=params.get("status", "").strip(),
            queue=params.get("queue", "").strip(),
            labels=params.get("labels", "").strip(),
            text=params.get("q", "").strip(),
            marker=params.get("marker", "").strip(),
        )

    def params(self, *, marker: str | None = None) -> dict[str, str]:
        """The URL parameters of this query (of another page with ``marker``), empty ones
        left out."""
        values = {
            "status": self.status,
            "queue": self.queue,
            "labels": self.labels,
            "q": self.text,
            "marker": self.marker if marker is None else marker,
        }
        return {key: value for key, value in values.items() if value}


class QueryRefused(Exception):
    """The filters cannot be applied; the message says why, for the page."""


def parse_labels(text: str) -> dict[str, str] | None:
    """``k=v,k2=v2`` as ``pfctl job list -l`` reads it (None when empty)."""
    if not text:
        return None
    labels: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryRefused(f"labels: expected key=value pairs separated by commas: {item!r}")
        labels[key.strip()] = value.strip()
    return labels or None


@dataclass(frozen=True)
class JobPage:
    """One page of the list and the marker of the next (None on the last page)."""

    jobs: list[JobRecord]
    next_marker: str | None


def job_page(state: ServerState, user_name: str, query: JobQuery) -> JobPage:
    """The page of jobs ``query`` asks for, newest first, through the API's marker paging;
    ``QueryRefused`` for filters the API would refuse."""
    store = state.store
    if query.status and query.status not in statuses.ALL_STATUSES:
        raise QueryRefused(f"no status named {query.status!r}")
    if query.queue and store.get_queue(query.queue) is None:
        raise QueryRefused(f"no queue named {query.queue!r}")
    try:
        before = state.markers.position({"marker": query.marker})
    except ApiError as exc:
        raise QueryRefused("this page's marker is not valid: start from the first page") from exc
    base = JobFilter(
        user_name=owner_filter(user_name),
        status=query.status or None,
        queue=query.queue or None,
        labels=parse_labels(query.labels),
        before_pk=before,
    )
    needle = query.text.casefold()
    if not needle:
        rows = store.list_job_rows(base, PAGE_SIZE + 1)
    else:
        rows = []
        cursor = base
        while len(rows) <= PAGE_SIZE:
            chunk = store.list_job_rows(cursor, _SCAN_STEP)
            rows += [row for row in chunk if needle in f"{row[1]}\n{row[2]}".casefold()]
            if len(chunk) < _SCAN_STEP:
                break
            cursor = dataclasses.replace(base, before_pk=chunk[-1][0])
    page = rows[:PAGE_SIZE]
    more = len(rows) > PAGE_SIZE
    next_marker = state.markers.encode(page[-1][0]) if more and page else None
    return JobPage([job_from_list_row(row) for row in page], next_marker)
