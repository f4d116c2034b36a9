"""How a wait shows: the progress line, the summary, and the display on a terminal or not."""

from __future__ import annotations

import io

from pfctl.apply.wait import WaitReport
from pfctl.cli.wait_progress import (
    WaitDisplay,
    progress_line,
    status_counts,
    summary_line,
    summary_lines,
)
from pfctl.client.waiting import WaitProgress


def statuses(**counts: int) -> dict[str, str]:
    """``count`` jobs in each status, with made-up ids."""
    return {f"{status}-{n}": status for status, count in counts.items() for n in range(count)}


def test_the_progress_line_counts_every_status() -> None:
    line = progress_line(statuses(pending=5, running=12, succeeded=13), 41.4)
    assert line == "12 running, 5 pending, 13 succeeded, 0 failed, 41 s"
    assert progress_line({}, 0) == "0 running, 0 pending, 0 succeeded, 0 failed, 0 s"


def test_statuses_no_job_is_in_are_left_out_unless_always_counted() -> None:
    mixed = statuses(init=1, terminating=2, failed=1, terminated=3, gone=1, mystery=1)
    mixed["not-read-yet"] = ""
    assert status_counts(mixed) == (
        "0 running, 0 pending, 1 init, 2 terminating, 0 succeeded, 1 failed, 3 terminated, "
        "1 gone, 1 mystery"
    )


def test_the_summary_says_how_the_wait_ended() -> None:
    complete = WaitReport(statuses(succeeded=15))
    assert summary_line(complete) == "Wait complete: 15 succeeded, 0 failed."
    assert summary_lines(complete) == ["Wait complete: 15 succeeded, 0 failed."]

    states = {**statuses(succeeded=13), "train-c": "failed", "train-d": "terminated"}
    messages = {"train-c": "job is failed, replica worker-0 exited with code 3"}
    failed = WaitReport(states, ("train-c", "train-d"), (), messages)
    assert summary_lines(failed) == [
        "Wait failed: 13 succeeded, 1 failed, 1 terminated.",
        "failed train-c: job is failed, replica worker-0 exited with code 3",
        "terminated train-d",
    ]

    timed_out = WaitReport({"a": "succeeded", "b": "running"}, pending=("b",))
    assert summary_lines(timed_out) == [
        "Wait timed out: 1 running, 1 succeeded, 0 failed.",
        "still running at the timeout: b",
    ]
    gone = WaitReport({"a": "gone"}, gone=("a",))
    assert summary_line(gone) == "Wait failed: 0 succeeded, 0 failed, 1 gone."


def test_a_message_cannot_forge_a_line() -> None:
    report = WaitReport({"a": "failed"}, ("a",), (), {"a": "boom\nWait complete: all fine."})
    lines = summary_lines(report)
    assert len(lines) == 2 and "\n" not in lines[1]


def test_off_a_terminal_each_status_change_is_a_line() -> None:
    stream = io.StringIO()
    with WaitDisplay(stream, live=False) as display:
        display.on_status("train-a", "running")
        display.on_progress(WaitProgress({"train-a": "running"}, 1))
        display.on_status("train-a", "succeeded")
    assert stream.getvalue() == "train-a: running\ntrain-a: succeeded\n"


def test_on_a_terminal_one_line_is_rewritten() -> None:
    stream = io.StringIO()
    with WaitDisplay(stream, live=True) as display:
        display.on_status("a", "running")
        display.on_progress(WaitProgress(statuses(running=2, pending=10), 1))
        display.on_progress(WaitProgress(statuses(succeeded=2), 2))
    first = "2 running, 10 pending, 0 succeeded, 0 failed, 1 s"
    second = "0 running, 0 pending, 2 succeeded, 0 failed, 2 s"  # shorter: blanked to the end
    assert stream.getvalue() == f"\r{first}\r{second}{' ' * (len(first) - len(second))}\n"


def test_a_quiet_display_shows_nothing_and_the_default_follows_the_stream() -> None:
    stream = io.StringIO()
    with WaitDisplay(stream, quiet=True) as display:
        display.on_status("a", "running")
        display.on_progress(WaitProgress({"a": "running"}, 1))
    assert stream.getvalue() == ""
    assert not WaitDisplay(io.StringIO()).live  # not a terminal
