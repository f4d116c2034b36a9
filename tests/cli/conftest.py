"""Fixtures of the end-to-end tests of `pfctl diff` and `pfctl apply`.

- ``pfctl`` (function): ``pfctl(*args, server=..., stdin=None) -> CompletedProcess`` runs the real
  CLI in a subprocess against a server handle (``tests.helpers.cli.run_pfctl``).
- ``manifests`` (function): ``manifests(name, *documents) -> Path`` writes a multi-document YAML
  file of manifests into the test's tmp dir.
- ``root_client`` (function): ``root_client(handle) -> PaddleFlowClient``, logged in as root,
  for setting the scene.

``prefix``, ``client``, ``settings`` and ``scripted_server`` are shared fixtures
(``tests.helpers.fixtures``); plain helpers (``server_requests``, ``wait_for_status``) are in
``apply_helpers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pfctl.client.api import PaddleFlowClient
from pfctl.client.config import ClientSettings
from pfctl.client.tokens import TokenCache
from tests.helpers.cli import run_pfctl

from .apply_helpers import RunPfctl, WriteManifests


@pytest.fixture
def pfctl() -> RunPfctl:
    """``pfctl(*args, server=..., stdin=None, timeout=240)``: the CLI in a subprocess."""
    return run_pfctl


@pytest.fixture
def manifests(tmp_path: Path) -> WriteManifests:
    def write(name: str, *documents: dict[str, Any]) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump_all(list(documents), sort_keys=False))
        return path

    return write


@pytest.fixture
def root_client(tmp_path: Path) -> Iterator[Callable[[Any], PaddleFlowClient]]:
    opened: list[PaddleFlowClient] = []

    def open_client(server: Any) -> PaddleFlowClient:
        settings = ClientSettings.for_server(server.url, server.user, server.password)
        client = PaddleFlowClient(settings, token_cache=TokenCache(tmp_path / "sdk-tokens"))
        opened.append(client)
        return client

    yield open_client
    for opened_client in opened:
        opened_client.close()
