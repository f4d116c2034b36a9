"""A job's events: what happened to it, oldest first, for `pfctl job describe` and `job events`.

The local server serves them structured on pfctl's route ``GET /api/pfctl/v1/job/{id}/events?
after=SEQ`` (``{"jobID", "events", "dropped", "lastSeq"}``; each event has ``seq``, ``time``,
``kind``, ``message`` and optional ``member``, ``replica``, ``pid``, ``workDir``, ``exitCode``,
``signal``, ``lastLogLine``, ``by``, ``reason``, ``detail``). A PaddleFlow server has no such
route (it answers 404 with no ``JobNotFound`` code): the events are then read from the
``eventList`` of ``GET /log/job``, PaddleFlow's lines ``type: T\\treason: R\\teventsTime: TIME
\\tmessage: M``, read as events with a ``seq`` counted from 1, ``kind`` R and ``type`` T.
A job of another user is answered as a missing job is, on both: :class:`NotFoundError`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from pfctl.client.errors import NotFoundError
from pfctl.client.pfctl_api import TokenHolder, get_pfctl_route
from pfctl.client.stream import JobStream, StreamUnavailable
from pfctl.spec.statuses import is_final

#: Where the events come from.
SOURCE_PFCTL = "pfctl events route"
SOURCE_LOG = "eventList of GET /log/job"
#: The kind of the event that ends a job's life on the local server.
FINISHED = "finished"
#: PaddleFlow's error code for a job that does not exist (or is not the user's).
JOB_NOT_FOUND = "JobNotFound"

_PADDLEFLOW_EVENT = re.compile(
    r"^type: (?P<type>[^\t]*)\treason: (?P<kind>[^\t]*)\teventsTime: (?P<time>[^\t]*?) ?"
    r"\tmessage: (?P<message>.*)$",
    re.DOTALL,
)


class EventsClient(TokenHolder, Protocol):
    """What reading events needs of :class:`pfctl.client.api.PaddleFlowClient`."""

    def get_job(self, job_id: str) -> dict[str, Any]: ...

    def get_queue(self, name: str) -> dict[str, Any]: ...

    def job_logs(
        self, job_id: str, *, cluster_name: str, line_limit: int, **query: Any
    ) -> dict[str, Any]: ...


@dataclass
class JobEvents:
    """Events of one job after some ``seq``, how many the server dropped (over its bound), the
    last ``seq`` it gave, and where they were read (:data:`SOURCE_PFCTL` or :data:`SOURCE_LOG`);
    ``job`` is the job object when reading them needed it (the log route's fallback)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0
    last_seq: int = 0
    source: str = SOURCE_PFCTL
    job: dict[str, Any] | None = None


def read_events(
    client: EventsClient, job_id: str, *, after: int = 0, job: Mapping[str, Any] | None = None
) -> JobEvents:
    """The events of ``job_id`` with a ``seq`` above ``after``; ``job`` (its object, when the
    caller has it) spares a request on a PaddleFlow server."""
    try:
        data = get_pfctl_route(
            client, f"/job/{quote(job_id, safe='')}/events", {"after": after or None}
        )
    except NotFoundError as exc:
        if exc.code == JOB_NOT_FOUND:
            raise
        return _from_log(client, job_id, after, job)
    events = [event for event in data.get("events") or [] if isinstance(event, dict)]
    last_seq = data.get("lastSeq")
    if not isinstance(last_seq, int):
        last_seq = max([after, *(_seq(event) for event in events)])
    dropped = data.get("dropped")
    return JobEvents(events, dropped if isinstance(dropped, int) else 0, last_seq)


def _from_log(
    client: EventsClient, job_id: str, after: int, job: Mapping[str, Any] | None
) -> JobEvents:
    from pfctl.client.logs import job_cluster_name

    current = dict(job) if job is not None else client.get_job(job_id)
    answer = client.job_logs(job_id, cluster_name=job_cluster_name(client, current), line_limit=1)
    lines = answer.get("eventList") or []
    events = [parse_paddleflow_event(str(line), seq) for seq, line in enumerate(lines, 1)]
    return JobEvents(
        [event for event in events if event["seq"] > after],
        last_seq=max(after, len(events)),
        source=SOURCE_LOG,
        job=current,
    )


def parse_paddleflow_event(line: str, seq: int) -> dict[str, Any]:
    """One line of PaddleFlow's ``eventList`` as an event (the whole line as its message when
    it is not in PaddleFlow's form)."""
    match = _PADDLEFLOW_EVENT.match(line)
    if match is None:
        return {"seq": seq, "time": "", "kind": "", "message": line}
    return {
        "seq": seq,
        "time": match["time"].strip(),
        "kind": match["kind"],
        "message": match["message"],
        "type": match["type"],
    }


def follow_events(
    client: EventsClient,
    job_id: str,
    *,
    after: int,
    interval: float,
    stream: JobStream | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """The events of ``job_id`` after ``after`` as they come, until the job's ``finished`` event
    (on a PaddleFlow server: until the job is final). Between two reads it waits ``interval``
    seconds, or on ``stream`` until the job changes (at most ``interval`` * 10)."""
    while True:
        if stream is not None:
            stream = _wait_on_stream(stream, job_id, interval * 10)
        else:
            sleep(interval)
        page = read_events(client, job_id, after=after)
        after = page.last_seq
        yield from page.events
        if any(event.get("kind") == FINISHED for event in page.events):
            return
        if page.job is not None and is_final(str(page.job.get("status") or "")):
            return


def _wait_on_stream(stream: JobStream, job_id: str, longest: float) -> JobStream | None:
    """Wait for a frame of ``job_id`` (or a reconnection, or ``longest`` seconds); the stream,
    or None once the server no longer offers it."""
    deadline = time.monotonic() + longest
    while True:
        try:
            news = stream.receive(max(deadline - time.monotonic(), 0.0))
        except StreamUnavailable as exc:
            stream.notice(f"{exc}; polling instead")
            return None
        if news.reconnected or time.monotonic() >= deadline:
            return stream
        if any(job.get("id") == job_id for job in news.jobs):
            return stream


def _seq(event: Mapping[str, Any]) -> int:
    seq = event.get("seq")
    return seq if isinstance(seq, int) else 0
