"""The server's log: where it goes, its size bound, and repeats collapsed.

``configure_logging(log_file)`` sends the records of pfctl (INFO and up), uvicorn and asyncio
(WARNING and up), and uncaught exceptions in threads, to one handler:

- with ``log_file`` (``pfctl server start`` passes ``<data_dir>/server.log``), a rotating file:
  at ``MAX_LOG_BYTES`` it is renamed ``server.log.1`` (older ones shift, ``BACKUP_LOGS`` are
  kept), so the log never takes more than ``(BACKUP_LOGS + 1) * MAX_LOG_BYTES`` plus one record.
  The process's stdout and stderr point at the current file too, so a traceback printed by
  anything else lands in the same, bounded log;
- otherwise stderr, as a foreground ``pfctl server run`` prints.

``RepeatFilter`` holds back a record identical to one let through less than ``window`` seconds
before (same logger, level, message and exception), and reports them in one line, ``... (repeated
N times in 30 s)``: under a fault that repeats (the descriptors ran out, the disk is full) the log
gets two lines a window per distinct message instead of one per attempt.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

MAX_LOG_BYTES = 5 * 1024 * 1024
BACKUP_LOGS = 3
REPEAT_WINDOW_SECONDS = 30.0
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: the distinct messages whose repeats are counted at once (the least recent is reported first)
_TRACKED_MESSAGES = 256


@dataclass
class _Seen:
    passed_at: float  # when the last record of this message was let through
    held: int = 0  # repeats held back since


class RepeatFilter(logging.Filter):
    """Collapses repeats of identical records (see the module docstring); ``attach`` it to the
    handler whose output it bounds."""

    def __init__(self, window: float = REPEAT_WINDOW_SECONDS) -> None:
        super().__init__()
        self.window = window
        self._seen: dict[tuple[str, int, str, str], _Seen] = {}
        self._lock = threading.Lock()
        self._handler: logging.Handler | None = None
        self._swept_at = time.monotonic()

    def attach(self, handler: logging.Handler) -> None:
        """Filter ``handler``'s records; the repeat counts are written through it."""
        self._handler = handler
        handler.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "pf_repeats", False):
            return True
        key = _identity(record)
        now = time.monotonic()
        due: list[tuple[tuple[str, int, str, str], int, float]] = []
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen.passed_at < self.window:
                seen.held += 1
                passed = False
            else:
                if seen is not None and seen.held:
                    due.append((key, seen.held, now - seen.passed_at))
                self._seen.pop(key, None)
                self._seen[key] = _Seen(passed_at=now)
                passed = True
            due += self._sweep(now)
        for repeated, count, seconds in due:
            self._report(repeated, count, seconds)
        return passed

    def flush(self) -> None:
        """Report every repeat held back so far (at shutdown)."""
        with self._lock:
            due = [(key, seen.held, 0.0) for key, seen in self._seen.items() if seen.held]
            self._seen.clear()
        for repeated, count, seconds in due:
            self._report(repeated, count, seconds)

    def _sweep(self, now: float) -> list[tuple[tuple[str, int, str, str], int, float]]:
        """Repeats of messages whose window has passed, and old messages to forget (under the
        lock; at most once a second)."""
        if now - self._swept_at < 1.0 and len(self._seen) <= _TRACKED_MESSAGES:
            return []
        self._swept_at = now
        due = []
        for key, seen in list(self._seen.items()):
            expired = now - seen.passed_at >= self.window
            if expired or len(self._seen) > _TRACKED_MESSAGES:
                if seen.held:
                    due.append((key, seen.held, now - seen.passed_at))
                del self._seen[key]
        return due

    def _report(self, key: tuple[str, int, str, str], count: int, seconds: float) -> None:
        if self._handler is None:
            return
        name, level, message, error = key
        first_line = (message.splitlines() or [""])[0]
        detail = f" ({error})" if error else ""
        within = f" in {seconds:.0f} s" if seconds >= 1 else ""
        record = logging.LogRecord(
            name,
            level,
            "",
            0,
            "%s%s (repeated %d times%s)",
            (first_line, detail, count, within),
            None,
        )
        record.__dict__["pf_repeats"] = True
        self._handler.handle(record)


def _identity(record: logging.LogRecord) -> tuple[str, int, str, str]:
    error = ""
    if record.exc_info and record.exc_info[1] is not None:
        error = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
    return (record.name, record.levelno, record.getMessage(), error)


class _ConsoleFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that is also the process's stdout and stderr."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=MAX_LOG_BYTES, backupCount=BACKUP_LOGS, encoding="utf-8")
        self._take_console()

    def doRollover(self) -> None:
        super().doRollover()
        self._take_console()

    def _take_console(self) -> None:
        if self.stream is None:
            self.stream = self._open()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        for fd in (1, 2):
            os.dup2(self.stream.fileno(), fd)


def configure_logging(log_file: Path | None = None) -> RepeatFilter:
    """Send the server process's logs to ``log_file`` (bounded) or stderr, repeats collapsed;
    the filter (``flush`` it at shutdown)."""
    handler: logging.Handler
    if log_file is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        handler = _ConsoleFileHandler(log_file)
    handler.setFormatter(logging.Formatter(_FORMAT))
    repeats = RepeatFilter()
    repeats.attach(handler)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("pfctl").setLevel(logging.INFO)
    threading.excepthook = _log_thread_exception
    return repeats


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    error = args.exc_value if args.exc_value is not None else args.exc_type()
    logging.getLogger("pfctl.server").error(
        "uncaught exception in thread %s", name, exc_info=(args.exc_type, error, args.exc_traceback)
    )
