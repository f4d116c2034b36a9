"""`pfctl diff`: show the plan that would make the server match the manifests.

Exit codes (docs/apply.md): 0 no changes, 1 changes pending, 2 error (kubectl diff's convention).
"""

from __future__ import annotations

from typing import Annotated

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
from pfctl.cli.plan_io import load_desired, print_plan, require_inputs, save_plan
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
from pfctl.errors import ExitCode, PfctlError


def register(app: typer.Typer) -> None:
    """Add ``diff`` to the root application."""
    app.command(
        "diff",
        epilog=examples(
            "pfctl diff -f jobs/",
            "pfctl diff -R -f . -o json",
            "pfctl diff -f jobs/ --apply-set team-a --prune",
            "pfctl diff -f jobs/ -l team=vision,stage!=dev",
            "pfctl diff -f jobs/ --out plan.json",
        ),
    )(diff)


def diff(
    *,
    filename: FilesOption = None,
    recursive: RecursiveOption = False,
    selector: SelectorOption = None,
    target: TargetOption = None,
    exclude: ExcludeOption = None,
    prune: PruneOption = False,
    apply_set: ApplySetOption = None,
    allow_empty: AllowEmptyOption = False,
    output: OutputOption = PlanFormat.TEXT,
    out: OutOption = None,
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
    from pfctl.apply.selection import selection_from_options
    from pfctl.apply.steps import check_plan_options, collection_deferred, plan_against_server

    try:
        paths = require_inputs(filename)
        options = PlanOptions(
            apply_set=apply_set,
            prune=prune,
            allow_empty=allow_empty,
            selection=selection_from_options(selector, target or (), exclude or ()),
        )
        check_plan_options(options)
        with collection_deferred():
            desired = load_desired(paths, recursive, options)
        with (
            open_client(server, user, password, pf_config, request_timeout) as client,
            collection_deferred(),
        ):
            plan = plan_against_server(client, desired, options, confirm_creates=True)
            if out is not None:
                save_plan(out, client, plan, desired, paths, recursive, options)
    except PfctlError as error:
        # kubectl diff's convention: 1 means "changes", so every error is 2.
        raise PfctlError(str(error), exit_code=ExitCode.USAGE) from None
    print_plan(plan, output, show_secrets)
    raise typer.Exit(int(ExitCode.FAILURE if plan.has_changes else ExitCode.OK))
