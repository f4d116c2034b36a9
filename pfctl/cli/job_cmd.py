"""`pfctl job`: the `paddleflow job` commands, with the same options, short flags and messages."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Any

import typer

from pfctl.cli.completion import job_id_completer
from pfctl.cli.connection import (
    PasswordOption,
    PfConfigOption,
    ServerOption,
    UserOption,
    open_client,
)
from pfctl.cli.help import examples
from pfctl.cli.output import OUTPUT_HELP, OutputFormat, parse_key_values, resolve_format
from pfctl.errors import ExitCode, UsageError

job_app = typer.Typer(
    name="job",
    help="Create, show, list, update, stop, delete, wait for and read the logs of jobs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

OutputOption = Annotated[
    OutputFormat | None, typer.Option("-o", "--output", help=OUTPUT_HELP, show_default=False)
]
JobIdArgument = Annotated[
    str,
    typer.Argument(metavar="JOBID", help="The job's id.", autocompletion=job_id_completer()),
]
UnfinishedJobIdArgument = Annotated[
    str,
    typer.Argument(
        metavar="JOBID", help="The job's id.", autocompletion=job_id_completer(only_final=False)
    ),
]
FinishedJobIdArgument = Annotated[
    str,
    typer.Argument(
        metavar="JOBID", help="The job's id.", autocompletion=job_id_completer(only_final=True)
    ),
]
FieldListOption = Annotated[
    str | None,
    typer.Option("-fl", "--fieldlist", help="Show only these fields, e.g. id,status,priority."),
]


class JobType(str, Enum):
    """The create routes."""

    SINGLE = "single"
    DISTRIBUTED = "distributed"
    WORKFLOW = "workflow"


@job_app.command(
    epilog=examples(
        "pfctl job create single job.yaml",
        "pfctl job create distributed train.json",
        "cat job.yaml | pfctl job create single -",
    )
)
def create(
    *,
    job_type: Annotated[
        JobType, typer.Argument(metavar="JOBTYPE", help="single, distributed or workflow.")
    ],
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="Job file, JSON or YAML ('-' for stdin).")
    ],
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
) -> None:
    """Create a job from a JobSpec file (validated before it is sent)."""
    from pfctl.client.jobfile import build_create_body, check_create_body, read_job_document
    from pfctl.errors import InputError

    stdin_text = sys.stdin.read() if file == "-" else None
    document = read_job_document(file, stdin_text=stdin_text)
    declared = document.get("type")
    if declared not in (None, "", job_type.value):
        raise UsageError(f"{file} declares type {declared!r} but JOBTYPE is {job_type.value!r}")
    built = build_create_body(document)
    for path in built.ignored:
        typer.echo(f"note: {file}: {path} is ignored (PaddleFlow reads no such key)", err=True)
    problems = check_create_body(job_type.value, built.body)
    if problems:
        details = "\n".join(f"  {problem}" for problem in problems)
        raise InputError(f"{file} is not a valid {job_type.value} job request:\n{details}")
    with open_client(server, user, password, pf_config) as client:
        job_id = client.create_job(job_type.value, built.body)
    typer.echo(f"job create success, id[{job_id}]")


@job_app.command(
    epilog=examples(
        "pfctl job show job-1234",
        "pfctl job show job-1234 -o json",
        "pfctl job show job-1234 -fl id,status,priority",
    )
)
def show(
    *,
    job_id: JobIdArgument,
    fieldlist: FieldListOption = None,
    output: OutputOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
) -> None:
    """Show one job."""
    from pfctl.cli.job_views import parse_field_list, render_job

    fields = parse_field_list(fieldlist)
    with open_client(server, user, password, pf_config) as client:
        job = client.get_job(job_id)
    typer.echo(render_job(job, resolve_format(output), fields=fields))


@job_app.command(
    "list",
    epilog=examples(
        "pfctl job list",
        "pfctl job list -s running -l team=a -o wide",
        "pfctl job list -m 100 -o json",
    ),
)
def list_jobs(
    *,
    status: Annotated[
        str | None, typer.Option("-s", "--status", help="Only jobs in this status.")
    ] = None,
    timestamp: Annotated[
        int | None,
        typer.Option("-t", "--timestamp", help="Only jobs updated after this Unix time."),
    ] = None,
    starttime: Annotated[
        str | None,
        typer.Option("-st", "--starttime", help='Only jobs started after "YYYY-MM-DD HH:MM:SS".'),
    ] = None,
    queue: Annotated[
        str | None, typer.Option("-q", "--queue", help="Only jobs of this queue.")
    ] = None,
    labels: Annotated[
        str | None, typer.Option("-l", "--labels", help="Only jobs with these labels: k=v,k2=v2.")
    ] = None,
    maxkeys: Annotated[
        int | None, typer.Option("-m", "--maxkeys", help="Page size (server default 50, max 1000).")
    ] = None,
    marker: Annotated[
        str | None, typer.Option("-mk", "--marker", help="Start at this page marker.")
    ] = None,
    fieldlist: FieldListOption = None,
    all_pages: Annotated[
        bool, typer.Option("--all", help="Follow the markers: list every page.")
    ] = False,
    output: OutputOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
) -> None:
    """List jobs, one page (or every page with --all)."""
    from pfctl.cli.job_views import parse_field_list, render_job_list

    fields = parse_field_list(fieldlist)
    filters: dict[str, Any] = {
        "status": status,
        "timestamp": timestamp,
        "start_time": starttime,
        "queue": queue,
        "labels": parse_key_values(labels, "--labels"),
    }
    with open_client(server, user, password, pf_config) as client:
        if all_pages:
            jobs = list(client.iter_jobs(page_size=maxkeys or 1000, marker=marker, **filters))
            next_marker, truncated = None, False
        else:
            page = client.list_jobs(max_keys=maxkeys, marker=marker, **filters)
            jobs, next_marker, truncated = page.jobs, page.next_marker, page.truncated
    text = render_job_list(
        jobs,
        resolve_format(output),
        fields=fields,
        next_marker=next_marker,
        truncated=truncated,
        all_pages=all_pages,
    )
    typer.echo(text)


@job_app.command(
    epilog=examples(
        "pfctl job update job-1234 -p high",
        "pfctl job update job-1234 -l team=b,old= -a note=retry",
    )
)
def update(
    *,
    job_id: JobIdArgument,
    priority: Annotated[
        str | None, typer.Option("-p", "--priority", help="New priority, e.g. low, normal, high.")
    ] = None,
    labels: Annotated[
        str | None, typer.Option("-l", "--labels", help="Labels to set: k=v,k2=v2 (k= deletes).")
    ] = None,
    annotations: Annotated[
        str | None,
        typer.Option("-a", "--annotations", help="Annotations to set: k=v,k2=v2 (k= deletes)."),
    ] = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
) -> None:
    """Change a job's priority, labels or annotations."""
    label_map = parse_key_values(labels, "--labels")
    annotation_map = parse_key_values(annotations, "--annotations")
    if priority is None and label_map is None and annotation_map is None:
        raise UsageError("nothing to update: give --priority, --labels or --annotations")
    with open_client(server, user, password, pf_config) as client:
        client.update_job(job_id, priority=priority, labels=label_map, annotations=annotation_map)
    typer.echo(f"job[{job_id}] update success")


