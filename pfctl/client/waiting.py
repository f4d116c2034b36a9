"""Waiting for jobs to reach a final status, at about one request per poll however many jobs.

Each poll reads the jobs still waited for through a :class:`JobFeed`; :func:`job_feed` picks it:

* :class:`JobListings`, for a client that can list (:class:`JobLister`). A *full read* lists
  every job of the label filter (one request per 1,000 jobs) and reads with a GET each job the
  listing missed: a 404 means the job is gone; a job that exists means the label filter cannot
  be trusted (a real PaddleFlow server's may return nothing, PADDLEFLOW_API.md §13 item 5), so
  the feed reads without it from then on. Without labels a full read is one GET per job; given
  ``learn_labels`` (label keys, e.g. pfctl's apply-set and managed-by labels, for `pfctl job
  wait`, which knows only ids), the first such read takes as filter the first of those keys
  that every job read carries with one same value, and the next poll is a full read with it
  (checking at once that the server honours it). The
  polls in between list only the jobs updated since the previous poll (``timestamp``), usually
  one page. That time is the server's own clock (the ``Date`` header of the previous poll's
  first answer, less :data:`DATE_MARGIN`), so a client clock that is off changes nothing; a
  server that sends no date gets a full read every poll. A full read comes back every
  ``full_every`` polls: a job deleted meanwhile is in no listing, and only a full read finds it.
  One job left to wait for is read with a GET, which costs what a list costs.
* :class:`JobGets`, for a client that can only ``get_job``: one GET per job per poll.

* :class:`pfctl.client.stream_feed.StreamFeed`, where the server offers PaddleFlow's ``/wsjob``
  stream: one of the above reads every job once, then again after each reconnection of the stream
  and every 30 s (a deleted job is on no stream); in between the stream brings the changes, and
  the wait wakes as soon as one of its jobs changes instead of at the next poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pfctl.spec.statuses import UNSUCCESSFUL_STATUSES, is_final

if TYPE_CHECKING:
    from pfctl.client.api import JobPage

#: The status waiting gives a job that no longer exists (not a PaddleFlow status).
GONE = "gone"
#: The message of a job that no longer exists.
GONE_MESSAGE = "not found: the job was deleted, or never existed"
#: Jobs per list page (PaddleFlow's largest page).
PAGE_SIZE = 1000
#: Seconds taken off the server's ``Date`` for the next ``timestamp`` filter: the header has whole
#: seconds and may be written a little after the server read its database.
DATE_MARGIN = 1


def changes_since(server_time: float | None) -> int | None:
    """The ``timestamp`` filter that lists every job updated since a listing answered at
    ``server_time`` (its ``Date``), less :data:`DATE_MARGIN`; None without a server time."""
    return None if server_time is None else max(int(server_time) - DATE_MARGIN, 0)


#: A full read every this many polls (the others list only what changed).
FULL_READ_EVERY = 30

#: What a feed read: for each job waited for that it has news of, the job object, or None for a
#: job that no longer exists. A job it says nothing about has not changed.
JobNews = Mapping[str, dict[str, Any] | None]


class JobReader(Protocol):
    """What waiting needs at least from a client: :meth:`PaddleFlowClient.get_job`."""

    def get_job(self, job_id: str) -> dict[str, Any]: ...


@runtime_checkable
class JobLister(Protocol):
    """A client that can also list jobs (:class:`pfctl.client.api.PaddleFlowClient`)."""

    def get_job(self, job_id: str) -> dict[str, Any]: ...

    def get_job_with_date(self, job_id: str) -> tuple[dict[str, Any], float | None]: ...

    def iter_job_pages(self, *, page_size: int = ..., **filters: Any) -> Iterator[JobPage]: ...


class JobFeed(Protocol):
    """Where a wait reads the jobs it waits for, once per poll."""

    def read(self, pending: Sequence[str]) -> JobNews:
        """News of the jobs in ``pending`` (at least of each one on the first call)."""
        ...


@runtime_checkable
class PacedFeed(Protocol):
    """A feed that waits for news itself (a stream) instead of the wait's sleep."""

    def read(self, pending: Sequence[str]) -> JobNews: ...

    def wait_for_news(self, pending: Sequence[str], seconds: float) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class WaitProgress:
    """Where a wait stands after a poll: the last status of every job waited for (``""`` before
    it was first read, :data:`GONE` for a job that no longer exists) and the seconds since it
    began."""

    statuses: Mapping[str, str]
    elapsed: float


