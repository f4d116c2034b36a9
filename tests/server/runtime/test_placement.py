from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pfctl.server.runtime.placement import (
    PendingJob,
    choose_jobs_to_start,
    queue_order,
)
from pfctl.spec.rules import priority_rank

#: The queue ``q`` ordered by priority (its ``schedulingPolicy`` lists it).
BY_PRIORITY = {"q": ["priority"]}


def cpu(amount: int) -> dict[str, Decimal]:
    return {"cpu": Decimal(amount)}


def test_priority_rank_orders_very_high_first_and_defaults_to_normal() -> None:
    ranks = [priority_rank(p) for p in ("VERY_HIGH", "high", "NORMAL", "LOW", "VERY_LOW")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 5
    assert priority_rank("") == priority_rank("NORMAL") == priority_rank("bogus")


def test_queue_order_is_priority_then_accept_time() -> None:
    jobs = [
        PendingJob("low-early", "q", "LOW", 1.0),
        PendingJob("high-late", "q", "HIGH", 5.0),
        PendingJob("high-early", "q", "HIGH", 2.0),
        PendingJob("very-high", "q", "VERY_HIGH", 9.0),
    ]
    assert [job.job_id for job in queue_order(jobs, True)] == [
        "very-high",
        "high-early",
        "high-late",
        "low-early",
    ]
    # Without the priority policy: creation time only (within one second too), then id.
    same_second = [*jobs, PendingJob("a-low", "q", "LOW", 5.9), PendingJob("z", "q", "LOW", 5.1)]
    same_second.append(PendingJob("b-tie", "q", "LOW", 5.9))
    assert [job.job_id for job in queue_order(same_second, False)] == [
        "low-early",
        "high-early",
        "high-late",
        "z",
        "a-low",
        "b-tie",
        "very-high",
    ]


def test_only_what_fits_starts_in_priority_order() -> None:
    pending = [
        PendingJob("normal", "q", "NORMAL", 1.0, cpu(1)),
        PendingJob("high", "q", "HIGH", 2.0, cpu(1)),
    ]
    started = choose_jobs_to_start({"q": cpu(1)}, {}, pending, now=3.0, policies=BY_PRIORITY)
    assert started == ["high"]
    # A queue without the priority policy serves the earlier job.
    assert choose_jobs_to_start({"q": cpu(1)}, {}, pending, now=3.0) == ["normal"]


def test_running_jobs_use_capacity() -> None:
    pending = [PendingJob("a", "q", "NORMAL", 1.0, cpu(1))]
    assert choose_jobs_to_start({"q": cpu(2)}, {"q": cpu(2)}, pending, now=2.0) == []
    assert choose_jobs_to_start({"q": cpu(2)}, {"q": cpu(1)}, pending, now=2.0) == ["a"]


def test_small_job_backfills_behind_a_big_job_that_has_not_waited_long() -> None:
    pending = [
        PendingJob("big", "q", "HIGH", 100.0, cpu(4)),
        PendingJob("small", "q", "LOW", 101.0, cpu(1)),
    ]
    started = choose_jobs_to_start(
        {"q": cpu(4)}, {"q": cpu(2)}, pending, now=110.0, reserve_after_seconds=60.0
    )
    assert started == ["small"]


def test_big_job_that_waited_long_reserves_the_queue() -> None:
    pending = [
        PendingJob("big", "q", "HIGH", 100.0, cpu(4)),
        PendingJob("small", "q", "LOW", 101.0, cpu(1)),
    ]
    started = choose_jobs_to_start(
        {"q": cpu(4)}, {"q": cpu(2)}, pending, now=200.0, reserve_after_seconds=60.0
    )
    assert started == []


def test_job_larger_than_the_queue_never_reserves() -> None:
    pending = [
        PendingJob("huge", "q", "HIGH", 0.0, cpu(100)),
        PendingJob("small", "q", "LOW", 1.0, cpu(1)),
    ]
    assert choose_jobs_to_start({"q": cpu(4)}, {}, pending, now=1000.0) == ["small"]


def test_queues_are_independent_and_unknown_queues_wait() -> None:
    pending = [
        PendingJob("a", "q1", "NORMAL", 1.0, cpu(1)),
        PendingJob("b", "q2", "NORMAL", 1.0, cpu(1)),
        PendingJob("c", "gone", "NORMAL", 1.0, cpu(1)),
    ]
    started = choose_jobs_to_start({"q1": cpu(1), "q2": cpu(1)}, {}, pending, now=2.0)
    assert sorted(started) == ["a", "b"]


pending_jobs = st.lists(
    st.builds(
        PendingJob,
        job_id=st.uuids().map(str),
        queue=st.sampled_from(["q1", "q2"]),
        priority=st.sampled_from(["VERY_HIGH", "HIGH", "NORMAL", "LOW", "VERY_LOW"]),
        accepted_at=st.floats(min_value=0, max_value=1000),
        request=st.builds(lambda n: {"cpu": Decimal(n)}, st.integers(min_value=0, max_value=6)),
    ),
    max_size=12,
    unique_by=lambda job: job.job_id,
)


@given(pending_jobs, st.integers(min_value=0, max_value=8), st.integers(min_value=0, max_value=8))
def test_started_jobs_always_fit_and_the_fitting_head_always_starts(
    pending: list[PendingJob], capacity_cpu: int, used_cpu: int
) -> None:
    capacity = {"q1": cpu(capacity_cpu), "q2": cpu(capacity_cpu)}
    used = {"q1": cpu(min(used_cpu, capacity_cpu))}
    # q1 is ordered by priority, q2 by creation time.
    started = choose_jobs_to_start(
        capacity, used, pending, now=2000.0, policies={"q1": ["priority"]}
    )
    assert len(started) == len(set(started))
    by_id = {job.job_id: job for job in pending}
    for queue_name in ("q1", "q2"):
        total = sum(
            (
                by_id[job_id].request["cpu"]
                for job_id in started
                if by_id[job_id].queue == queue_name
            ),
            Decimal(0),
        )
        in_use = used.get(queue_name, {}).get("cpu", Decimal(0))
        assert total + in_use <= capacity_cpu or total == 0
        jobs = [job for job in pending if job.queue == queue_name]
        ordered = queue_order(jobs, queue_name == "q1")
        if ordered and ordered[0].request["cpu"] + in_use <= capacity_cpu:
            assert ordered[0].job_id in started
