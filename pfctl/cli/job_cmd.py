"""`pfctl job`: the `paddleflow job` commands, with the same options, short flags and messages."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pfctl.cli import job_describe, job_follow_cmd
from pfctl.cli.connection import (
    PasswordOption,
    PfConfigOption,
    RequestTimeoutOption,
    ServerOption,
    UserOption,
    open_client,
)
from pfctl.cli.help import examples
from pfctl.cli.job_actions import run_each
from pfctl.cli.job_options import (
    ActionFormat,
    ActionOutputOption,
    FieldListOption,
    FinishedJobIdsArgument,
    JobIdArgument,
    JobIdsArgument,
    QueryOutputOption,
    UnfinishedJobIdsArgument,
)
from pfctl.cli.job_watch import ShowWatchOption, WatchIntervalOption
from pfctl.cli.output import OutputFormat, parse_key_values, resolve_format
from pfctl.errors import UsageError

if TYPE_CHECKING:
    from pfctl.cli.query_output import OutputRequest
    from pfctl.client.api import JobPage

job_app = typer.Typer(
    name="job",
    help="Create, show, list, update, stop, delete, wait for and read the logs of jobs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


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
    output: ActionOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Create a job from a JobSpec file (checked as `pfctl validate` checks it, then sent)."""
    from pfctl.cli.color import severity
    from pfctl.client.jobfile import InvalidJobFileError, create_body_from_file

    def err(line: str) -> None:
        typer.echo(severity(line, stream=sys.stderr), err=True, color=True)

    stdin_text = sys.stdin.read() if file == "-" else None
    try:
        body = create_body_from_file(job_type.value, file, stdin_text=stdin_text, on_note=err)
    except InvalidJobFileError as invalid:
        for line in invalid.lines:  # each as `pfctl validate` prints it; the summary follows
            err(line)
        raise
    with open_client(server, user, password, pf_config, request_timeout) as client:
        job_id = client.create_job(job_type.value, body)
    message = f"job create success, id[{job_id}]"
    if output is ActionFormat.NAME:
        typer.echo(job_id)
    elif output in (ActionFormat.JSON, ActionFormat.YAML):
        from pfctl.cli.output import render_data

        result = [{"id": job_id, "ok": True, "message": message}]
        typer.echo(render_data(result, OutputFormat(output.value)))
    else:
        typer.echo(message)