@job_app.command(epilog=examples("pfctl job stop job-1234"))
def stop(
    *,
    job_id: UnfinishedJobIdArgument,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
) -> None:
    """Stop a job."""
    with open_client(server, user, password, pf_config) as client:
        client.stop_job(job_id)
    typer.echo(f"job[{job_id}] stop success")


@job_app.command(epilog=examples("pfctl job delete job-1234"))
def delete(
    *,
    job_id: FinishedJobIdArgument,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
) -> None:
    """Delete a finished job."""
    with open_client(server, user, password, pf_config) as client:
        client.delete_job(job_id)
    typer.echo(f"job[{job_id}] delete success")


@job_app.command(
    epilog=examples("pfctl job wait job-1234", "pfctl job wait job-1 job-2 --timeout 600")
)
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
        float | None, typer.Option("--timeout", help="Give up after this many seconds.")
    ] = None,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between polls.")] = 1.0,
    output: OutputOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
) -> None:
    """Wait until the jobs reach a final status; exit 1 if any failed or was terminated."""
    from pfctl.cli.job_views import render_wait_result
    from pfctl.client.waiting import wait_for_jobs

    def report(job_id: str, job: dict[str, object]) -> None:
        typer.echo(f"job[{job_id}] {job.get('status')}", err=True)

    with open_client(server, user, password, pf_config) as client:
        result = wait_for_jobs(
            client, job_ids, timeout=timeout, poll_interval=interval, on_change=report
        )
    typer.echo(render_wait_result(list(result.jobs.values()), resolve_format(output)))
    if result.pending:
        typer.echo(f"error: timed out waiting for {', '.join(result.pending)}", err=True)
    if result.unsuccessful:
        typer.echo(f"error: unsuccessful: {', '.join(result.unsuccessful)}", err=True)
    if not result.ok:
        raise typer.Exit(int(ExitCode.FAILURE))


@job_app.command(
    epilog=examples(
        "pfctl job logs job-1234",
        "pfctl job logs job-1234 -f",
        "pfctl job logs job-1234 --tail 20 -f",
        "pfctl job logs job-1234 --role worker",
        "pfctl job logs job-1234 --role pserver --index 0 -f",
        "pfctl job logs job-1234 --index 1 -o json",
    )
)
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
    interval: Annotated[float, typer.Option("--interval", help="Seconds between polls.")] = 2.0,
    output: OutputOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
) -> None:
    """Print a job's logs (with -f, until the job reaches a final status).

    --role and --index pick replicas; if they match none of the job's tasks, the command
    exits 1. A server whose tasks carry no role or index (PaddleFlow on Kubernetes) cannot be
    filtered: every task is shown, after a warning.
    """
    from pfctl.cli.job_views import LogSections
    from pfctl.cli.output import render_data
    from pfctl.client.logs import TaskFilter, fetch_job_logs, read_job_logs

    chosen = output or OutputFormat.TABLE
    sections = LogSections()
    task_filter = TaskFilter(role=role, index=index)

    def print_text(task: str, text: str) -> None:
        typer.echo(sections.render(task, text), nl=False)

    def warn(message: str) -> None:
        typer.echo(f"warning: {message}", err=True)

    with open_client(server, user, password, pf_config) as client:
        if chosen in (OutputFormat.JSON, OutputFormat.YAML):
            answer = fetch_job_logs(
                client, job_id, task_filter=task_filter, on_warning=warn, tail=tail
            )
            typer.echo(render_data(answer, chosen))
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
        )


def register(app: typer.Typer) -> None:
    """Add ``pfctl job`` to the root application."""
    app.add_typer(job_app, name="job")
