"""The server tests' own fixture: ``runtime_server``, a factory ``start(data_dir=None,
grace_seconds=1.0, reserve_after_seconds=60.0)`` of servers running the local runtime
(``tests.helpers.server.RuntimeServer``), all stopped after the test.

``api_server``, ``root_api`` and ``make_user`` are shared fixtures (``tests.helpers.fixtures``).
``Api``, ``login``, ``assert_error``, ``PREFIX`` and ``NO_EXECUTOR`` stay importable from here;
their home is ``tests.helpers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.api import PREFIX, Api, assert_error, login
from tests.helpers.server import NO_EXECUTOR, RuntimeServer, launch_runtime_server

__all__ = ["NO_EXECUTOR", "PREFIX", "Api", "assert_error", "login", "runtime_server"]


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
