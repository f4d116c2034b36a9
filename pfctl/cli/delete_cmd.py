"""`pfctl delete -f PATH`: delete the jobs of these manifests (docs/apply.md, "Deleting").

Exit codes: 0 every job deleted or already absent; 1 some job refused or failed, or the run was
cancelled at the prompt; 2 invalid manifests or usage (nothing sent).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

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
from pfctl.cli.plan_io import confirm_once, load_desired, narrate, require_inputs
from pfctl.cli.plan_options import (
    ExcludeOption,
    FilesOption,
    OutputOption,
    PlanFormat,
    RecursiveOption,
    SelectorOption,
    TargetOption,
)
from pfctl.errors import ExitCode

if TYPE_CHECKING:
    from pfctl.apply.deletion import DeleteResult, DeleteStep


def register(app: typer.Typer) -> None:
    """Add ``delete`` to the root application."""
    app.command(
        "delete",
        epilog=examples(
            "pfctl delete -f jobs/train.yaml",
            "pfctl delete -f jobs/ --stop --yes",
            "pfctl delete -R -f jobs/ -l stage=dev --dry-run",
        ),
    )(delete)


def delete(
    *,
    filename: FilesOption = None,
    recursive: RecursiveOption = False,
    selector: SelectorOption = None,
    target: TargetOption = None,
    exclude: ExcludeOption = None,
    stop: Annotated[
        bool, typer.Option("--stop", help="Stop jobs that are still active, then delete them.")
    ] = False,
    adopt: Annotated[
        bool, typer.Option("--adopt", help="Also delete jobs that pfctl did not create.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be deleted; change nothing.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("-y", "--yes", help="Delete without asking (a terminal asks once).")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar=DURATION_METAVAR,
            parser=duration,
            help="How long a stopped job may take to end (90, 2m; default 5m).",
        ),
    ] = None,
    parallelism: Annotated[
        int, typer.Option("--parallelism", metavar="N", help="Jobs deleted at once.")
    ] = 10,
    output: OutputOption = PlanFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Delete the jobs of these manifests. Exit 0: deleted or already absent, 1: some job
    refused or failed, 2: error."""
    import dataclasses

    from pfctl.apply.deletion import delete_jobs, plan_deletion, read_jobs
    from pfctl.apply.model import PlanOptions, string_map
    from pfctl.apply.selection import selection_from_options
    from pfctl.apply.steps import apply_settings

    settings = apply_settings(parallelism, timeout)
    selection = selection_from_options(selector, target or (), exclude or ())
    desired = load_desired(require_inputs(filename), recursive, PlanOptions(selection=selection))
    chosen = [
        job for job in desired if selection.selects(job.id, string_map(job.body.get("labels")))
    ]
    text = output is PlanFormat.TEXT
    with open_client(server, user, password, pf_config, request_timeout) as client:
        live = read_jobs(client, [job.id for job in chosen], parallelism)
        steps = plan_deletion(chosen, live, stop=stop, adopt=adopt)
        if dry_run:
            _print_steps(steps, output, left_out=len(desired) - len(chosen))
            refused = any(step.refusal is not None for step in steps)
            raise typer.Exit(int(ExitCode.FAILURE if refused else ExitCode.OK))
        doomed = [step for step in steps if step.status is not None and step.refusal is None]
        if doomed and text:
            for line in _step_lines(doomed):
                typer.echo(line, err=True)
        if doomed:
            count = len(doomed)
            question = f"Delete {count} job{'s' if count != 1 else ''}? This cannot be undone."
            confirm_once(question, yes=yes, what="delete")
        if text:
            settings = dataclasses.replace(settings, on_note=narrate)
        results = delete_jobs(client, steps, settings, on_result=_echo_result if text else None)
    _print_results(results, output)
    failed = any(result.outcome.value == "failed" for result in results)
    raise typer.Exit(int(ExitCode.FAILURE if failed else ExitCode.OK))


def _step_lines(steps: list[DeleteStep]) -> list[str]:
    from pfctl.spec.paths import escape_text

    lines = []
    for step in steps:
        if step.status is None:
            lines.append(f"  {step.id}: absent, nothing to delete")
            continue
        what = "stop, then delete" if step.stop_first else "delete"
        line = f"- {step.id} [{step.status}]: {what}"
        if step.refusal is not None:
            line += f"  # refused: {step.refusal}"
        lines.append(line)
    return [escape_text(line) for line in lines]


def _print_steps(steps: list[DeleteStep], output: PlanFormat, *, left_out: int) -> None:
    deleting = sum(1 for s in steps if s.status is not None and s.refusal is None)
    summary = {
        "delete": deleting,
        "stopFirst": sum(1 for s in steps if s.stop_first and s.refusal is None),
        "absent": sum(1 for s in steps if s.status is None),
        "refused": sum(1 for s in steps if s.refusal is not None),
    }
    if output is PlanFormat.JSON:
        document = {
            "formatVersion": 1,
            "jobs": [
                {
                    "id": s.id,
                    "status": s.status,
                    "stopFirst": s.stop_first,
                    "refused": s.refusal,
                    "source": str(s.location) if s.location else None,
                }
                for s in steps
            ],
            "summary": summary,
            "leftOut": left_out,
        }
        typer.echo(json.dumps(document, indent=2))
        return
    for line in _step_lines(steps):
        typer.echo(line)
    text = (
        f"Would delete {summary['delete']} job{'s' if summary['delete'] != 1 else ''} "
        f"({summary['stopFirst']} stopped first), {summary['absent']} absent, "
        f"{summary['refused']} refused"
    )
    if left_out:
        text += f"; {left_out} manifest{'s' if left_out != 1 else ''} left out"
    typer.echo(text + ".")


def _echo_result(result: DeleteResult) -> None:
    from pfctl.spec.paths import escape_text

    line = f"{result.outcome.value} {result.id}"
    if result.message:
        line += f": {result.message}"
    typer.echo(escape_text(line))


def _print_results(results: list[DeleteResult], output: PlanFormat) -> None:
    from pfctl.apply.deletion import delete_counts

    counts = delete_counts(results)
    if output is PlanFormat.JSON:
        document = {
            "formatVersion": 1,
            "ok": counts["failed"] == 0,
            "jobs": [
                {
                    "id": r.id,
                    "outcome": r.outcome.value,
                    "status": r.status,
                    "message": r.message or None,
                }
                for r in results
            ],
            "summary": counts,
        }
        typer.echo(json.dumps(document, indent=2))
        return
    head = "Delete complete" if counts["failed"] == 0 else "Delete failed"
    typer.echo(f"{head}: " + ", ".join(f"{n} {name}" for name, n in counts.items()) + ".")
