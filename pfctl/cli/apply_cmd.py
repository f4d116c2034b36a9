"""`pfctl diff` and `pfctl apply`: show and execute the plan that makes the server match manifests.

Exit codes (docs/apply.md): diff 0 no changes, 1 changes, 2 error; apply 0 converged, 1 some job
failed or could not be converged, 2 invalid manifests or usage.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
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
from pfctl.cli.help import examples
from pfctl.errors import ExitCode, PfctlError

if TYPE_CHECKING:
    from pfctl.apply.applier import ApplyReport, JobResult
    from pfctl.apply.model import DesiredJob, Plan, PlanOptions
    from pfctl.apply.wait import WaitReport

#: Show a progress bar instead of one line per job when this many jobs change on a terminal.
PROGRESS_THRESHOLD = 20


class PlanFormat(str, Enum):
    """Values of ``-o/--output`` for diff and apply."""

    TEXT = "text"
    JSON = "json"


FilesOption = Annotated[
    list[str],
    typer.Option(
        "-f",
        "--filename",
        metavar="PATH",
        help="Manifest file or directory, '-' for stdin; repeat for more.",
    ),
]
RecursiveOption = Annotated[
    bool, typer.Option("-R", "--recursive", help="Descend into sub-directories.")
]
PruneOption = Annotated[
    bool,
    typer.Option("--prune", help="Stop jobs of the apply-set that are gone from the manifests."),
]
ApplySetOption = Annotated[
    str | None,
    typer.Option(
        "--apply-set",
        metavar="NAME",
        help="Label the jobs as members of this set (needed by --prune).",
    ),
]
AllowEmptyOption = Annotated[
    bool,
    typer.Option(
        "--allow-empty",
        help="With --prune, accept input that holds no manifest (prune then stops every job "
        "of the set).",
    ),
]
OutputOption = Annotated[
    PlanFormat, typer.Option("-o", "--output", help="Output format: text or json.")
]


def register(app: typer.Typer) -> None:
    """Add ``diff`` and ``apply`` to the root application."""
    app.command(
        "diff",
        epilog=examples(
            "pfctl diff -f jobs/",
            "pfctl diff -R -f . -o json",
            "pfctl diff -f jobs/ --apply-set team-a --prune",
        ),
    )(diff)
    app.command(
        "apply",
        epilog=examples(
            "pfctl apply -f jobs/ --dry-run",
            "pfctl apply -f jobs/",
            "pfctl apply -f jobs/ --apply-set team-a --prune",
            "pfctl apply -f train.yaml --wait --timeout 3600",
            "cat job.yaml | pfctl apply -f -",
        ),
    )(apply)


def diff(
    *,
    filename: FilesOption,
    recursive: RecursiveOption = False,
    prune: PruneOption = False,
    apply_set: ApplySetOption = None,
    allow_empty: AllowEmptyOption = False,
    output: OutputOption = PlanFormat.TEXT,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Show secret-looking env values unmasked.")
    ] = False,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Show what apply would change. Exit 0: no changes, 1: changes, 2: error."""
    from pfctl.apply.model import PlanOptions
    from pfctl.apply.steps import check_plan_options, collection_deferred, plan_against_server

    try:
        options = PlanOptions(apply_set=apply_set, prune=prune, allow_empty=allow_empty)
        check_plan_options(options)
        with collection_deferred():
            desired = _load(filename, recursive, options)
        with (
            open_client(server, user, password, pf_config, request_timeout) as client,
            collection_deferred(),
        ):
            plan = plan_against_server(client, desired, options, confirm_creates=True)
    except PfctlError as error:
        # kubectl diff's convention: 1 means "changes", so every error is 2.
        raise PfctlError(str(error), exit_code=ExitCode.USAGE) from None
    _print_plan(plan, output, show_secrets)
    raise typer.Exit(int(ExitCode.FAILURE if plan.has_changes else ExitCode.OK))


