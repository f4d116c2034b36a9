"""`pfctl server run|start|stop|status`: the local PaddleFlow-compatible server."""

from __future__ import annotations

from pathlib import Path

import typer

from pfctl.cli.help import examples

server_app = typer.Typer(
    name="server",
    help="Run the local PaddleFlow-compatible job server.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

HOST_OPTION = typer.Option("127.0.0.1", "--host", help="Address to listen on.")
PORT_OPTION = typer.Option(8999, "--port", help="Port to listen on.")
DATA_DIR_OPTION = typer.Option(
    None,
    "--data-dir",
    help="Where the database, logs and pid file live [default: under the user data directory].",
)
EXECUTOR_OPTION = typer.Option(
    True,
    "--executor/--no-executor",
    help="Run jobs; --no-executor serves the API only and jobs stay init (for tests).",
)
TOKEN_LIFETIME_OPTION = typer.Option(
    None,
    "--token-lifetime",
    help="Seconds a login token stays valid [default: no expiry, as PaddleFlow].",
)


def _data_dir(value: Path | None) -> Path:
    from pfctl.server.daemon import resolve_data_dir

    return resolve_data_dir(value)


@server_app.command(
    "run", epilog=examples("pfctl server run", "pfctl server run --port 0 --no-executor")
)
def run(
    host: str = HOST_OPTION,
    port: int = PORT_OPTION,
    data_dir: Path | None = DATA_DIR_OPTION,
    token_lifetime: float | None = TOKEN_LIFETIME_OPTION,
    executor: bool = EXECUTOR_OPTION,
) -> None:
    """Serve in the foreground until interrupted."""
    from pfctl.server.daemon import run_foreground

    directory = _data_dir(data_dir)
    typer.echo(f"pfctl server: data directory {directory}", err=True)
    run_foreground(
        host,
        port,
        directory,
        token_lifetime_seconds=token_lifetime,
        executor=executor,
        on_ready=lambda url: typer.echo(f"pfctl server: listening on {url}", err=True),
    )


@server_app.command(
    "start",
    epilog=examples("pfctl server start", "pfctl server start --port 9000 --data-dir ./pf-data"),
)
def start(
    host: str = HOST_OPTION,
    port: int = PORT_OPTION,
    data_dir: Path | None = DATA_DIR_OPTION,
    token_lifetime: float | None = TOKEN_LIFETIME_OPTION,
    executor: bool = EXECUTOR_OPTION,
) -> None:
    """Start the server in the background; returns once it answers.

    Starting a server that already runs for the data directory on the same address changes
    nothing and succeeds; on another address it is an error (stop it first).
    """
    from pfctl.server.daemon import start as start_server

    directory = _data_dir(data_dir)
    outcome = start_server(
        host, port, directory, token_lifetime_seconds=token_lifetime, executor=executor
    )
    info = outcome.server
    where = f"{info.url} (pid {info.pid}), data directory {directory}"
    typer.echo(f"server {'already running' if outcome.already_running else 'started'} at {where}")


@server_app.command("stop")
def stop(data_dir: Path | None = DATA_DIR_OPTION) -> None:
    """Stop the background server of a data directory."""
    from pfctl.server.daemon import stop as stop_server

    info = stop_server(_data_dir(data_dir))
    typer.echo(f"server at {info.url} (pid {info.pid}) stopped")


@server_app.command("status")
def status(data_dir: Path | None = DATA_DIR_OPTION) -> None:
    """Say whether a server runs for a data directory (exit 1 if not)."""
    from pfctl.server.daemon import status as server_status

    directory = _data_dir(data_dir)
    info, answering = server_status(directory)
    state = "running" if answering else "not answering"
    typer.echo(f"server {state} at {info.url} (pid {info.pid}), data directory {directory}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root application."""
    app.add_typer(server_app)
