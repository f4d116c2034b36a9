"""`pfctl config view`: the server and credentials in force, and where each came from."""

from __future__ import annotations

from typing import Annotated

import typer

from pfctl.cli.connection import PasswordOption, PfConfigOption, ServerOption, UserOption
from pfctl.cli.help import examples
from pfctl.cli.output import OUTPUT_HELP, OutputFormat, render_data, render_table

config_app = typer.Typer(
    name="config",
    help="Show the connection settings in force.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@config_app.command(
    "view", epilog=examples("pfctl config view", "pfctl config view --server http://pf:8999")
)
def view(
    output: Annotated[
        OutputFormat | None,
        typer.Option("-o", "--output", help=OUTPUT_HELP, show_default=False),
    ] = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
) -> None:
    """Show the server, user and password in force (password hidden) and their sources."""
    import os

    from pfctl.cache_dir import ENV_CACHE_DIR
    from pfctl.cli.connection import load_settings
    from pfctl.client.tokens import TokenCache

    settings = load_settings(server, user, password, pf_config)
    token_dir = TokenCache.default().directory
    cache_env = os.environ.get(ENV_CACHE_DIR)
    hidden = "*" * 8 if settings.password else ""
    rows: list[tuple[str, str | None, str]] = [
        ("server", settings.server_url, settings.server_source),
        ("user", settings.user, settings.user_source),
        ("password", hidden, settings.password_source),
        ("pf config", settings.pf_config, "read" if settings.pf_config else "none found"),
        ("token cache", str(token_dir), f"env {ENV_CACHE_DIR}" if cache_env else "default"),
        ("request timeout", f"{settings.request_timeout:g}s", settings.request_timeout_source),
    ]
    chosen = output or OutputFormat.TABLE
    if chosen in (OutputFormat.JSON, OutputFormat.YAML):
        data = {name: {"value": value, "source": source} for name, value, source in rows}
        typer.echo(render_data(data, chosen))
        return
    typer.echo(render_table(("setting", "value", "source"), rows))


def register(app: typer.Typer) -> None:
    """Add ``pfctl config`` to the root application."""
    app.add_typer(config_app, name="config")
