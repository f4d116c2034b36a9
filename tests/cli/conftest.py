"""Helpers for the end-to-end tests of `pfctl diff` and `pfctl apply`.

- ``pfctl`` (function): ``pfctl(*args, server=..., stdin=None) -> CompletedProcess`` runs the real
  CLI in a subprocess against a server handle.
- ``manifests`` (function): ``manifests(name, *documents) -> Path`` writes a multi-document YAML
  file of manifests into the test's tmp dir.
- ``prefix`` (function): a unique job-id prefix, so tests sharing the session server never meet.
- ``root_client`` (function): ``root_client(handle) -> PaddleFlowClient``, logged in as root,
  for setting the scene.

Plain helpers (``single``, ``server_requests``) are in ``apply_helpers``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pfctl.client.api import PaddleFlowClient
from pfctl.client.config import ClientSettings
from pfctl.client.tokens import TokenCache
from tests.client.conftest import client, scripted_server, settings

__all__ = ["client", "scripted_server", "settings"]  # the client tests' fixtures, used here too

from .apply_helpers import RunPfctl, WriteManifests


@pytest.fixture
def pfctl() -> RunPfctl:
    def run(
        *args: str, server: Any, stdin: str | None = None, timeout: float = 240
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PFCTL_SERVER": server.url, "NO_COLOR": "1"}
        return subprocess.run(
            [sys.executable, "-m", "pfctl", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture
def manifests(tmp_path: Path) -> WriteManifests:
    def write(name: str, *documents: dict[str, Any]) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump_all(list(documents), sort_keys=False))
        return path

    return write


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


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
