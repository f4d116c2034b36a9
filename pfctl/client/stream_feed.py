"""Waiting for jobs through the server's watch stream (:mod:`pfctl.client.stream`).

:class:`StreamFeed` is the :class:`pfctl.client.waiting.JobFeed` of `pfctl job wait` and
`pfctl apply --wait` where the server offers ``/wsjob``. Its ``base`` feed (list requests, or one
GET per job) reads every job waited for on the first read, after each reconnection of the stream
(the jobs updated while it was cut were not sent) and every :data:`RESYNC_SECONDS` (a job deleted
is on no stream). In between a read costs no request: it returns what the stream brought, and the
wait sleeps in :meth:`StreamFeed.wait_for_news`, which returns as soon as a job waited for
changes. If the server stops offering the stream (a restart into a server without it), the feed
goes on with ``base`` alone.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pfctl.client.stream import JobStream, Notice, StreamUnavailable, open_stream

if TYPE_CHECKING:
    from pfctl.client.waiting import JobFeed, JobNews

#: Seconds between two reads of every job through the base feed.
RESYNC_SECONDS = 30.0


def stderr_notice(line: str) -> None:
    """What the stream says, on stderr: ``pfctl: the watch stream was cut ...``; on a terminal
    the line first clears the wait's progress line (which the next poll draws again below)."""
    from pfctl.spec.paths import escape_text

    clear = "\r\x1b[K" if sys.stderr.isatty() else ""
    print(f"{clear}pfctl: {escape_text(line)}", file=sys.stderr, flush=True)


def stream_feed(
    client: object, base: JobFeed, *, notice: Notice | None = None, interval: float = 1.0
) -> StreamFeed | None:
    """A :class:`StreamFeed` over ``client``'s server's stream, or None when the client cannot
    open one (not a :class:`pfctl.client.api.PaddleFlowClient`), ``PFCTL_WATCH=poll`` asks for
    polling, or the server offers none (said on ``notice``)."""
    from pfctl.client.api import PaddleFlowClient

    if not isinstance(client, PaddleFlowClient):
        return None
    stream = open_stream(client, notice or stderr_notice, interval)
    return None if stream is None else StreamFeed(stream, base)


class StreamFeed:
    """``base`` reads now and then, the stream's frames in between (see the module)."""

    def __init__(
        self,
        stream: JobStream,
        base: JobFeed,
        *,
        resync_seconds: float = RESYNC_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream: JobStream | None = stream
        self.base = base
        self.resync_seconds = resync_seconds
        self.clock = clock
        self._resync_at: float | None = None  # None: the next read is a base read
        self._frames: dict[str, dict[str, Any]] = {}

    def read(self, pending: Sequence[str]) -> JobNews:
        """The latest frame of each job of ``pending`` since the previous read; on a base read
        also every job as ``base`` reads it (newer than any frame before it)."""
        wanted = set(pending)
        news: dict[str, dict[str, Any] | None] = {
            job_id: job for job_id, job in self._frames.items() if job_id in wanted
        }
        self._frames.clear()
        if self.stream is None or self._resync_at is None or self.clock() >= self._resync_at:
            news.update(self.base.read(pending))
            self._resync_at = self.clock() + self.resync_seconds
        return news

    def wait_for_news(self, pending: Sequence[str], seconds: float) -> None:
        """Read frames until one is of a job of ``pending`` (or ``seconds`` pass); a reconnection
        makes the next read a base read."""
        if self.stream is None:
            time.sleep(seconds)
            return
        wanted = set(pending)
        deadline = self.clock() + seconds
        while True:
            try:
                news = self.stream.receive(max(deadline - self.clock(), 0.0))
            except StreamUnavailable as exc:
                self.stream.notice(f"{exc}; polling instead")
                self.stream = None
                return
            for job in news.jobs:
                self._frames[str(job["id"])] = job
            if news.reconnected:
                self._resync_at = None
            if news.reconnected or wanted & self._frames.keys() or self.clock() >= deadline:
                return

    def close(self) -> None:
        """Close the stream."""
        if self.stream is not None:
            self.stream.close()
