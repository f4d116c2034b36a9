"""Fixtures for the reliability suite: private real servers over real sockets.

- ``fuzz_server`` (module): an API-only server (``--no-executor``) that fuzzers may trash.

The shared ``api_server``, ``root_api`` and ``make_user`` come from ``tests.helpers.fixtures``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.server import NO_EXECUTOR, ServerHandle, private_server


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """A private API-only server for one test module; fuzzing may change its users and queues."""
    with private_server(tmp_path_factory, "fuzz-server", NO_EXECUTOR) as handle:
        yield handle
