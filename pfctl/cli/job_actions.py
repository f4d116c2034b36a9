"""How `pfctl job update`, `stop` and `delete` act on several ids and report each result."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from pfctl.cli.job_options import ActionFormat
from pfctl.cli.output import OutputFormat
from pfctl.errors import PfctlError


def run_each(
    job_ids: list[str], act: Callable[[str], str], output: ActionFormat = ActionFormat.TEXT
) -> None:
    """``act`` on every id in turn, reporting what it says as ``output`` asks; a job the server
    refuses is an ``error:`` line and exit 1 at the end, and the others are still done. A
    server that cannot be reached stops the run (exit 2)."""
    from pfctl.cli.color import severity
    from pfctl.client.errors import ServerConnectionError
    from pfctl.spec.paths import escape_text

    results: list[dict[str, Any]] = []
    for job_id in job_ids:
        try:
            message = act(job_id)
        except ServerConnectionError:
            raise
        except PfctlError as error:
            if len(job_ids) == 1 and output is ActionFormat.TEXT:
                raise
            results.append({"id": job_id, "ok": False, "message": str(error)})
            line = severity(f"error: {escape_text(str(error))}", stream=sys.stderr)
            typer.echo(line, err=True, color=True)
            continue
        results.append({"id": job_id, "ok": True, "message": message})
        if output is ActionFormat.TEXT:
            typer.echo(escape_text(message))
        elif output is ActionFormat.NAME:
            typer.echo(escape_text(job_id))
    if output in (ActionFormat.JSON, ActionFormat.YAML):
        from pfctl.cli.output import render_data

        typer.echo(render_data(results, OutputFormat(output.value)))
    failed = sum(1 for result in results if not result["ok"])
    if failed:
        raise PfctlError(f"{failed} of {len(job_ids)} jobs failed")