@dataclass
class WaitResult:
    """The last job object seen for each id, and the ids still not final at the deadline.

    A job that disappeared is kept as ``{"id", "status": GONE, "message": GONE_MESSAGE}``."""

    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)

    @property
    def unsuccessful(self) -> list[str]:
        """Ids of jobs that ended failed, terminated, cancelled or preempted."""
        return [
            job_id
            for job_id, job in self.jobs.items()
            if job.get("status") in UNSUCCESSFUL_STATUSES
        ]

    @property
    def gone(self) -> list[str]:
        """Ids of jobs that no longer exist (deleted while waited for, or never there)."""
        return [job_id for job_id, job in self.jobs.items() if job.get("status") == GONE]

    @property
    def ok(self) -> bool:
        """Every job finished, none unsuccessfully, none disappeared."""
        return not self.pending and not self.unsuccessful and not self.gone


class JobGets:
    """One ``GET /job/{id}`` per job per poll: for a client that cannot list."""

    def __init__(self, client: JobReader) -> None:
        self.client = client

    def read(self, pending: Sequence[str]) -> JobNews:
        """Every job of ``pending``, read now."""
        from pfctl.client.errors import NotFoundError

        news: dict[str, dict[str, Any] | None] = {}
        for job_id in pending:
            try:
                news[job_id] = self.client.get_job(job_id)
            except NotFoundError:
                news[job_id] = None
        return news


class JobListings:
    """List requests filtered by ``labels`` (see the module's docstring): a full read first and
    every ``full_every`` polls, the jobs updated since the previous poll in between."""

    def __init__(
        self,
        client: JobLister,
        labels: Mapping[str, str] | None = None,
        *,
        full_every: int = FULL_READ_EVERY,
        page_size: int = PAGE_SIZE,
        learn_labels: Sequence[str] = (),
    ) -> None:
        self.client = client
        #: The label filter; None once it missed a job that exists (or when none was given).
        self.labels = dict(labels) if labels else None
        #: Label keys a filter may be learnt from (emptied once one was tried, or one was given).
        self.learn_labels: tuple[str, ...] = () if self.labels else tuple(learn_labels)
        self.full_every = max(full_every, 1)
        self.page_size = page_size
        #: The ``timestamp`` of the next listing of changes; None: the next read is a full one.
        self.since: int | None = None
        self._changes_left = 0

    def read(self, pending: Sequence[str]) -> JobNews:
        """News of ``pending``: all of them on a full read, the changed ones otherwise."""
        if len(pending) <= 1:
            return self._get_each(pending)
        news: JobNews
        if self.since is not None and self._changes_left > 0:
            self._changes_left -= 1
            news, server_time = self._list(pending, timestamp=self.since)
        else:
            self._changes_left = self.full_every - 1
            news, server_time = self._full_read(pending)
        self.since = changes_since(server_time)
        return news

    def _full_read(self, pending: Sequence[str]) -> tuple[JobNews, float | None]:
        if self.labels is None:
            read, server_time = self._get_each_dated(pending)
            if self.learn_labels:
                self.labels = common_label(read.values(), self.learn_labels)
                self.learn_labels = ()
                if self.labels is not None:
                    self._changes_left = 0  # check the learnt filter with a full read next poll
            return read, server_time
        listed, server_time = self._list(pending, timestamp=None)
        missing = [job_id for job_id in pending if job_id not in listed]
        read, _ = self._get_each_dated(missing)
        if any(job is not None for job in read.values()):
            self.labels = None  # it missed a job that exists: read without it from now on
        return {**listed, **read}, server_time

    def _list(
        self, pending: Collection[str], *, timestamp: int | None
    ) -> tuple[dict[str, dict[str, Any] | None], float | None]:
        """The jobs of ``pending`` among those listed, and the server's time of the first page."""
        wanted = set(pending)
        news: dict[str, dict[str, Any] | None] = {}
        server_time: float | None = None
        first = True
        pages = self.client.iter_job_pages(
            page_size=self.page_size, labels=self.labels, timestamp=timestamp
        )
        for page in pages:
            if first:
                server_time, first = page.server_time, False
            for job in page.jobs:
                job_id = job.get("id")
                if isinstance(job_id, str) and job_id in wanted:
                    news[job_id] = job
        return news, server_time

    def _get_each(self, pending: Sequence[str]) -> JobNews:
        return self._get_each_dated(pending)[0]

    def _get_each_dated(
        self, pending: Sequence[str]
    ) -> tuple[dict[str, dict[str, Any] | None], float | None]:
        """Each job by GET, and the server's time of the first one found (jobs read after it
        can only be newer)."""
        from pfctl.client.errors import NotFoundError

        news: dict[str, dict[str, Any] | None] = {}
        server_time: float | None = None
        dated = False
        for job_id in pending:
            try:
                job, answered_at = self.client.get_job_with_date(job_id)
            except NotFoundError:
                news[job_id] = None
                continue
            news[job_id] = job
            if not dated:
                server_time, dated = answered_at, True
        return news, server_time


