"""Fixtures for the runtime tests: a real server with the local runtime, over a real socket.

``runtime_server(data_dir=None, grace_seconds=1.0, reserve_after_seconds=60.0)`` starts
``tests/server/runtime/serve.py`` as a subprocess and returns a ``helpers.RuntimeServer`` (a root
session, ``create``, ``job``, ``wait_status``, ``kill()`` = SIGKILL, ``stop()`` = SIGTERM and wait).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .helpers import RuntimeServer


def launch_runtime_server(
    data_dir: Path, grace_seconds: float = 1.0, reserve_after_seconds: float = 60.0
) -> RuntimeServer:
    """Start ``serve.py`` on ``data_dir`` and wait until root is logged in."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"server-{time.monotonic_ns()}.log"
    script = Path(__file__).with_name("serve.py")
    command = [sys.executable, str(script), str(data_dir), str(grace_seconds)]
    command.append(str(reserve_after_seconds))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    server = RuntimeServer(process, data_dir, log_path)
    try:
        server.wait_ready()
    except BaseException:
        server.kill()
        raise
    return server


@pytest.fixture
def runtime_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., RuntimeServer]]:
    """A factory of servers running the local runtime; all are stopped after the test."""
    started: list[RuntimeServer] = []

    def start(
        data_dir: Path | None = None,
        grace_seconds: float = 1.0,
        reserve_after_seconds: float = 60.0,
    ) -> RuntimeServer:
        directory = data_dir or tmp_path_factory.mktemp("runtime-server") / "data"
        server = launch_runtime_server(directory, grace_seconds, reserve_after_seconds)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
