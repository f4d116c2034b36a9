"""Fixtures for the corpus: the API-only session server, to compare the local corpus with."""

from __future__ import annotations

from tests.server.conftest import api_server, root_api

__all__ = ["api_server", "root_api"]
