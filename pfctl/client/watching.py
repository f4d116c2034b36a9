"""Watching jobs: what `pfctl job list -w` and `pfctl job show -w` print as jobs change.

Where the server offers PaddleFlow's ``/wsjob`` stream (:mod:`pfctl.client.stream`), the changes
come from it: one connection however many jobs, and no request per change. The stream carries
every job of the user, so the list's filters are applied here. Right after the stream opens, and
after each reconnection, one listing of the jobs updated since the stream was last known alive
catches up what it did not carry.

Otherwise (no stream, or ``PFCTL_WATCH=poll``) each poll lists only the jobs updated since the
previous one (PaddleFlow's ``timestamp`` filter), counted from the server's own clock (its
``Date`` header), so a poll costs one request however many jobs there are. A server that sends no
``Date`` is listed in full each poll. `show -w` reads its jobs with one GET each per poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pfctl.client.errors import NotFoundError
from pfctl.client.stream import JobStream, StreamUnavailable
from pfctl.client.waiting import GONE, GONE_MESSAGE, changes_since
from pfctl.spec.statuses import is_final

if TYPE_CHECKING:
    from pfctl.client.api import JobPage

#: Seconds one wait for stream frames lasts before it is started again (nothing is sent).
STREAM_WAIT = 5.0
#: While a stream is read, jobs watched by id are also read with a GET this often (a deleted
#: job is on no stream).
RECHECK_SECONDS = 30.0


class PageLister(Protocol):
    """What watching needs from :class:`pfctl.client.api.PaddleFlowClient`."""

    def list_jobs(self, **filters: Any) -> JobPage: ...


class JobGetter(Protocol):
    """What watching jobs by id needs."""

    def get_job(self, job_id: str) -> dict[str, Any]: ...


def watch_changes(
    client: PageLister,
    first: JobPage,
    filters: Mapping[str, Any],
    *,
    interval: float,
    stream: JobStream | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """After the page ``first`` was shown, every job of ``filters`` whose status, labels,
    annotations or priority change (or that is new), as it is seen; never ends by itself.
    Read from ``stream`` while it lasts, then by polling every ``interval`` seconds."""
    seen = {str(job.get("id")): _state(job) for job in first.jobs}
    since = changes_since(first.server_time)
    if stream is not None:
        offset = None if first.server_time is None else first.server_time - time.time()
        try:
            yield from _stream_changes(client, stream, filters, seen, offset=offset, since=since)
        except StreamUnavailable as exc:
            stream.notice(f"{exc}; polling every {interval:g} s instead")
            since = None
    while True:
        sleep(interval)
        query = dict(filters)
        if since is not None:
            query["timestamp"] = since
        page = client.list_jobs(max_keys=1000, **query)
        if page.server_time is not None:
            since = changes_since(page.server_time)
        yield from _changed(page.jobs, seen)


def _stream_changes(
    client: PageLister,
    stream: JobStream,
    filters: Mapping[str, Any],
    seen: dict[str, tuple[Any, ...]],
    *,
    offset: float | None,
    since: int | None,
) -> Iterator[dict[str, Any]]:
    """The changes the stream carries, and those of a listing after each (re)connection: the
    first lists the jobs updated ``since`` the shown list, the next ones those updated since
    the stream was last known alive (by the server's clock, ``offset`` from this one's)."""
    alive = time.time()
    catch_up = True
    while True:
        if catch_up:
            query = dict(filters)
            if since is not None:
                query["timestamp"] = since
            page = client.list_jobs(max_keys=1000, **query)
            if page.server_time is not None:
                offset = page.server_time - time.time()
            yield from _changed(page.jobs, seen)
        news = stream.receive(STREAM_WAIT)
        catch_up = news.reconnected
        if news.reconnected:
            since = None if offset is None else changes_since(alive + offset)
        else:
            alive = time.time()
        yield from _changed([job for job in news.jobs if _matches(job, filters)], seen)


def watch_jobs(
    client: JobGetter,
    jobs: Sequence[Mapping[str, Any]],
    *,
    interval: float,
    stream: JobStream | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[dict[str, Any]]:
    """After ``jobs`` were shown, each change of one of them (a job deleted meanwhile comes as
    ``{"id", "status": "gone"}``), until every one is final or gone."""
    seen = {str(job.get("id")): _state(job) for job in jobs}
    open_ids = [job_id for job, job_id in zip(jobs, seen, strict=True) if not _ended(job)]
    checked = clock() - RECHECK_SECONDS  # read them once the stream is open: what came between
    while open_ids:
        if stream is not None:
            try:
                news = stream.receive(min(STREAM_WAIT, RECHECK_SECONDS))
            except StreamUnavailable as exc:
                stream.notice(f"{exc}; polling every {interval:g} s instead")
                stream = None
                continue
            changed = [job for job in news.jobs if job.get("id") in open_ids]
            if news.reconnected or clock() - checked >= RECHECK_SECONDS:
                checked = clock()
                changed += _get_each(client, open_ids)
        else:
            sleep(interval)
            changed = _get_each(client, open_ids)
        for job in _changed(changed, seen):
            if _ended(job):
                open_ids.remove(str(job.get("id")))
            yield job


def _get_each(client: JobGetter, job_ids: Sequence[str]) -> list[dict[str, Any]]:
    jobs = []
    for job_id in job_ids:
        try:
            jobs.append(client.get_job(job_id))
        except NotFoundError:
            jobs.append({"id": job_id, "status": GONE, "message": GONE_MESSAGE})
    return jobs


def _changed(
    jobs: Sequence[Mapping[str, Any]], seen: dict[str, tuple[Any, ...]]
) -> Iterator[dict[str, Any]]:
    for job in jobs:
        job_id = str(job.get("id"))
        state = _state(job)
        if seen.get(job_id) != state:
            seen[job_id] = state
            yield dict(job)


def _ended(job: Mapping[str, Any]) -> bool:
    status = str(job.get("status") or "")
    return status == GONE or is_final(status)


def _matches(job: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    """Whether a job of the stream passes the list's filters (the server applies them to a
    listing; the stream carries every job)."""
    status, queue = filters.get("status"), filters.get("queue")
    if status and job.get("status") != status:
        return False
    policy = job.get("schedulingPolicy")
    if queue and (not isinstance(policy, Mapping) or policy.get("queue") != queue):
        return False
    labels = filters.get("labels") or {}
    have = job.get("labels")
    have = have if isinstance(have, Mapping) else {}
    if any(have.get(key) != value for key, value in labels.items()):
        return False
    start_time = filters.get("start_time")
    return not start_time or str(job.get("startTime") or "") >= str(start_time)


def _state(job: Mapping[str, Any]) -> tuple[Any, ...]:
    policy = job.get("schedulingPolicy") or {}
    return (
        job.get("status"),
        repr(job.get("labels")),
        repr(job.get("annotations")),
        policy.get("priority") if isinstance(policy, dict) else None,
    )
