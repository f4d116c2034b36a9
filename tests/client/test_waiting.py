"""wait_for_jobs: the poll loop over scripted job states, and list-based waiting against the real
local server (API only: jobs stay ``init`` until a test stops them).

The clock is a fake one, so a poll follows another at once and the timeouts are counted in
polls; the server, its requests and its timestamps are real."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pfctl.client import FINAL_STATUSES, is_final, wait_for_jobs
from pfctl.client.api import JobPage, PaddleFlowClient
from pfctl.client.config import ClientSettings
from pfctl.client.stream import ENV_WATCH
from pfctl.client.tokens import TokenCache
from pfctl.client.waiting import GONE, JobListings, WaitProgress, common_label
from tests.helpers.jobs import fresh_single
from tests.helpers.server import ServerHandle


class ScriptedJobs:
    """Answers get_job with the next status of each job's script (the last one repeats)."""

    def __init__(self, scripts: dict[str, list[str]]) -> None:
        self.scripts = scripts
        self.calls: list[str] = []

    def get_job(self, job_id: str) -> dict[str, Any]:
        self.calls.append(job_id)
        script = self.scripts[job_id]
        status = script.pop(0) if len(script) > 1 else script[0]
        return {"id": job_id, "status": status}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_waits_until_every_job_is_final() -> None:
    jobs = ScriptedJobs({"a": ["init", "running", "succeeded"], "b": ["pending", "failed"]})
    clock = FakeClock()
    changes: list[tuple[str, str]] = []
    result = wait_for_jobs(
        jobs,
        ["a", "b", "a"],
        poll_interval=1.0,
        on_change=lambda job_id, job: changes.append((job_id, job["status"])),
        clock=clock,
        sleep=clock.sleep,
    )
    assert {job_id: job["status"] for job_id, job in result.jobs.items()} == {
        "a": "succeeded",
        "b": "failed",
    }
    assert result.unsuccessful == ["b"] and not result.pending and not result.ok
    assert changes == [
        ("a", "init"),
        ("b", "pending"),
        ("a", "running"),
        ("b", "failed"),
        ("a", "succeeded"),
    ]
    assert jobs.calls == ["a", "b", "a", "b", "a"]  # a final job is not polled again
    assert clock.now == 2.0


def test_timeout_reports_pending_jobs() -> None:
    jobs = ScriptedJobs({"a": ["running"]})
    clock = FakeClock()
    result = wait_for_jobs(
        jobs, ["a"], timeout=2.5, poll_interval=1.0, clock=clock, sleep=clock.sleep
    )
    assert result.pending == ["a"] and not result.ok
    assert clock.now == 2.5


def test_success_is_ok() -> None:
    result = wait_for_jobs(ScriptedJobs({"a": ["succeeded"]}), ["a"], sleep=lambda _: None)
    assert result.ok
    assert is_final("skipped") and not is_final("terminating")
    assert {
        "succeeded",
        "failed",
        "terminated",
        "skipped",
        "cancelled",
        "preempted",
    } == FINAL_STATUSES


class UndatedServer:
    """A lister whose server sends no ``Date``: the jobs are all ``running``."""

    def __init__(self, job_ids: list[str]) -> None:
        self.jobs = [{"id": job_id, "status": "running"} for job_id in job_ids]
        self.filters: list[dict[str, Any]] = []

    def get_job(self, job_id: str) -> dict[str, Any]:
        raise AssertionError("every job is listed: no GET is needed")

    def get_job_with_date(self, job_id: str) -> tuple[dict[str, Any], float | None]:
        raise AssertionError("every job is listed: no GET is needed")

    def iter_job_pages(self, *, page_size: int = 1000, **filters: Any) -> Iterator[JobPage]:
        self.filters.append(filters)
        yield JobPage(self.jobs, None, False, server_time=None)


def test_without_a_server_date_every_poll_is_a_full_listing() -> None:
    server = UndatedServer(["a", "b"])
    clock = FakeClock()
    result = wait_for_jobs(
        server, ["a", "b"], labels={"k": "v"}, timeout=2, clock=clock, sleep=clock.sleep
    )
    assert result.pending == ["a", "b"]
    assert server.filters == [{"labels": {"k": "v"}, "timestamp": None}] * 3


