"""Watching a job listing: what `pfctl job list -w` prints as jobs change.

Each poll lists only the jobs updated since the previous one (PaddleFlow's ``timestamp``
filter), counted from the server's own clock (its ``Date`` header), so a poll costs one request
however many jobs there are. A server that sends no ``Date`` is listed in full each poll.
PaddleFlow's ``/wsjob`` stream would replace the polling where a server offers it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from pfctl.client.api import JobPage
from pfctl.client.waiting import changes_since


class PageLister(Protocol):
    """What watching needs from :class:`pfctl.client.api.PaddleFlowClient`."""

    def list_jobs(self, **filters: Any) -> JobPage: ...


def watch_changes(
    client: PageLister,
    first: JobPage,
    filters: Mapping[str, Any],
    *,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """After the page ``first`` was shown, every job of ``filters`` whose status, labels,
    annotations or priority change (or that is new), as it is seen; never ends by itself."""
    seen = {str(job.get("id")): _state(job) for job in first.jobs}
    since = changes_since(first.server_time)
    while True:
        sleep(interval)
        query = dict(filters)
        if since is not None:
            query["timestamp"] = since
        page = client.list_jobs(max_keys=1000, **query)
        if page.server_time is not None:
            since = changes_since(page.server_time)
        for job in page.jobs:
            job_id = str(job.get("id"))
            state = _state(job)
            if seen.get(job_id) != state:
                seen[job_id] = state
                yield job


def _state(job: Mapping[str, Any]) -> tuple[Any, ...]:
    policy = job.get("schedulingPolicy") or {}
    return (
        job.get("status"),
        repr(job.get("labels")),
        repr(job.get("annotations")),
        policy.get("priority") if isinstance(policy, dict) else None,
    )
