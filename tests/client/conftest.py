"""Fixtures for the client tests: ``dropping_server``, a tiny socket server that drops every
request the way a network or a gateway can (which the local server cannot be made to do).

``settings``, ``client`` (root's client of the session's real local server) and
``scripted_server`` are shared fixtures (``tests.helpers.fixtures``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import RecordingTCPServer


@pytest.fixture
def dropping_server() -> Iterator[RecordingTCPServer]:
    """A server that drops every request after reading it."""
    server = RecordingTCPServer()
    yield server
    server.close()
