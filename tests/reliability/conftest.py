"""Fixtures for the reliability suite: private real servers over real sockets.

- ``fuzz_server`` (module): an API-only server (``--no-executor``) that fuzzers may trash.
- ``api_server``, ``root_api``, ``make_user``: re-exported from ``tests/server/conftest.py``
  (a session API-only server, root logged in, and a factory of fresh logged-in users).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import ServerHandle, launch_pf_server
from tests.server.conftest import api_server, make_user, root_api

__all__ = ["api_server", "fuzz_server", "make_user", "root_api"]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """A private API-only server for one test module; fuzzing may change its users and queues."""
    home = tmp_path_factory.mktemp("fuzz-home")
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    handle = launch_pf_server(
        tmp_path_factory.mktemp("fuzz-server") / "data", env, args=("--no-executor",)
    )
    yield handle
    handle.stop()
