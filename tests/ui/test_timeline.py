"""The timeline's segments of one job, from its stored times (pure: no server)."""

from __future__ import annotations

import dataclasses

from pfctl.server.store.jobrecords import JobRecord
from pfctl.server.ui.timeline import WIDTH, segments

WINDOW = (1000.0, 4600.0)  # one hour
SCALE = WIDTH / 3600


def _at(seconds: float) -> float:
    """``seconds`` of the window in drawing units, rounded as the drawing rounds them."""
    return round(seconds * SCALE, 2)


def _job(status: str, accepted: float, started: float | None, finished: float | None) -> JobRecord:
    return JobRecord(
        pk=1, id="j", name="j", type="single", framework="standalone", user_name="root",
        queue="q", priority="NORMAL", status=status, message="", labels={}, annotations={},
        spec={}, runtime=None, accepted_at=accepted, updated_at=finished or accepted,
        activated_at=started, finished_at=finished,
    )  # fmt: skip


def test_a_waiting_job_waits_until_now() -> None:
    (waiting,) = segments(_job("pending", 4000.0, None, None), WINDOW)
    assert (waiting.kind, waiting.x, waiting.width) == ("waiting", _at(3000), _at(600))


def test_a_finished_job_waited_then_ran_in_its_outcome_colour() -> None:
    parts = segments(_job("failed", 2000.0, 2360.0, 4160.0), WINDOW)
    assert [(p.kind, p.x, p.width) for p in parts] == [
        ("waiting", _at(1000), _at(360)),
        ("failed", _at(1360), _at(1800)),
    ]
    stopped = segments(_job("terminated", 2000.0, 2000.0, 2100.0), WINDOW)
    assert [p.kind for p in stopped] == ["stopped"]  # no wait: no waiting segment


def test_what_lies_before_the_window_is_cut_off() -> None:
    parts = segments(_job("running", 0.0, 500.0, None), WINDOW)
    assert [(p.kind, p.x, p.width) for p in parts] == [("running", 0.0, WIDTH)]
    assert segments(_job("succeeded", 0.0, 10.0, 20.0), WINDOW) == []


def test_a_final_job_without_a_finish_time_ends_at_its_last_update() -> None:
    job = dataclasses.replace(_job("succeeded", 2000.0, 2100.0, None), updated_at=2200.0)
    (*_, ran) = segments(job, WINDOW)
    assert (ran.kind, ran.x, ran.width) == ("succeeded", _at(1100), _at(100))


def test_a_job_that_ended_without_running_only_waited() -> None:
    parts = segments(_job("terminated", 2000.0, None, 2500.0), WINDOW)
    assert [(p.kind, p.x, p.width) for p in parts] == [("waiting", _at(1000), _at(500))]
