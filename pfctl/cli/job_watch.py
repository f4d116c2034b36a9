"""`pfctl job list -w` and `pfctl job show -w`: after the jobs, one line per job that changes.

The changes come from the server's watch stream where it has one (``/wsjob``), else from one
request per poll (:mod:`pfctl.client.watching`); what the stream says of itself (cut,
reconnecting, absent) goes to stderr as ``pfctl: ...`` lines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pfctl.cli.durations import DURATION_METAVAR, duration
from pfctl.cli.output import OutputFormat

if TYPE_CHECKING:
    from pfctl.cli.query_output import OutputRequest
    from pfctl.client.api import JobPage

ShowWatchOption = Annotated[
    bool,
    typer.Option(
        "-w",
        "--watch",
        help="After the jobs, print each change (ID  STATUS  NAME) until every one has ended "
        "(Ctrl-C ends sooner): from the server's watch stream (/wsjob) when it has one, else "
        "by polling.",
    ),
]
WatchIntervalOption = Annotated[
    float,
    typer.Option(
        "--interval",
        metavar=DURATION_METAVAR,
        parser=duration,
        help="With -w: time between polls when the server has no watch stream.",
    ),
]


def stderr_notice(line: str) -> None:
    """One line of what the watch stream says, on stderr."""
    from pfctl.spec.paths import escape_text

    typer.echo(f"pfctl: {escape_text(line)}", err=True)
    sys.stderr.flush()


def print_changes(
    client: Any,
    first: JobPage,
    filters: dict[str, Any],
    output: OutputRequest | None,
    interval: float,
) -> None:
    """Print each job that changes, one line each, until interrupted: ``ID  STATUS  NAME``;
    with -o json one compact JSON object per line; with -o name or jsonpath, that per job."""
    from pfctl.client.stream import open_stream
    from pfctl.client.watching import watch_changes

    query = {key: value for key, value in filters.items() if key != "timestamp"}
    stream = open_stream(client, stderr_notice, interval)
    try:
        _print_jobs(watch_changes(client, first, query, interval=interval, stream=stream), output)
    finally:
        if stream is not None:
            stream.close()


def print_job_changes(
    client: Any, jobs: list[dict[str, Any]], output: OutputRequest | None, interval: float
) -> None:
    """After `job show`, print each change of the jobs shown as `list -w` prints it, until every
    one is final (or deleted: status ``gone``)."""
    from pfctl.client.stream import open_stream
    from pfctl.client.watching import watch_jobs

    stream = open_stream(client, stderr_notice, interval)
    try:
        _print_jobs(watch_jobs(client, jobs, interval=interval, stream=stream), output)
    finally:
        if stream is not None:
            stream.close()


def _print_jobs(jobs: Iterator[dict[str, Any]], output: OutputRequest | None) -> None:
    from pfctl.spec.paths import escape_text

    for job in jobs:
        if output is not None and output.format is None:
            from pfctl.cli.query_output import render_query

            typer.echo(render_query(output, job, [str(job.get("id"))]))
        elif output is not None and output.format in (OutputFormat.JSON, OutputFormat.YAML):
            typer.echo(json.dumps(job, separators=(",", ":"), ensure_ascii=False))
        else:
            fields = (job.get("id"), job.get("status"), job.get("name") or "")
            typer.echo(escape_text("  ".join(str(field) for field in fields)))
        sys.stdout.flush()