# --- against the real local server ---------------------------------------------------------


@pytest.fixture(autouse=True)
def _polling(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests count the requests of polls: the watch stream is for the tests named so."""
    if "stream" not in request.node.name:
        monkeypatch.setenv(ENV_WATCH, "poll")


@pytest.fixture
def waiter(api_server: ServerHandle) -> Iterator[PaddleFlowClient]:
    """Root's client of the API-only server, logged in already (its login is not a poll's)."""
    settings = ClientSettings.for_server(api_server.url, api_server.user, api_server.password)
    with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as client:
        client.login()
        yield client


@pytest.fixture
def helper(api_server: ServerHandle) -> Iterator[PaddleFlowClient]:
    """Another client, which changes the jobs while the waiter waits."""
    settings = ClientSettings.for_server(api_server.url, api_server.user, api_server.password)
    with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as client:
        yield client


def create_jobs(client: PaddleFlowClient, count: int, labels: dict[str, str]) -> list[str]:
    """``count`` single jobs carrying ``labels`` (they stay ``init`` on the API-only server)."""
    return [
        client.create_job("single", fresh_single("true", id_prefix="wait", labels=labels))
        for _ in range(count)
    ]


class PollLog:
    """An ``on_poll`` that records the requests each poll cost and may act after a poll."""

    def __init__(
        self, client: PaddleFlowClient, after: dict[int, Callable[[], None]] | None = None
    ) -> None:
        self.client = client
        self.after = after or {}
        self.costs: list[int] = []
        self.progress: list[WaitProgress] = []
        self._count = client.request_count

    def __call__(self, progress: WaitProgress) -> None:
        self.costs.append(self.client.request_count - self._count)
        self.progress.append(progress)
        action = self.after.get(len(self.costs))
        if action is not None:
            action()
        self._count = self.client.request_count


def test_waiting_for_300_jobs_costs_one_request_per_poll(
    waiter: PaddleFlowClient, helper: PaddleFlowClient, prefix: str
) -> None:
    labels = {"wait-test": prefix}
    job_ids = create_jobs(helper, 300, labels)
    stopped = job_ids[10:13]
    clock = FakeClock()
    changes: list[tuple[str, str]] = []

    def stop_three() -> None:
        for job_id in stopped:
            helper.stop_job(job_id)

    polls = PollLog(waiter, after={2: stop_three})
    result = wait_for_jobs(
        waiter,
        job_ids,
        labels=labels,
        timeout=5,
        on_poll=polls,
        on_change=lambda job_id, job: changes.append((job_id, job["status"])),
        clock=clock,
        sleep=clock.sleep,
    )
    assert polls.costs == [1] * 6  # one page of 300 jobs, then one listing of the changes
    assert result.unsuccessful == stopped  # the changes after the second poll were seen
    assert [change for change in changes if change[1] != "init"] == [
        (job_id, "terminated") for job_id in stopped
    ]
    assert result.pending == [job_id for job_id in job_ids if job_id not in stopped]
    assert not result.ok
    last = polls.progress[-1]
    assert last.elapsed == 5
    assert list(last.statuses.values()).count("init") == 297


def test_polls_after_the_first_list_only_the_jobs_that_changed(
    waiter: PaddleFlowClient, helper: PaddleFlowClient, prefix: str
) -> None:
    labels = {"wait-test": prefix}
    job_ids = create_jobs(helper, 25, labels)
    # A listing of changes starts a second before the server's Date, which has whole seconds
    # and may be a second old: let the jobs' last update fall out of it.
    time.sleep(4)
    clock = FakeClock()
    polls = PollLog(waiter, after={2: lambda: helper.stop_job(job_ids[0])})
    feed = JobListings(waiter, labels, page_size=10)
    result = wait_for_jobs(
        waiter, job_ids, feed=feed, timeout=3, on_poll=polls, clock=clock, sleep=clock.sleep
    )
    # The first poll lists every job (3 pages of 10); each later one what changed (1 page).
    assert polls.costs == [3, 1, 1, 1]
    assert result.unsuccessful == [job_ids[0]]
    assert len(result.pending) == 24


def test_a_job_deleted_while_waited_for_ends_as_gone(
    waiter: PaddleFlowClient, helper: PaddleFlowClient, prefix: str
) -> None:
    labels = {"wait-test": prefix}
    first, deleted, last = create_jobs(helper, 3, labels)

    def delete() -> None:
        helper.stop_job(deleted)  # init -> terminated at once
        helper.delete_job(deleted)

    def stop_the_others() -> None:
        helper.stop_job(first)
        helper.stop_job(last)

    clock = FakeClock()
    # Deleted after the first poll; only the full read of the fourth poll can see it.
    polls = PollLog(waiter, after={1: delete, 4: stop_the_others})
    feed = JobListings(waiter, labels, full_every=3)
    changes: list[tuple[str, str]] = []
    result = wait_for_jobs(
        waiter,
        [first, deleted, last],
        feed=feed,
        timeout=60,
        on_poll=polls,
        on_change=lambda job_id, job: changes.append((job_id, job["status"])),
        clock=clock,
        sleep=clock.sleep,
    )
    assert result.gone == [deleted] and not result.pending and not result.ok
    assert result.jobs[deleted]["status"] == GONE
    assert (deleted, GONE) in changes
    assert [progress.statuses[deleted] for progress in polls.progress] == [
        "init",
        "init",
        "init",
        GONE,
        GONE,
    ]
    # The full read: one listing, then a GET (404) of the job it did not list.
    assert polls.costs[3] == 2


def test_a_job_missing_at_the_start_is_gone_at_the_first_poll(
    waiter: PaddleFlowClient, helper: PaddleFlowClient, prefix: str
) -> None:
    labels = {"wait-test": prefix}
    done, deleted = create_jobs(helper, 2, labels)
    for job_id in (done, deleted):
        helper.stop_job(job_id)
    helper.delete_job(deleted)
    polls = PollLog(waiter)
    result = wait_for_jobs(waiter, [done, deleted], labels=labels, on_poll=polls)
    assert result.gone == [deleted] and result.unsuccessful == [done]
    assert polls.costs == [2]  # one listing, one GET


def test_jobs_the_label_filter_misses_are_read_without_it(
    waiter: PaddleFlowClient, helper: PaddleFlowClient, prefix: str
) -> None:
    # The jobs lack the label, as on a server whose label filter finds nothing.
    job_ids = create_jobs(helper, 3, {"wait-test": prefix})
    clock = FakeClock()
    polls = PollLog(waiter, after={2: lambda: helper.stop_job(job_ids[1])})
    result = wait_for_jobs(
        waiter,
        job_ids,
        labels={"wait-test": f"{prefix}-other"},
        timeout=3,
        on_poll=polls,
        clock=clock,
        sleep=clock.sleep,
    )
    assert polls.costs == [1 + 3, 1, 1, 1]  # the listing and 3 GETs, then listings
    assert result.unsuccessful == [job_ids[1]]
    assert result.pending == [job_ids[0], job_ids[2]]


def test_waiting_without_labels_reads_each_job_once_then_lists_changes(
    waiter: PaddleFlowClient, helper: PaddleFlowClient, prefix: str
) -> None:
    job_ids = create_jobs(helper, 4, {"wait-test": prefix})

    def stop_all() -> None:
        for job_id in job_ids:
            helper.stop_job(job_id)

    clock = FakeClock()
    polls = PollLog(waiter, after={2: stop_all})
    result = wait_for_jobs(
        waiter, job_ids, timeout=60, on_poll=polls, clock=clock, sleep=clock.sleep
    )
    assert polls.costs == [4, 1, 1]  # a GET per job, then listings of the user's changes
    assert result.unsuccessful == job_ids and not result.pending


def test_waiting_without_labels_learns_the_label_the_jobs_share(
    waiter: PaddleFlowClient, helper: PaddleFlowClient, prefix: str
) -> None:
    # `pfctl job wait` knows only ids: the apply-set label every job carries becomes the filter.
    job_ids = create_jobs(helper, 5, {"wait-set": prefix, "wait-test": prefix})
    clock = FakeClock()
    polls = PollLog(waiter, after={4: lambda: helper.stop_job(job_ids[2])})
    feed = JobListings(waiter, full_every=3, learn_labels=("wait-none", "wait-set"))
    result = wait_for_jobs(
        waiter, job_ids, feed=feed, timeout=5, on_poll=polls, clock=clock, sleep=clock.sleep
    )
    assert feed.labels == {"wait-set": prefix}
    # A GET per job; a full listing by the learnt label; changes; changes; a full listing;
    # changes: never a GET per job again.
    assert polls.costs == [5, 1, 1, 1, 1, 1]
    assert result.unsuccessful == [job_ids[2]]
    assert len(result.pending) == 4


def test_a_label_is_learnt_only_when_every_job_carries_one_same_value() -> None:
    jobs = [
        {"id": "a", "labels": {"set": "x", "by": "pfctl"}},
        {"id": "b", "labels": {"set": "y", "by": "pfctl"}},
        None,  # a job gone says nothing
    ]
    assert common_label(jobs, ("set", "by")) == {"by": "pfctl"}
    assert common_label(jobs, ("set",)) is None
    assert common_label([{"id": "a"}, *jobs], ("by",)) is None  # a job without labels
    assert common_label([{"id": "a", "labels": {"by": ""}}], ("by",)) is None
    assert common_label([None], ("by",)) is None


def test_one_job_is_read_with_a_get(waiter: PaddleFlowClient, helper: PaddleFlowClient) -> None:
    (job_id,) = create_jobs(helper, 1, {})
    clock = FakeClock()
    polls = PollLog(waiter, after={1: lambda: helper.stop_job(job_id)})
    result = wait_for_jobs(
        waiter, [job_id], labels={"any": "label"}, on_poll=polls, clock=clock, sleep=clock.sleep
    )
    assert polls.costs == [1, 1]
    assert result.unsuccessful == [job_id]


def test_waiting_on_the_stream_costs_no_request_after_the_first_read(
    waiter: PaddleFlowClient, helper: PaddleFlowClient, prefix: str
) -> None:
    labels = {"wait-test": prefix}
    job_ids = create_jobs(helper, 40, labels)
    notices: list[str] = []

    def stop_all() -> None:
        for job_id in job_ids:
            helper.stop_job(job_id)

    polls = PollLog(waiter, after={1: stop_all})
    result = wait_for_jobs(
        waiter, job_ids, labels=labels, timeout=120, on_poll=polls, notice=notices.append
    )
    assert result.unsuccessful == job_ids and not result.pending
    assert polls.costs[0] == 1  # the first read: one listing of the 40 jobs
    assert sum(polls.costs[1:]) == 0  # then only frames of the stream (within its 30 s)
    assert notices == []


def test_a_stream_wait_falls_back_to_polling_without_the_stream(
    scripted_server: Any,
) -> None:
    """A server without /wsjob answers the upgrade with a 404: the wait polls instead."""
    url, received = scripted_server(
        [
            (404, {"code": "PathNotFound", "message": "", "requestID": "r"}),
            (200, {"id": "a", "status": "running"}),
            (200, {"id": "a", "status": "succeeded"}),
        ]
    )
    settings = ClientSettings.for_server(url, "root", "paddleflow")
    notices: list[str] = []
    with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as client:
        result = wait_for_jobs(client, ["a"], poll_interval=0.05, notice=notices.append)
    assert result.ok
    assert received[1] == "GET /api/paddleflow/v1/wsjob"
    assert received[2:] == ["GET /api/paddleflow/v1/job/a"] * 2
    (notice,) = notices
    # (this HTTP/1.0 server's 404 is no valid answer to an upgrade; an HTTP/1.1 one is refused)
    assert notice.startswith("the server offers no watch stream (")
    assert notice.endswith("; polling every 0.05 s instead")
