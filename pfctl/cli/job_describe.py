"""`pfctl job describe` and `pfctl job events`: what happened to a job.

``pfctl.cli.job_cmd`` adds these commands to ``pfctl job`` through :func:`register`.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

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
from pfctl.cli.job_options import JobIdArgument
from pfctl.cli.output import OutputFormat

if TYPE_CHECKING:
    from pfctl.client.events import JobEvents
    from pfctl.client.stream import JobStream

EventsOutputOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "-o",
        "--output",
        help="table (the default), json or yaml: the route's object "
        '{"jobID", "events", "dropped", "lastSeq"}; with -w json or yaml print one compact JSON '
        "event per line.",
        case_sensitive=False,
    ),
]


def describe(
    *,
    job_id: JobIdArgument,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Describe a job: its fields, members, replicas (status, pid, exit code, working directory,
    log URL), its events and, while it waits, why it is pending.

    Against a PaddleFlow server, which has no pfctl events route (it answers 404), the events
    are those of the eventList of GET /log/job, in PaddleFlow's format."""
    from pfctl.cli.describe_view import describe_text
    from pfctl.client.events import read_events

    with open_client(server, user, password, pf_config, request_timeout) as client:
        # The events first: their route answers another user's job as a missing one.
        page = read_events(client, job_id)
        job = page.job if page.job is not None else client.get_job(job_id)
    typer.echo(describe_text(job, page.events, dropped=page.dropped, source=_source_note(page)))


def events(
    *,
    job_id: JobIdArgument,
    watch: Annotated[
        bool,
        typer.Option(
            "-w",
            "--watch",
            help="After the events so far, print each new one until the job has finished "
            "(Ctrl-C ends sooner).",
        ),
    ] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            metavar=DURATION_METAVAR,
            parser=duration,
            help="With -w: time between reads when the server has no watch stream.",
        ),
    ] = 2.0,
    output: EventsOutputOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """List a job's events, oldest first: SEQ, TIME, KIND, WHERE (member-replica), MESSAGE.

    With -w, new events follow as they happen: read when the job's watch stream says it
    changed, or every --interval without one (GET .../events?after=SEQ). Against a PaddleFlow
    server, which has no pfctl events route (it answers 404), the events are those of the
    eventList of GET /log/job, in PaddleFlow's format."""
    from pfctl.cli.job_watch import stderr_notice
    from pfctl.client.stream import open_stream

    with open_client(server, user, password, pf_config, request_timeout) as client:
        # With -w the stream opens first, so that no change falls between the read and it.
        stream = open_stream(client, stderr_notice, interval) if watch else None
        try:
            _print_events(client, job_id, output, watch=watch, interval=interval, stream=stream)
        finally:
            if stream is not None:
                stream.close()


def _print_events(
    client: Any,
    job_id: str,
    output: OutputFormat | None,
    *,
    watch: bool,
    interval: float,
    stream: JobStream | None,
) -> None:
    from pfctl.cli.describe_view import EVENT_HEADERS, aligned, event_row, row_line
    from pfctl.cli.output import render_data
    from pfctl.client.events import FINISHED, follow_events, read_events

    page = read_events(client, job_id)
    if output in (OutputFormat.JSON, OutputFormat.YAML) and not watch:
        data = {
            "jobID": job_id,
            "events": page.events,
            "dropped": page.dropped,
            "lastSeq": page.last_seq,
        }
        typer.echo(render_data(data, output))
        return
    lines = aligned(EVENT_HEADERS, [event_row(event) for event in page.events])
    compact = output in (OutputFormat.JSON, OutputFormat.YAML)
    if compact:
        for event in page.events:
            typer.echo(_compact(event))
    else:
        typer.echo("\n".join(lines))
    if not watch or any(event.get("kind") == FINISHED for event in page.events):
        return
    widths = _widths(lines[0])
    followed = follow_events(client, job_id, after=page.last_seq, interval=interval, stream=stream)
    for event in followed:
        if compact:
            typer.echo(_compact(event))
        else:
            typer.echo(row_line(event_row(event), widths))


def _widths(header: str) -> list[int]:
    """The column widths of an :func:`aligned` table, read from its header line."""
    from pfctl.cli.describe_view import EVENT_HEADERS

    starts = [header.index(name) for name in EVENT_HEADERS]
    return [end - start - 2 for start, end in itertools.pairwise(starts)]


def _compact(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def _source_note(page: JobEvents) -> str:
    from pfctl.client.events import SOURCE_LOG

    return SOURCE_LOG if page.source == SOURCE_LOG else ""


def register(job_app: typer.Typer) -> None:
    """Add ``describe`` and ``events`` to the ``pfctl job`` group."""
    job_app.command(
        epilog=examples("pfctl job describe job-1234"),
    )(describe)
    job_app.command(
        epilog=examples(
            "pfctl job events job-1234",
            "pfctl job events job-1234 -w",
            "pfctl job events job-1234 -o json",
        )
    )(events)
