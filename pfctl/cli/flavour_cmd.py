"""`pfctl flavour`: PaddleFlow CLI's flavour commands (list, show, create, update, delete) with
its arguments and flags."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pfctl.cli.cluster_options import (
    AllPagesOption,
    ChangeOutputOption,
    QueryOption,
    parse_pairs,
    report_change,
    show_query,
)
from pfctl.cli.completion import resource_name_completer
from pfctl.cli.connection import (
    PasswordOption,
    PfConfigOption,
    RequestTimeoutOption,
    ServerOption,
    UserOption,
    open_client,
)
from pfctl.cli.help import examples
from pfctl.cli.job_options import ActionFormat
from pfctl.cli.output import resolve_format
from pfctl.errors import UsageError

flavour_app = typer.Typer(
    name="flavour",
    help="List, show, create, update and delete flavours (named cpu, memory and scalar sizes).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

NameArgument = Annotated[
    str,
    typer.Argument(
        metavar="NAME",
        help="The flavour's name.",
        autocompletion=resource_name_completer("flavour"),
    ),
]
ScalarOption = Annotated[
    str | None,
    typer.Option("-s", "--scalar", help="Scalar resources, e.g. nvidia.com/gpu=1,a=2."),
]
ClusterOption = Annotated[str | None, typer.Option("--clustername", help="The flavour's cluster.")]


@flavour_app.command(
    "list",
    epilog=examples(
        "pfctl flavour list",
        "pfctl flavour list -m 10 -o wide",
        "pfctl flavour list --all -o jsonpath='{.flavourList[*].name}'",
    ),
)
def list_flavours(
    *,
    maxkeys: Annotated[
        int, typer.Option("-m", "--maxkeys", min=1, help="Most flavours on the page.")
    ] = 100,
    marker: Annotated[str | None, typer.Option("--marker", help="Start at this marker.")] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Only flavours whose name holds this.")
    ] = None,
    clustername: ClusterOption = None,
    all_pages: AllPagesOption = False,
    output: QueryOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """List flavours."""
    from pfctl.cli.cluster_views import render_flavours

    with open_client(server, user, password, pf_config, request_timeout) as client:
        if all_pages:
            flavours = client.list_flavours(name=name, cluster_name=clustername, page_size=maxkeys)
            next_marker, truncated = None, False
        else:
            page = client.flavour_page(
                max_keys=maxkeys, marker=marker, name=name, cluster_name=clustername
            )
            flavours, next_marker, truncated = page.items, page.next_marker, page.truncated
    if output is not None and output.format is None:
        envelope = {"flavourList": flavours, "nextMarker": next_marker, "isTruncated": truncated}
        show_query(output, envelope, [str(flavour.get("name")) for flavour in flavours])
        return
    chosen = resolve_format(output.format if output is not None else None)
    text = render_flavours(
        flavours, chosen, next_marker=next_marker, truncated=truncated, all_pages=all_pages
    )
    typer.echo(text)
    if truncated and next_marker and sys.stdout.isatty():
        hint = f"More flavours: add --marker {next_marker} for the next page, or --all."
        typer.echo(hint, err=True)


@flavour_app.command(
    epilog=examples("pfctl flavour show flavour1", "pfctl flavour show flavour1 -o json")
)
def show(
    *,
    name: NameArgument,
    output: QueryOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Show a flavour."""
    from pfctl.cli.cluster_views import render_flavours

    with open_client(server, user, password, pf_config, request_timeout) as client:
        flavour = client.get_flavour(name)
    if output is not None and output.format is None:
        show_query(output, flavour, [str(flavour.get("name"))])
        return
    chosen = resolve_format(output.format if output is not None else None)
    typer.echo(render_flavours([flavour], chosen, listing=False))


@flavour_app.command(
    epilog=examples(
        "pfctl flavour create small -c 2 -m 4Gi",
        "pfctl flavour create gpu1 --cpu 8 --memory 32Gi --scalar nvidia.com/gpu=1",
    )
)
def create(
    *,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The new flavour's name.")],
    cpu: Annotated[str, typer.Option("-c", "--cpu", help="CPU, e.g. 4.")],
    memory: Annotated[str, typer.Option("-m", "--memory", help="Memory, e.g. 8Gi.")],
    scalar: ScalarOption = None,
    clustername: ClusterOption = None,
    output: ChangeOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Create a flavour (root only on the local server)."""
    scalars = parse_pairs(scalar, "--scalar")
    with open_client(server, user, password, pf_config, request_timeout) as client:
        client.create_flavour(
            name, cpu=cpu, mem=memory, scalar_resources=scalars, cluster_name=clustername
        )
    report_change(name, f"flavour[{name}] create success", output)


@flavour_app.command(
    epilog=examples(
        "pfctl flavour update small -c 4",
        "pfctl flavour update gpu1 --memory 64Gi --scalar nvidia.com/gpu=2",
    )
)
def update(
    *,
    name: NameArgument,
    cpu: Annotated[str | None, typer.Option("-c", "--cpu", help="New CPU.")] = None,
    memory: Annotated[str | None, typer.Option("-m", "--memory", help="New memory.")] = None,
    scalar: ScalarOption = None,
    clustername: ClusterOption = None,
    output: ChangeOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Change a flavour's cpu, memory or scalar resources (root only on the local server)."""
    if cpu is None and memory is None and scalar is None and clustername is None:
        raise UsageError("nothing to update: give --cpu, --memory or --scalar")
    scalars = parse_pairs(scalar, "--scalar")
    with open_client(server, user, password, pf_config, request_timeout) as client:
        client.update_flavour(
            name, cpu=cpu, mem=memory, scalar_resources=scalars, cluster_name=clustername
        )
    report_change(name, f"update [{name}] success", output)


@flavour_app.command(epilog=examples("pfctl flavour delete small"))
def delete(
    *,
    name: NameArgument,
    output: ChangeOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Delete a flavour (root only on the local server)."""
    with open_client(server, user, password, pf_config, request_timeout) as client:
        client.delete_flavour(name)
    report_change(name, f"flavour[{name}] delete success", output)


def register(app: typer.Typer) -> None:
    """Add ``pfctl flavour`` to the root application."""
    app.add_typer(flavour_app, name="flavour")