@job_app.command(
    epilog=examples(
        "pfctl job show job-1234",
        "pfctl job show job-1234 -o json",
        "pfctl job show job-1234 -fl id,status,priority",
        "pfctl job show job-1 job-2 -o json",
        "pfctl job show job-1234 -o jsonpath='{.status}'",
        "pfctl job show job-1234 -w",
    )
)
def show(
    *,
    job_ids: JobIdsArgument,
    fieldlist: FieldListOption = None,
    watch: ShowWatchOption = False,
    interval: WatchIntervalOption = 2.0,
    output: QueryOutputOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Show jobs. Several ids: one after the other (a JSON or YAML list with -o json|yaml).

    With -w the changes follow, from the server's watch stream (/wsjob) when it has one, else
    by polling."""
    from pfctl.cli.job_views import parse_field_list

    fields = parse_field_list(fieldlist)
    with open_client(server, user, password, pf_config, request_timeout) as client:
        jobs = [client.get_job(job_id) for job_id in job_ids]
        _show_jobs(jobs, output, fields)
        if watch:
            from pfctl.cli.job_watch import print_job_changes

            print_job_changes(client, jobs, output, interval)


def _show_jobs(
    jobs: list[dict[str, Any]], output: OutputRequest | None, fields: list[str] | None
) -> None:
    from pfctl.cli.job_views import render_job, select_fields
    from pfctl.cli.output import render_data

    if output is not None and output.format is None:
        from pfctl.cli.query_output import render_query

        for job in jobs:
            typer.echo(render_query(output, job, [str(job.get("id"))]))
        return
    chosen = resolve_format(output.format if output is not None else None)
    if len(jobs) > 1 and chosen in (OutputFormat.JSON, OutputFormat.YAML):
        shown = [select_fields(job, fields) if fields else dict(job) for job in jobs]
        typer.echo(render_data(shown, chosen))
        return
    notes: list[str] = []
    typer.echo("\n\n".join(render_job(job, chosen, fields=fields, notes=notes) for job in jobs))
    for note in dict.fromkeys(notes):
        typer.echo(note, err=True)


@job_app.command(
    "list",
    epilog=examples(
        "pfctl job list",
        "pfctl job list -s running -l team=a -o wide",
        "pfctl job list -m 100 -o json",
        "pfctl job list --all -o wide",
        "pfctl job list -s failed -o name",
        "pfctl job list -l team=a -w",
        "pfctl job list -o jsonpath='{.jobList[*].status}'",
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
    watch: Annotated[
        bool,
        typer.Option(
            "-w",
            "--watch",
            help="After the list, print each job that changes (Ctrl-C ends): from the "
            "server's watch stream (/wsjob) when it has one, else by polling.",
        ),
    ] = False,
    interval: WatchIntervalOption = 2.0,
    output: QueryOutputOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """List jobs, one page (or every page with --all); with -w, then each change."""
    from pfctl.cli.job_views import parse_field_list
    from pfctl.client.api import JobPage

    fields = parse_field_list(fieldlist)
    filters: dict[str, Any] = {
        "status": status,
        "timestamp": timestamp,
        "start_time": starttime,
        "queue": queue,
        "labels": parse_key_values(labels, "--labels"),
    }
    with open_client(server, user, password, pf_config, request_timeout) as client:
        if all_pages:
            pages = list(client.iter_job_pages(page_size=maxkeys or 1000, marker=marker, **filters))
            jobs = [job for page in pages for job in page.jobs]
            first = JobPage(jobs, None, False, pages[0].server_time if pages else None)
        else:
            first = client.list_jobs(max_keys=maxkeys, marker=marker, **filters)
        _show_list(first, output, fields, all_pages=all_pages)
        if watch:
            from pfctl.cli.job_watch import print_changes

            print_changes(client, first, filters, output, interval)


def _show_list(
    page: JobPage, output: OutputRequest | None, fields: list[str] | None, *, all_pages: bool
) -> None:
    from pfctl.cli.job_views import next_page_hint, render_job_list

    jobs, next_marker, truncated = page.jobs, page.next_marker, page.truncated
    if output is not None and output.format is None:
        from pfctl.cli.query_output import render_query

        envelope = {"jobList": jobs, "nextMarker": next_marker, "isTruncated": truncated}
        typer.echo(render_query(output, envelope, [str(job.get("id")) for job in jobs]))
        return
    chosen = resolve_format(output.format if output is not None else None)
    notes: list[str] = []
    text = render_job_list(
        jobs,
        chosen,
        fields=fields,
        next_marker=next_marker,
        truncated=truncated,
        all_pages=all_pages,
        notes=notes,
    )
    typer.echo(text)
    hint = next_page_hint(next_marker, truncated)
    if hint and chosen in (OutputFormat.TABLE, OutputFormat.WIDE) and sys.stdout.isatty():
        notes.append(hint)  # on stderr: stdout keeps PaddleFlow's layout, ending in "marker: ..."
    for note in notes:
        typer.echo(note, err=True)


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
    output: ActionOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Change a job's priority, labels or annotations."""
    label_map = parse_key_values(labels, "--labels")
    annotation_map = parse_key_values(annotations, "--annotations")
    if priority is None and label_map is None and annotation_map is None:
        raise UsageError("nothing to update: give --priority, --labels or --annotations")

    def update_one(job_id: str) -> str:
        client.update_job(job_id, priority=priority, labels=label_map, annotations=annotation_map)
        return f"job[{job_id}] update success"

    with open_client(server, user, password, pf_config, request_timeout) as client:
        run_each([job_id], update_one, output)


@job_app.command(epilog=examples("pfctl job stop job-1234", "pfctl job stop job-1 job-2"))
def stop(
    *,
    job_ids: UnfinishedJobIdsArgument,
    output: ActionOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Stop jobs. A job that already ended counts as stopped (exit 0), as in kubectl."""
    with open_client(server, user, password, pf_config, request_timeout) as client:
        run_each(job_ids, lambda job_id: _stop_one(client, job_id), output)


def _stop_one(client: Any, job_id: str) -> str:
    from pfctl.client.errors import ConflictError
    from pfctl.spec.statuses import is_final

    try:
        client.stop_job(job_id)
    except ConflictError:
        status = str(client.get_job(job_id).get("status") or "")
        if not is_final(status):
            raise
        return f"job[{job_id}] is already {status}"
    return f"job[{job_id}] stop success"


@job_app.command(epilog=examples("pfctl job delete job-1234", "pfctl job delete job-1 job-2"))
def delete(
    *,
    job_ids: FinishedJobIdsArgument,
    output: ActionOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Delete finished jobs."""

    def delete_one(job_id: str) -> str:
        client.delete_job(job_id)
        return f"job[{job_id}] delete success"

    with open_client(server, user, password, pf_config, request_timeout) as client:
        run_each(job_ids, delete_one, output)


job_follow_cmd.register(job_app)
job_describe.register(job_app)


def register(app: typer.Typer) -> None:
    """Add ``pfctl job`` to the root application."""
    app.add_typer(job_app, name="job")
