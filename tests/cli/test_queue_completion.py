"""Shell completion of queue and flavour names from the real local server, through Typer's own
mechanism (the ``_PFCTL_COMPLETE`` variable a shell's completion script sets)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from pfctl.client import PaddleFlowClient
from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import unique_id
from tests.helpers.server import free_port


def _complete_bash(words: str, server: str) -> subprocess.CompletedProcess[str]:
    """What bash's completion script asks pfctl when Tab is pressed after ``words``."""
    env = {
        "_PFCTL_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    return run_pfctl(server=server, env=env, timeout=60)


@pytest.fixture
def queues(client: PaddleFlowClient) -> Iterator[tuple[str, str]]:
    """Two fresh queues whose names share a prefix; the prefix and the first name."""
    prefix = unique_id("cq")
    names = [f"{prefix}-a", f"{prefix}-b"]
    for name in names:
        client.create_queue(name, namespace="default", max_resources={"cpu": "1", "mem": "1Gi"})
    yield prefix, names[0]
    for name in names:
        client.delete_queue(name)


@pytest.mark.parametrize("command", ["show", "update", "delete"])
def test_queue_names_complete(pf_server: Any, queues: tuple[str, str], command: str) -> None:
    prefix, first = queues
    result = _complete_bash(f"pfctl queue {command} {prefix}", pf_server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [first, f"{prefix}-b"]
    assert result.stderr == ""


def test_queue_grant_completes_the_queue_after_the_user(
    pf_server: Any, queues: tuple[str, str]
) -> None:
    _, first = queues
    result = _complete_bash(f"pfctl queue grant someone {first}", pf_server.url)
    assert result.stdout.split() == [first]


def test_flavour_names_complete(pf_server: Any) -> None:
    result = _complete_bash("pfctl flavour show flavour", pf_server.url)
    assert result.returncode == 0, result.stderr
    assert {"flavour1", "flavour2", "flavour3"} <= set(result.stdout.split())
    assert _complete_bash("pfctl flavour delete flavour2", pf_server.url).stdout.split() == [
        "flavour2"
    ]


def test_no_server_completes_nothing_silently() -> None:
    result = _complete_bash("pfctl queue show def", f"http://127.0.0.1:{free_port()}")
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")
