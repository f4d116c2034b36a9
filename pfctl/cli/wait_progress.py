"""How a wait for jobs shows, for `pfctl job wait` and `pfctl apply --wait`.

While it waits, on stderr: on a terminal one line rewritten in place after each poll
(``12 running, 5 pending, 13 succeeded, 0 failed, 41 s``), otherwise one line per status
change (``train-a: running``), which a CI log keeps. At the end a summary that counts what the
jobs ended as, then each job that did not succeed with its message::

    Wait failed: 13 succeeded, 2 failed.
    failed train-c: job is failed, replica worker-0 exited with code 3
    failed train-d: job is failed, replica worker-0 exited with code 1
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from pfctl.spec.paths import escape_text
from pfctl.spec.statuses import FAILED, PENDING, RUNNING, SUCCEEDED

if TYPE_CHECKING:
    from pfctl.apply.wait import WaitReport
    from pfctl.client.waiting import WaitProgress

#: Counted on every progress and summary line, even at 0.
ALWAYS_COUNTED = (RUNNING, PENDING, SUCCEEDED, FAILED)


def status_counts(statuses: Mapping[str, str], always: tuple[str, ...] = ALWAYS_COUNTED) -> str:
    """``12 running, 5 pending, 13 succeeded, 0 failed``: the statuses of ``always`` (0 or not),
    and every other status some job is in, in the order of ``count_statuses``."""
    from pfctl.apply.wait import COUNT_ORDER, count_statuses

    counts = count_statuses(statuses)
    order = dict.fromkeys([*COUNT_ORDER, *counts])
    return ", ".join(
        f"{counts.get(status, 0)} {status}"
        for status in order
        if status in always or counts.get(status)
    )


def progress_line(statuses: Mapping[str, str], elapsed: float) -> str:
    """The terminal's progress line: every job's status counted, and the seconds waited
    (``12 running, 5 pending, 13 succeeded, 0 failed, 41 s``)."""
    return escape_text(f"{status_counts(statuses)}, {elapsed:.0f} s")


def summary_line(waited: WaitReport) -> str:
    """``Wait complete: 15 succeeded, 0 failed.``; ``Wait failed: ...`` when a job ended
    unsuccessfully or disappeared; ``Wait timed out: ...`` when the only trouble is jobs still
    running at the timeout (they are counted by their last status)."""
    if waited.ok:
        head = "Wait complete"
    elif waited.unsuccessful or waited.gone:
        head = "Wait failed"
    else:
        head = "Wait timed out"
    return escape_text(f"{head}: {status_counts(waited.statuses, (SUCCEEDED, FAILED))}.")


def summary_lines(waited: WaitReport) -> list[str]:
    """:func:`summary_line`, then each job that did not succeed (with its message), each job
    that disappeared, and the jobs still running at the timeout."""
    from pfctl.apply.render import wait_lines

    return [summary_line(waited), *wait_lines(waited)]


class WaitDisplay:
    """Shows a wait while it goes: pass :meth:`on_status` and :meth:`on_progress` to the wait,
    and use the display as a context manager so that a progress line is ended.

    ``live`` (default: whether ``stream`` is a terminal) picks the rewritten progress line over
    the line per status change; ``quiet`` shows nothing (machine output)."""

    def __init__(
        self, stream: TextIO | None = None, *, live: bool | None = None, quiet: bool = False
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = _is_terminal(self.stream) if live is None else live
        self.quiet = quiet
        self._width = 0  # length of the progress line on screen (0: none)

    def __enter__(self) -> WaitDisplay:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def on_status(self, job_id: str, status: Any) -> None:
        """A job's status was first seen or changed: ``train-a: running`` (not on a terminal)."""
        if self.quiet or self.live:
            return
        self.stream.write(escape_text(f"{job_id}: {status}") + "\n")
        self.stream.flush()

    def on_progress(self, progress: WaitProgress) -> None:
        """A poll ended: rewrite the progress line (on a terminal)."""
        if self.quiet or not self.live:
            return
        line = progress_line(progress.statuses, progress.elapsed)
        padding = " " * max(self._width - len(line), 0)  # blank out a longer previous line
        self.stream.write(f"\r{line}{padding}")
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        """End the progress line, so that what follows starts on a line of its own."""
        if self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # a closed stream
        return False
