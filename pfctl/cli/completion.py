"""Shell completion of job ids, queue names and flavour names, asked of the server in force.

Completion runs on every Tab press, so it must never hang or print an error into the user's
shell: the server gets one short request with no retries, and any failure completes nothing.
Only light modules are imported here; the client loads when a completion actually runs.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

#: (connect, read) seconds: a server slower than this completes nothing.
COMPLETION_TIMEOUT = (0.5, 1.5)
#: Ids offered at most (one page of ``GET /job``).
COMPLETION_PAGE_SIZE = 1000

JobIdCompleter = Callable[[typer.Context, str], list[tuple[str, str]]]


def job_ids_from_server(
    ctx: typer.Context, incomplete: str, *, only_final: bool | None = None
) -> list[tuple[str, str]]:
    """``(id, "status  name")`` for the jobs whose id starts with ``incomplete``.

    The connection options already typed on the command line (``--server``, ``--user``, ...)
    are honoured, then the environment and config file as for any command. ``only_final``:
    True keeps finished jobs, False unfinished ones, None all. Returns ``[]`` on any failure.
    """
    try:
        from pfctl.cli.connection import load_settings
        from pfctl.client.api import PaddleFlowClient
        from pfctl.spec.statuses import is_final

        typed = ctx.params
        settings = load_settings(
            typed.get("server"), typed.get("user"), typed.get("password"), typed.get("pf_config")
        )
        with PaddleFlowClient(settings, timeout=COMPLETION_TIMEOUT, retries=0) as client:
            jobs = client.list_jobs(max_keys=COMPLETION_PAGE_SIZE).jobs
    except Exception:  # completion must stay silent whatever goes wrong
        return []
    choices: list[tuple[str, str]] = []
    for job in jobs:
        job_id, status = str(job.get("id") or ""), str(job.get("status") or "")
        if not job_id.startswith(incomplete):
            continue
        if only_final is not None and is_final(status) != only_final:
            continue
        choices.append((job_id, f"{status}  {job.get('name') or ''}".strip()))
    return sorted(choices)


def job_id_completer(*, only_final: bool | None = None) -> JobIdCompleter:
    """A Typer ``autocompletion`` callback offering the server's job ids (see
    :func:`job_ids_from_server` for ``only_final``)."""

    def complete(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        return job_ids_from_server(ctx, incomplete, only_final=only_final)

    return complete


def resource_names_from_server(ctx: typer.Context, incomplete: str, kind: str) -> list[str]:
    """The names of the server's queues (``kind`` "queue") or flavours ("flavour") starting
    with ``incomplete``, read as job ids are (one short request, ``[]`` on any failure)."""
    try:
        from pfctl.cli.connection import load_settings
        from pfctl.client.api import PaddleFlowClient

        typed = ctx.params
        settings = load_settings(
            typed.get("server"), typed.get("user"), typed.get("password"), typed.get("pf_config")
        )
        with PaddleFlowClient(settings, timeout=COMPLETION_TIMEOUT, retries=0) as client:
            page_of = client.queue_page if kind == "queue" else client.flavour_page
            items = page_of(max_keys=COMPLETION_PAGE_SIZE).items
    except Exception:  # completion must stay silent whatever goes wrong
        return []
    names = (str(item.get("name") or "") for item in items)
    return sorted(name for name in names if name and name.startswith(incomplete))


def resource_name_completer(kind: str) -> Callable[[typer.Context, str], list[str]]:
    """A Typer ``autocompletion`` callback offering the server's queue or flavour names."""

    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        return resource_names_from_server(ctx, incomplete, kind)

    return complete
