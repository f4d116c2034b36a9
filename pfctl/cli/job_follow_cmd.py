"""`pfctl job wait` and `pfctl job logs`: following jobs while they run.

``pfctl.cli.job_cmd`` adds these commands to ``pfctl job`` after its own, through
:func:`register`.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from pfctl.cli.completion import job_id_completer
from pfctl.cli.connection import (
    PasswordOption,
    PfConfigOption,
    RequestTimeoutOption,
    ServerOption,
    UserOption,
    open_client,
)
from pfctl.cli.durations import DURATION_METAVAR, duration
from pfctl.cli.help import examples
from pfctl.cli.job_options import JobIdArgument, OutputOption
from pfctl.cli.output import OutputFormat, resolve_format
from pfctl.errors import ExitCode


class LogFormat(str, Enum):
    """Values of ``job logs -o``."""

    TEXT = "text"
    JSON = "json"
    YAML = "yaml"


def wait(
    *,
    job_ids: Annotated[
        list[str],
        typer.Argument(
            metavar="JOBID...",
            help="Jobs to wait for.",
            autocompletion=job_id_completer(only_final=False),
        ),
    ],
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar=DURATION_METAVAR,
            parser=duration,
            help="Give up after this long (90, 90s, 2m, 1h30m).",
        ),
    ] = None,
    interval: Annotated[
        float,
        typer.Option(
            "--interval", metavar=DURATION_METAVAR, parser=duration, help="Time between polls."
        ),
    ] = 1.0,
    output: OutputOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Wait until the jobs reach a final status; exit 1 if any failed or was terminated.

    On a terminal a progress line counts the jobs by status; otherwise each status change is a
    line (`ID: status`). A summary ends the wait, with the message of each job that failed."""
    from pfctl.apply.model import APPLY_SET_LABEL, MANAGED_BY_LABEL
    from pfctl.apply.wait import WaitReport
    from pfctl.cli.job_views import render_wait_result
    from pfctl.cli.wait_progress import WaitDisplay, summary_lines
    from pfctl.client.waiting import wait_for_jobs

    connection = open_client(server, user, password, pf_config, request_timeout)
    with connection as client, WaitDisplay() as display:
        result = wait_for_jobs(
            client,
            job_ids,
            timeout=timeout,
            poll_interval=interval,
            on_change=lambda job_id, job: display.on_status(job_id, job.get("status")),
            on_poll=display.on_progress,
            # jobs of one apply-set (or all pfctl's) are then listed by that label
            learn_labels=(APPLY_SET_LABEL, MANAGED_BY_LABEL),
        )
    typer.echo(render_wait_result(list(result.jobs.values()), resolve_format(output)))
    for line in summary_lines(WaitReport.from_result(result)):
        typer.echo(line, err=True)
    if not result.ok:
        raise typer.Exit(int(ExitCode.FAILURE))


def logs(
    *,
    job_id: JobIdArgument,
    follow: Annotated[
        bool, typer.Option("-f", "--follow", help="Keep printing new lines.")
    ] = False,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="Only the replicas of this role (a distributed job's member role, e.g. worker, "
            "pserver; a workflow node's name).",
        ),
    ] = None,
    index: Annotated[
        int | None,
        typer.Option(
            "--index",
            min=0,
            help="Only the replicas with this index (0-based, within their role).",
        ),
    ] = None,
    tail: Annotated[
        int | None,
        typer.Option(
            "--tail",
            min=0,
            metavar="N",
            help="Only the last N lines of each task (without it: the first 1000 lines).",
            show_default=False,
        ),
    ] = None,
    interval: Annotated[
        float,
        typer.Option(
            "--interval", metavar=DURATION_METAVAR, parser=duration, help="Time between polls."
        ),
    ] = 2.0,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            metavar="NAME",
            help="The cluster to name in the log requests (default: the cluster of the job's "
            "queue, which a server shows a non-root user only for a queue granted to them).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        LogFormat,
        typer.Option(
            "-o",
            "--output",
            help="text: the log lines, under a header per task; json or yaml: the server's "
            "answer as it is (PaddleFlow's log object: runtimeInfo, eventList, logs).",
            case_sensitive=False,
        ),
    ] = LogFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Print a job's logs (with -f, until the job reaches a final status).

    --role and --index pick replicas; if they match none of the job's tasks, the command
    exits 1. A server whose tasks carry no role or index (PaddleFlow on Kubernetes) cannot be
    filtered: every task is shown, after a warning.
    """
    from pfctl.cli.job_views import LogSections
    from pfctl.cli.output import render_data
    from pfctl.client.logs import TaskFilter, fetch_job_logs, read_job_logs

    sections = LogSections()
    task_filter = TaskFilter(role=role, index=index)

    def print_text(task: str, text: str) -> None:
        typer.echo(sections.render(task, text), nl=False)

    def warn(message: str) -> None:
        typer.echo(f"warning: {message}", err=True)

    with open_client(server, user, password, pf_config, request_timeout) as client:
        if output is not LogFormat.TEXT:
            answer = fetch_job_logs(
                client,
                job_id,
                task_filter=task_filter,
                on_warning=warn,
                tail=tail,
                cluster_name=cluster,
            )
            typer.echo(render_data(answer, OutputFormat(output.value)))
            return
        read_job_logs(
            client,
            job_id,
            print_text,
            follow=follow,
            poll_interval=interval,
            on_tasks=sections.start,
            task_filter=task_filter,
            on_warning=warn,
            tail=tail,
            cluster_name=cluster,
        )


def register(job_app: typer.Typer) -> None:
    """Add ``wait`` and ``logs`` to the ``pfctl job`` group."""
    job_app.command(
        epilog=examples("pfctl job wait job-1234", "pfctl job wait job-1 job-2 --timeout 600")
    )(wait)
    job_app.command(
        epilog=examples(
            "pfctl job logs job-1234",
            "pfctl job logs job-1234 -f",
            "pfctl job logs job-1234 --tail 20 -f",
            "pfctl job logs job-1234 --role worker",
            "pfctl job logs job-1234 --role pserver --index 0 -f",
            "pfctl job logs job-1234 --index 1 -o json",
        )
    )(logs)
