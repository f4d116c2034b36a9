"""`pfctl job list -w`: after the list, one line per job that changes, until interrupted."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from pfctl.cli.output import OutputFormat

if TYPE_CHECKING:
    from pfctl.cli.query_output import OutputRequest
    from pfctl.client.api import JobPage


def print_changes(
    client: Any,
    first: JobPage,
    filters: dict[str, Any],
    output: OutputRequest | None,
    interval: float,
) -> None:
    """Print each job that changes, one line each, until interrupted: ``ID  STATUS  NAME``;
    with -o json one compact JSON object per line; with -o name or jsonpath, that per job."""

    from pfctl.client.watching import watch_changes
    from pfctl.spec.paths import escape_text

    query = {key: value for key, value in filters.items() if key != "timestamp"}
    for job in watch_changes(client, first, query, interval=interval):
        if output is not None and output.format is None:
            from pfctl.cli.query_output import render_query

            typer.echo(render_query(output, job, [str(job.get("id"))]))
        elif output is not None and output.format in (OutputFormat.JSON, OutputFormat.YAML):
            typer.echo(json.dumps(job, separators=(",", ":"), ensure_ascii=False))
        else:
            fields = (job.get("id"), job.get("status"), job.get("name") or "")
            typer.echo(escape_text("  ".join(str(field) for field in fields)))
