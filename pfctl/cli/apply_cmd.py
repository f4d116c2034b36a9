"""`pfctl diff` and `pfctl apply`: show and execute the plan that makes the server match manifests.

Exit codes (docs/apply.md): diff 0 no changes, 1 changes, 2 error; apply 0 converged, 1 some job
failed or could not be converged (or a saved plan is stale), 2 invalid manifests or usage.
"""

from __future__ import annotations

import sys
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
from pfctl.cli.plan_io import (
    confirm_once,
    load_desired,
    narrate,
    print_plan,
    require_inputs,
    save_plan,
)
from pfctl.cli.plan_options import (
    AllowEmptyOption,
    ApplySetOption,
    ExcludeOption,
    FilesOption,
    OutOption,
    OutputOption,
    PlanFormat,
    PruneOption,
    RecursiveOption,
    SelectorOption,
    TargetOption,
)
from pfctl.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pfctl.apply.applier import ApplyReport, ApplySettings, JobResult
    from pfctl.apply.model import DesiredJob, Plan, PlanOptions
    from pfctl.apply.wait import WaitReport

#: Show a progress bar instead of one line per job when this many jobs change on a terminal.
PROGRESS_THRESHOLD = 20


def register(app: typer.Typer) -> None:
    """Add ``apply`` to the root application."""
    app.command(
        "apply",
        epilog=examples(
            "pfctl apply -f jobs/ --dry-run",
            "pfctl apply -f jobs/",
            "pfctl apply -f jobs/ --apply-set team-a --prune",
            "pfctl apply -f jobs/ --target train-a --target train-b",
            "pfctl apply -f jobs/ --dry-run --out plan.json",
            "pfctl apply plan.json",
            "pfctl apply -f train.yaml --wait --timeout 3600",
            "cat job.yaml | pfctl apply -f -",
        ),
    )(apply)


