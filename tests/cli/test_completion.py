"""Shell completion of job ids from the real local server, through Typer's own mechanism (the
``_PFCTL_COMPLETE`` environment variable a shell's completion script sets) and in-process."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import typer

from pfctl.cli.completion import job_ids_from_server
from pfctl.client import ClientSettings, PaddleFlowClient, TokenCache, wait_for_jobs
from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import single_body
from tests.helpers.server import free_port


@dataclass(frozen=True)
class Jobs:
    """Two jobs whose ids share ``prefix``: ``done`` has finished, ``busy`` still runs."""

    prefix: str
    done: str
    busy: str


def _body(job_id: str, command: str) -> dict[str, Any]:
    return {
        "id": job_id,
        "name": f"completion {command.split(maxsplit=1)[0]}",
        **single_body(command),
    }


@pytest.fixture
def jobs(pf_server: Any) -> Iterator[Jobs]:
    prefix = f"cmp-{uuid.uuid4().hex[:8]}"
    made = Jobs(prefix=prefix, done=f"{prefix}-done", busy=f"{prefix}-busy")
    settings = ClientSettings.for_server(pf_server.url, pf_server.user, pf_server.password)
    with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as client:
        client.create_job("single", _body(made.done, "true"))
        client.create_job("single", _body(made.busy, "sleep 600"))
        finished = wait_for_jobs(client, [made.done], timeout=60, poll_interval=0.2)
        assert not finished.pending
        yield made
        client.stop_job(made.busy)


def _complete_bash(words: str, server: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """What bash's completion script asks pfctl when Tab is pressed after ``words``."""
    env = {
        "_PFCTL_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
        **extra_env,
    }
    return run_pfctl(server=server, env=env, timeout=60)


def _context(**params: Any) -> typer.Context:
    """The context of `pfctl job show` with these options already parsed."""
    import typer.main

    from pfctl.cli.main import app

    root = typer.Context(typer.main.get_command(app), info_name="pfctl")
    group: Any = root.command
    jobs_context = typer.Context(group.get_command(root, "job"), info_name="job", parent=root)
    jobs_group: Any = jobs_context.command
    context = typer.Context(jobs_group.get_command(jobs_context, "show"), parent=jobs_context)
    context.params = params
    return context


def test_show_completes_every_matching_id_with_its_status(pf_server: Any, jobs: Jobs) -> None:
    result = _complete_bash(f"pfctl job show {jobs.prefix}", pf_server.url)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == [jobs.busy, jobs.done]
    assert result.stderr == ""


def test_zsh_completion_carries_status_and_name_as_help(pf_server: Any, jobs: Jobs) -> None:
    env = {
        "_PFCTL_COMPLETE": "complete_zsh",
        "_TYPER_COMPLETE_ARGS": f"pfctl job logs {jobs.done[:-2]}",
    }
    result = run_pfctl(server=pf_server, env=env)
    assert result.returncode == 0, result.stderr
    assert f'"{jobs.done}":"succeeded  completion true"' in result.stdout
    assert jobs.busy not in result.stdout


def test_stop_offers_unfinished_jobs_and_delete_finished_ones(pf_server: Any, jobs: Jobs) -> None:
    stop = _complete_bash(f"pfctl job stop {jobs.prefix}", pf_server.url)
    delete = _complete_bash(f"pfctl job delete {jobs.prefix}", pf_server.url)
    assert stop.stdout.split() == [jobs.busy]
    assert delete.stdout.split() == [jobs.done]


def test_wait_completes_each_further_id(pf_server: Any, jobs: Jobs) -> None:
    result = _complete_bash(f"pfctl job wait other-id {jobs.prefix}", pf_server.url)
    assert result.stdout.split() == [jobs.busy]


def test_connection_flags_typed_before_the_id_are_used(pf_server: Any, jobs: Jobs) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    words = f"pfctl job show --server {pf_server.url} {jobs.prefix}"
    result = _complete_bash(words, dead)
    assert sorted(result.stdout.split()) == [jobs.busy, jobs.done]


@pytest.mark.parametrize("reason", ["no server", "wrong password"])
def test_any_failure_completes_nothing_silently(pf_server: Any, jobs: Jobs, reason: str) -> None:
    if reason == "no server":
        result = _complete_bash(f"pfctl job show {jobs.prefix}", f"127.0.0.1:{free_port()}")
    else:
        result = _complete_bash(
            f"pfctl job show {jobs.prefix}", pf_server.url, PFCTL_PASSWORD="not-the-password"
        )
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")


def test_completion_function_filters_by_prefix_and_finality(pf_server: Any, jobs: Jobs) -> None:
    context = _context(server=pf_server.url)
    every = job_ids_from_server(context, jobs.prefix)
    assert [job_id for job_id, _ in every] == [jobs.busy, jobs.done]
    assert job_ids_from_server(context, jobs.prefix, only_final=True) == [
        (jobs.done, "succeeded  completion true")
    ]
    assert [job_id for job_id, _ in job_ids_from_server(context, jobs.done + "x")] == []


def test_completion_function_returns_nothing_for_an_invalid_server_address() -> None:
    assert job_ids_from_server(_context(server="ftp://nowhere"), "") == []