def apply(
    *,
    filename: FilesOption,
    recursive: RecursiveOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    prune: PruneOption = False,
    apply_set: ApplySetOption = None,
    allow_empty: AllowEmptyOption = False,
    force_replace: Annotated[
        bool,
        typer.Option("--force-replace", help="Re-create jobs whose immutable fields changed."),
    ] = False,
    adopt: Annotated[
        bool, typer.Option("--adopt", help="Take over existing jobs not created by pfctl.")
    ] = False,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Wait for the applied jobs to finish; exit 1 if any failed."),
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Seconds to wait: for --wait (default: no limit) and for a replaced job "
            "to stop (default: 300).",
        ),
    ] = None,
    parallelism: Annotated[
        int, typer.Option("--parallelism", metavar="N", help="Jobs changed at once.")
    ] = 10,
    output: OutputOption = PlanFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Make the server match the manifests. Exit 0: converged, 1: some job failed, 2: error."""
    from pfctl.apply.applier import apply_plan
    from pfctl.apply.model import PlanOptions
    from pfctl.apply.render import warning_lines
    from pfctl.apply.steps import (
        apply_settings,
        check_plan_options,
        collection_deferred,
        plan_against_server,
    )
    from pfctl.apply.wait import apply_succeeded, wait_for_applied

    options = PlanOptions(
        apply_set=apply_set,
        prune=prune,
        adopt=adopt,
        force_replace=force_replace,
        allow_empty=allow_empty,
    )
    check_plan_options(options)
    settings = apply_settings(parallelism, timeout)
    with collection_deferred():
        desired = _load(filename, recursive, options)
    with open_client(server, user, password, pf_config, request_timeout) as client:
        with collection_deferred():
            plan = plan_against_server(
                client, desired, options, confirm_creates=dry_run, parallelism=parallelism
            )
        if dry_run:
            _print_plan(plan, output, show_secrets=False)
            raise typer.Exit(int(ExitCode.FAILURE if plan.refused else ExitCode.OK))
        if output is PlanFormat.TEXT:
            for line in warning_lines(plan):
                typer.echo(line, err=True)
        changes = sum(1 for action in plan.actions if action.is_change)
        with _Progress(len(plan.actions), changes, text=output is PlanFormat.TEXT) as progress:
            report = apply_plan(
                client, plan, desired, options, settings=settings, on_result=progress.add
            )
        waited = None
        if wait:
            show = _show_status if output is PlanFormat.TEXT else None
            waited = wait_for_applied(client, report, desired, timeout=timeout, on_status=show)
    _print_report(report, plan, waited, output)
    ok = apply_succeeded(report, waited)
    raise typer.Exit(int(ExitCode.OK if ok else ExitCode.FAILURE))


def _load(paths: list[str], recursive: bool, options: PlanOptions) -> list[DesiredJob]:
    from pfctl.apply.steps import check_prune_input, load_manifest_files, require_valid
    from pfctl.manifests.report import problem_line

    result = load_manifest_files(paths, recursive)
    for problem in result.problems:
        typer.echo(problem_line(problem), err=True)
    check_prune_input(result, options)
    return require_valid(result)


def _print_plan(plan: Plan, output: PlanFormat, show_secrets: bool) -> None:
    from pfctl.apply.render import render_json, render_text

    if output is PlanFormat.JSON:
        typer.echo(render_json(plan, show_secrets=show_secrets), nl=False)
    else:
        typer.echo(render_text(plan, color=_use_color(), show_secrets=show_secrets), nl=False)


def _show_status(job_id: str, status: Any) -> None:
    from pfctl.spec.paths import escape_text

    typer.echo(escape_text(f"{job_id}: {status}"), err=True)


def _print_report(
    report: ApplyReport, plan: Plan, waited: WaitReport | None, output: PlanFormat
) -> None:
    from pfctl.apply.render import apply_document, apply_summary_line, wait_lines

    if output is PlanFormat.JSON:
        import json

        typer.echo(json.dumps(apply_document(report, plan, waited), indent=2))
        return
    if waited is not None:
        for line in wait_lines(waited):
            typer.echo(line, err=True)
    typer.echo(apply_summary_line(report))


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


class _Progress:
    """One line per finished change, or a progress bar on a terminal when there are many."""

    def __init__(self, total: int, changes: int, *, text: bool) -> None:
        self.text = text
        self.bar: Any = None
        self.held: list[str] = []
        if text and changes >= PROGRESS_THRESHOLD and sys.stderr.isatty():
            self.bar = typer.progressbar(length=total, label="Applying", file=sys.stderr)

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
        for line in self.held:
            typer.echo(line)

    def add(self, result: JobResult) -> None:
        from pfctl.apply.applier import Outcome
        from pfctl.apply.render import result_line

        if not self.text:
            return
        if self.bar is not None:
            self.bar.update(1)
        if result.outcome is Outcome.UNCHANGED:
            return
        line = result_line(result)
        if self.bar is not None:
            self.held.append(line)
        else:
            typer.echo(line)