def apply(
    *,
    plan_file: Annotated[
        str | None,
        typer.Argument(
            metavar="[PLANFILE]",
            help="A plan saved by `pfctl diff --out` or `apply --dry-run --out`: carry out "
            "exactly that plan, or refuse if it is stale.",
            show_default=False,
        ),
    ] = None,
    filename: FilesOption = None,
    recursive: RecursiveOption = False,
    selector: SelectorOption = None,
    target: TargetOption = None,
    exclude: ExcludeOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    out: OutOption = None,
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
    yes: Annotated[
        bool,
        typer.Option(
            "-y", "--yes", help="Replace and stop jobs without asking (a terminal asks once)."
        ),
    ] = False,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Wait for the applied jobs to finish; exit 1 if any failed."),
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar=DURATION_METAVAR,
            parser=duration,
            help="How long to wait (90, 90s, 2m, 1h30m): for --wait (default: no limit) and "
            "for a replaced job to stop (default: 5m).",
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
    """Make the server match the manifests, or carry out a saved plan. Exit 0: converged,
    1: some job failed or the saved plan is stale, 2: error."""
    from pfctl.apply.model import PlanOptions
    from pfctl.apply.selection import selection_from_options
    from pfctl.apply.steps import (
        apply_settings,
        check_plan_options,
        collection_deferred,
        plan_against_server,
    )

    settings = apply_settings(parallelism, timeout)
    if plan_file is not None:
        _check_plan_file_flags(
            filename=filename,
            recursive=recursive,
            selector=selector,
            target=target,
            exclude=exclude,
            dry_run=dry_run,
            out=out,
            prune=prune,
            apply_set=apply_set,
            allow_empty=allow_empty,
            force_replace=force_replace,
            adopt=adopt,
        )
        _apply_saved_plan(
            plan_file,
            (server, user, password, pf_config, request_timeout),
            settings=settings,
            yes=yes,
            wait=wait,
            timeout=timeout,
            output=output,
        )
        return
    paths = require_inputs(filename)
    if out is not None and not dry_run:
        raise UsageError("--out saves a plan without carrying it out: use it with --dry-run")
    options = PlanOptions(
        apply_set=apply_set,
        prune=prune,
        adopt=adopt,
        force_replace=force_replace,
        allow_empty=allow_empty,
        selection=selection_from_options(selector, target or (), exclude or ()),
    )
    check_plan_options(options)
    with collection_deferred():
        desired = load_desired(paths, recursive, options)
    with open_client(server, user, password, pf_config, request_timeout) as client:
        with collection_deferred():
            plan = plan_against_server(
                client, desired, options, confirm_creates=dry_run, parallelism=parallelism
            )
        if dry_run:
            if out is not None:
                save_plan(out, client, plan, desired, paths, recursive, options)
            print_plan(plan, output, show_secrets=False)
            raise typer.Exit(int(ExitCode.OK if plan.can_be_carried_out else ExitCode.FAILURE))
        _carry_out(
            client,
            plan,
            desired,
            options,
            settings,
            yes=yes,
            wait=wait,
            timeout=timeout,
            output=output,
        )


def _carry_out(
    client: Any,
    plan: Plan,
    desired: Sequence[DesiredJob],
    options: PlanOptions,
    settings: ApplySettings,
    *,
    yes: bool,
    wait: bool,
    timeout: float | None,
    output: PlanFormat,
) -> None:
    """List and confirm the destructive changes, execute the plan, wait, report and exit."""
    import dataclasses

    from pfctl.apply.applier import apply_plan
    from pfctl.apply.render import warning_lines
    from pfctl.apply.wait import apply_succeeded, wait_for_applied

    text = output is PlanFormat.TEXT
    if text:
        from pfctl.cli.color import enabled

        for line in warning_lines(plan, color=enabled(sys.stderr)):
            typer.echo(line, err=True, color=True)
    _confirm_destructive(plan, yes=yes)
    if text:
        settings = dataclasses.replace(settings, on_note=narrate)
    changes = sum(1 for action in plan.actions if action.is_change)
    with _Progress(len(plan.actions), changes, text=text) as progress:
        report = apply_plan(
            client, plan, desired, options, settings=settings, on_result=progress.add
        )
    waited = None
    if wait:
        from pfctl.cli.wait_progress import WaitDisplay

        with WaitDisplay(quiet=not text) as display:
            waited = wait_for_applied(
                client,
                report,
                desired,
                timeout=timeout,
                on_status=display.on_status,
                on_progress=display.on_progress,
                apply_set=options.apply_set,
            )
    _print_report(report, plan, waited, output)
    ok = apply_succeeded(report, waited)
    raise typer.Exit(int(ExitCode.OK if ok else ExitCode.FAILURE))


def _confirm_destructive(plan: Plan, *, yes: bool) -> None:
    """List the replaces and stops on stderr; on a terminal, ask once unless ``yes``.

    Without a terminal the flags given (``--force-replace``, ``--prune``, ``stopped: true``)
    are the consent, as for kubectl and Terraform's ``-auto-approve`` in CI.
    """
    from pfctl.apply.destructive import (
        confirmation_question,
        destructive_actions,
        destructive_lines,
    )

    actions = destructive_actions(plan)
    if not actions:
        return
    for line in destructive_lines(actions):
        typer.echo(line, err=True)
    confirm_once(confirmation_question(actions), yes=yes, what="apply")


def _apply_saved_plan(
    plan_file: str,
    connection: tuple[str | None, str | None, str | None, str | None, str | None],
    *,
    settings: ApplySettings,
    yes: bool,
    wait: bool,
    timeout: float | None,
    output: PlanFormat,
) -> None:
    """Carry out a saved plan exactly, after checking it is from this server and user and is
    not stale (:mod:`pfctl.apply.saved`)."""
    from pfctl.apply.saved import read_saved_plan
    from pfctl.apply.saved_check import StalePlanError, prepare_saved_apply
    from pfctl.cli.color import severity

    saved = read_saved_plan(plan_file)
    with open_client(*connection) as client:
        try:
            plan, desired, options = prepare_saved_apply(client, saved)
        except StalePlanError as stale:
            # One line per difference, each escaped: main's handler would join them into one.
            first, *rest = stale.lines()
            typer.echo(severity(f"error: {first}", stream=sys.stderr), err=True, color=True)
            for line in rest:
                typer.echo(line, err=True)
            raise typer.Exit(int(ExitCode.FAILURE)) from None
        _carry_out(
            client,
            plan,
            desired,
            options,
            settings,
            yes=yes,
            wait=wait,
            timeout=timeout,
            output=output,
        )


def _check_plan_file_flags(**given: object) -> None:
    """A saved plan records its inputs and options: refuse flags that would change it."""
    names = {
        "filename": "-f",
        "recursive": "-R",
        "selector": "-l",
        "target": "--target",
        "exclude": "--exclude",
        "dry_run": "--dry-run",
        "out": "--out",
        "prune": "--prune",
        "apply_set": "--apply-set",
        "allow_empty": "--allow-empty",
        "force_replace": "--force-replace",
        "adopt": "--adopt",
    }
    used = [names[name] for name, value in given.items() if value]
    if used:
        raise UsageError(
            f"{', '.join(used)} cannot be used with a saved plan: the plan file records its "
            "inputs and options; run `pfctl diff` again to make a new plan"
        )


def _print_report(
    report: ApplyReport, plan: Plan, waited: WaitReport | None, output: PlanFormat
) -> None:
    """The apply summary on stdout, then what waiting found on stderr (its summary last, so
    that the final line is true to the exit code); or the JSON report."""
    from pfctl.apply.render import apply_document, apply_summary_line

    if output is PlanFormat.JSON:
        import json

        typer.echo(json.dumps(apply_document(report, plan, waited), indent=2))
        return
    typer.echo(apply_summary_line(report))
    if waited is not None:
        from pfctl.cli.wait_progress import summary_lines

        for line in summary_lines(waited):
            typer.echo(line, err=True)


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