def common_label(
    jobs: Iterable[Mapping[str, Any] | None], keys: Sequence[str]
) -> dict[str, str] | None:
    """``{key: value}`` for the first of ``keys`` that every job of ``jobs`` (None: a job gone,
    left out) carries with one same value; None when no key does, or there is no job."""
    found = [job for job in jobs if job is not None]
    for key in keys:
        values = {
            labels.get(key) if isinstance(labels := job.get("labels"), Mapping) else None
            for job in found
        }
        if len(values) == 1 and isinstance(value := values.pop(), str) and value:
            return {key: value}
    return None


def job_feed(
    client: JobReader,
    labels: Mapping[str, str] | None = None,
    *,
    full_every: int = FULL_READ_EVERY,
    learn_labels: Sequence[str] = (),
    stream: bool = True,
    notice: Callable[[str], None] | None = None,
    interval: float = 1.0,
) -> JobFeed:
    """How a wait reads its jobs from ``client``: list requests filtered by ``labels`` (or by a
    label of ``learn_labels`` the jobs share) when the client can list, else one GET per job;
    with ``stream`` (and ``PFCTL_WATCH`` not ``poll``), through the server's watch stream
    between such reads when the server offers one (its reconnections said on ``notice``, by
    default on stderr; its absence falls back to polling every ``interval`` seconds, said too)."""
    base: JobFeed
    if isinstance(client, JobLister):
        base = JobListings(client, labels, full_every=full_every, learn_labels=learn_labels)
    else:
        base = JobGets(client)
    if stream:
        from pfctl.client.stream_feed import stream_feed

        return stream_feed(client, base, notice=notice, interval=interval) or base
    return base


def wait_for_jobs(
    client: JobReader,
    job_ids: Iterable[str],
    *,
    timeout: float | None = None,
    poll_interval: float = 1.0,
    on_change: Callable[[str, dict[str, Any]], None] | None = None,
    on_poll: Callable[[WaitProgress], None] | None = None,
    labels: Mapping[str, str] | None = None,
    learn_labels: Sequence[str] = (),
    feed: JobFeed | None = None,
    notice: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitResult:
    """Poll the jobs until all are final (or gone) or ``timeout`` seconds pass (None: no limit).

    ``labels`` is a label filter the jobs carry (pfctl's apply-set or managed-by label): the
    jobs are then read with list requests, about one per poll (see the module's docstring).
    Without it, ``learn_labels`` are label keys whose value, if the jobs share one, becomes the
    filter after the first poll (which reads each job with a GET).
    ``feed`` replaces the way the jobs are read (default: :func:`job_feed`, the watch stream
    where the server has one; ``notice`` receives what it says of it, by default stderr).
    ``on_change(job_id, job)`` is called whenever a job's status differs from the last one seen
    (a job that no longer exists has the status :data:`GONE`); ``on_poll(progress)`` after each
    poll. Client errors other than a job's 404 (the server gone, a refused token) propagate.
    """
    ids = list(dict.fromkeys(job_ids))
    reader = feed or job_feed(
        client, labels, learn_labels=learn_labels, notice=notice, interval=poll_interval
    )
    result = WaitResult()
    pending = ids
    started = clock()
    deadline = None if timeout is None else started + timeout
    try:
        while True:
            news = reader.read(pending)
            still_pending = []
            for job_id in pending:
                if job_id in news:
                    _record(result, job_id, news[job_id], on_change)
                job = result.jobs.get(job_id)
                if job is None or not _is_done(job):
                    still_pending.append(job_id)
            pending = still_pending
            if on_poll is not None:
                statuses = {job_id: _status(result.jobs.get(job_id)) for job_id in ids}
                on_poll(WaitProgress(statuses, clock() - started))
            if not pending:
                return result
            delay = poll_interval
            if deadline is not None:
                remaining = deadline - clock()
                if remaining <= 0:
                    result.pending = pending
                    return result
                delay = min(delay, remaining)
            if isinstance(reader, PacedFeed):
                reader.wait_for_news(pending, delay)  # a stream: wakes at its jobs' news
            else:
                sleep(delay)
    finally:
        if feed is None and isinstance(reader, PacedFeed):
            reader.close()


def _record(
    result: WaitResult,
    job_id: str,
    job: dict[str, Any] | None,
    on_change: Callable[[str, dict[str, Any]], None] | None,
) -> None:
    if job is None:
        job = {"id": job_id, "status": GONE, "message": GONE_MESSAGE}
    previous = result.jobs.get(job_id)
    result.jobs[job_id] = job
    if on_change is not None and (previous is None or _status(previous) != _status(job)):
        on_change(job_id, job)


def _status(job: Mapping[str, Any] | None) -> str:
    return "" if job is None else str(job.get("status") or "")


def _is_done(job: Mapping[str, Any]) -> bool:
    status = _status(job)
    return status == GONE or is_final(status)
