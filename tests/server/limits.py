"""A ``pfctl server run`` under a low descriptor limit, and what it holds: for the tests of the
server's resource bounds (connections, descriptors, memory, slow clients).

- ``launch_limited_server(data_dir, nofile, args=())``: the server with ``RLIMIT_NOFILE`` set to
  ``nofile`` (soft and hard) before it starts; a ``ServerHandle`` the caller stops.
- ``open_descriptors(pid)`` and ``resident_kib(pid)``: from ``/proc``.
- ``wait_until(probe, done, timeout)``: poll ``probe`` until ``done(value)``; the last value.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from tests.helpers.server import ServerHandle

# Sets the limit, then becomes ``python -m pfctl ...`` (same pid): no preexec_fn in a test process
# that may have threads.
_LIMITED = (
    "import os, resource, sys; "
    "limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)); "
    "os.execv(sys.executable, [sys.executable, '-m', 'pfctl', *sys.argv[2:]])"
)

T = TypeVar("T")


def launch_limited_server(
    data_dir: Path, nofile: int, args: Sequence[str] = (), env: dict[str, str] | None = None
) -> ServerHandle:
    """``pfctl server run`` on a free loopback port with at most ``nofile`` descriptors."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", _LIMITED, str(nofile), "server", "run"]
    command += ["--host", "127.0.0.1", "--port", "0", "--data-dir", str(data_dir), *args]
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env if env is not None else dict(os.environ),
        )
    handle = ServerHandle(process, data_dir, log_path)
    try:
        handle.wait_ready()
    except BaseException:
        handle.kill()
        raise
    return handle


def open_descriptors(pid: int) -> int:
    """How many descriptors ``pid`` holds."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def resident_kib(pid: int) -> int:
    """``pid``'s resident set size (VmRSS), in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def wait_until(probe: Callable[[], T], done: Callable[[T], bool], timeout: float) -> T:
    """Call ``probe`` until ``done(value)`` or ``timeout`` seconds passed; the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.25)
