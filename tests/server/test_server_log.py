"""The server's log stays bounded (issue 14, item 2): repeated lines are collapsed, and the log
file a background server writes is rotated, stray stderr output included."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from pfctl.server.daemon.serverlog import RepeatFilter
from tests.server.limits import launch_limited_server
from tests.server.test_slow_clients import half_open


def collapsing_logger(window: float) -> tuple[logging.Logger, RepeatFilter, io.StringIO]:
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    repeats = RepeatFilter(window=window)
    repeats.attach(handler)
    logger = logging.Logger(f"test-{time.monotonic_ns()}")
    logger.addHandler(handler)
    return logger, repeats, output


def test_identical_records_are_collapsed_into_one_line() -> None:
    logger, repeats, output = collapsing_logger(window=60)
    for _ in range(1000):
        logger.error("socket.accept() out of system resource", exc_info=OSError(24, "Too many"))
        logger.warning("job %s failed", "a")
    logger.warning("job %s failed", "b")  # another message: let through
    repeats.flush()
    lines = [line for line in output.getvalue().splitlines() if not line.startswith(("  ", "T"))]
    assert lines.count("ERROR socket.accept() out of system resource") == 1
    assert "ERROR socket.accept() out of system resource (OSError: [Errno 24] Too many) " in (
        output.getvalue()
    )
    assert "(repeated 999 times)" in output.getvalue()
    assert lines.count("WARNING job a failed") == 1
    assert "WARNING job a failed (repeated 999 times)" in lines
    assert "WARNING job b failed" in lines
    assert len(output.getvalue()) < 4096


def test_a_repeat_after_the_window_is_let_through_with_the_count() -> None:
    logger, _repeats, output = collapsing_logger(window=0.2)
    for _ in range(5):
        logger.warning("disk full")
    time.sleep(0.3)
    logger.warning("disk full")
    assert output.getvalue().splitlines() == [
        "WARNING disk full",
        "WARNING disk full (repeated 4 times)",
        "WARNING disk full",
    ]


# Logs 6 MiB through the server's logging with a 256 KiB bound, writing stray lines straight to
# stderr and raising in a thread as it goes.
_FLOOD = """
import os, sys, threading, logging
from pathlib import Path
from pfctl.server.daemon import serverlog
serverlog.MAX_LOG_BYTES = 256 * 1024
serverlog.configure_logging(Path(sys.argv[1]))
logger = logging.getLogger("pfctl.server")
for n in range(24_000):
    logger.warning("line %d %s", n, "x" * 240)
    if n % 1000 == 0:
        os.write(2, b"stray stderr line %d\\n" % n)
        thread = threading.Thread(target=lambda: 1 / 0, name=f"thrower-{n}")
        thread.start()
        thread.join()
os.write(2, b"last stray line\\n")
logger.warning("the end")
"""


def test_the_log_file_is_rotated_and_takes_stray_output(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    done = subprocess.run(
        [sys.executable, "-c", _FLOOD, str(log)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # everything went to the log
    files = sorted(tmp_path.glob("server.log*"))
    assert [path.name for path in files] == [
        "server.log",
        "server.log.1",
        "server.log.2",
        "server.log.3",
    ]
    assert sum(path.stat().st_size for path in files) <= 4 * (256 + 2) * 1024
    current = log.read_text()
    assert "last stray line" in current and "the end" in current
    everything = "".join(path.read_text() for path in files)
    assert "ZeroDivisionError" in everything  # uncaught in a thread: logged, not lost


def test_start_sends_the_server_output_to_its_bounded_log(tmp_path: Path) -> None:
    from tests.helpers.cli import run_pfctl

    data_dir = tmp_path / "data"
    started = run_pfctl("server", "start", "--port", "0", "--data-dir", str(data_dir))
    try:
        assert started.returncode == 0, started.stderr
        pid = json.loads((data_dir / "server.pid").read_text())["pid"]
        log = str(data_dir / "server.log")
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert [b"--log-file", log.encode()] in [command[n : n + 2] for n in range(len(command))]
        for fd in (1, 2):
            assert os.readlink(f"/proc/{pid}/fd/{fd}") == log
    finally:
        run_pfctl("server", "stop", "--data-dir", str(data_dir))
    assert "listening on" in (data_dir / "server.log").read_text()


def test_half_open_connections_under_a_tiny_descriptor_limit_leave_the_log_quiet(
    tmp_path: Path,
) -> None:
    """80 half-open connections against 48 descriptors: the server used to fail accept() in a
    loop and log 30,000 tracebacks (32 MB) in 4 s; now it keeps 16 connections and logs a line."""
    server = launch_limited_server(tmp_path / "data", nofile=48, args=["--no-executor"])
    try:
        with half_open(server, 80):
            time.sleep(4)
    finally:
        server.stop()
    text = server.log_path.read_text(errors="replace")
    assert "socket.accept() out of system resource" not in text
    assert len(text) < 16 * 1024, text[-2000:]


def test_accept_errors_are_logged_once_with_a_count(tmp_path: Path) -> None:
    """A cap set above what the descriptors allow, on purpose: accept() fails again and again,
    and the log says so once, then how many times it repeated."""
    log = tmp_path / "server.log"
    server = launch_limited_server(
        tmp_path / "data",
        nofile=48,
        args=["--no-executor", "--max-connections", "200", "--log-file", str(log)],
    )
    try:
        with half_open(server, 80):
            time.sleep(4)
    finally:
        server.stop()
    text = log.read_text()
    assert text.count("socket.accept() out of system resource") == 2, text  # once, then the count
    assert "socket.accept() out of system resource (OSError: [Errno 24]" in text
    assert "repeated" in text, text
