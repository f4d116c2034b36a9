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
REQUEST_TIMEOUT_OPTION = typer.Option(
    None,
    "--request-timeout",
    help="Seconds a request may take to arrive whole (headers and body) before the connection "
    "is closed [default: 60].",
)
MAX_CONNECTIONS_OPTION = typer.Option(
    None,
    "--max-connections",
    help="Connections open at once; one more closes the one waiting longest for its request "
    "[default: a quarter of the descriptor limit, 16 to 1024].",
)
LOG_FILE_OPTION = typer.Option(
    None,
    "--log-file",
    help="Write the server's output to this file, rotated at 5 MiB with 3 old files kept "
    "(start uses <data dir>/server.log) [default: stderr].",
)
ALLOW_SHARED_JOBS_OPTION = typer.Option(
    False,
    "--allow-shared-jobs",
    help="Where jobs cannot run as separate OS users (the server is not root, or its data "
    "directory is closed to others), run every user's jobs anyway: as the server's user, "
    "without isolation [default: only root's jobs run].",
)


REQUIRE_QUEUE_GRANTS_OPTION = typer.Option(
    False,
    "--require-queue-grants",
    help="Let a non-root user create jobs only in the queues root granted them (pfctl queue "
    "grant USERNAME QUEUENAME); PaddleFlow itself lets any user submit to any open queue.",
)


def _allow_shared_jobs(allow: bool) -> None:
    """Pass --allow-shared-jobs to the runtime (and to the server ``start`` runs)."""
    if allow:
        import os

        from pfctl.server.runtime.isolation import ALLOW_SHARED_ENV

        os.environ[ALLOW_SHARED_ENV] = "1"


def _data_dir(value: Path | None) -> Path:
    from pfctl.server.daemon import resolve_data_dir

    return resolve_data_dir(value)


@server_app.command(
    "run", epilog=examples("pfctl server run", "pfctl server run --port 0 --no-executor")
)
def run(
    *,
    host: str = HOST_OPTION,
    port: int = PORT_OPTION,
    data_dir: Path | None = DATA_DIR_OPTION,
    token_lifetime: float | None = TOKEN_LIFETIME_OPTION,
    executor: bool = EXECUTOR_OPTION,
    allow_shared_jobs: bool = ALLOW_SHARED_JOBS_OPTION,
    request_timeout: float | None = REQUEST_TIMEOUT_OPTION,
    max_connections: int | None = MAX_CONNECTIONS_OPTION,
    require_queue_grants: bool = REQUIRE_QUEUE_GRANTS_OPTION,
    log_file: Path | None = LOG_FILE_OPTION,
) -> None:
    """Serve in the foreground until interrupted."""
    from pfctl.server.daemon import ServeOptions, run_foreground

    _allow_shared_jobs(allow_shared_jobs)
    directory = _data_dir(data_dir)
    typer.echo(f"pfctl server: data directory {directory}", err=True)
    options = ServeOptions(
        token_lifetime, executor, request_timeout, max_connections, require_queue_grants
    )
    run_foreground(
        host,
        port,
        directory,
        options,
        log_file=log_file.expanduser().resolve() if log_file else None,
        on_ready=lambda url: typer.echo(
            f"pfctl server: listening on {url}; web view at {url}/ui/", err=True
        ),
    )


@server_app.command(
    "start",
    epilog=examples("pfctl server start", "pfctl server start --port 9000 --data-dir ./pf-data"),
)
def start(
    *,
    host: str = HOST_OPTION,
    port: int = PORT_OPTION,
    data_dir: Path | None = DATA_DIR_OPTION,
    token_lifetime: float | None = TOKEN_LIFETIME_OPTION,
    executor: bool = EXECUTOR_OPTION,
    allow_shared_jobs: bool = ALLOW_SHARED_JOBS_OPTION,
    request_timeout: float | None = REQUEST_TIMEOUT_OPTION,
    max_connections: int | None = MAX_CONNECTIONS_OPTION,
    require_queue_grants: bool = REQUIRE_QUEUE_GRANTS_OPTION,
) -> None:
    """Start the server in the background; returns once it answers.

    Starting a server that already runs for the data directory on the same address changes
    nothing and succeeds; on another address it is an error (stop it first).
    """
    from pfctl.server.daemon import ServeOptions
    from pfctl.server.daemon import start as start_server

    _allow_shared_jobs(allow_shared_jobs)
    directory = _data_dir(data_dir)
    options = ServeOptions(
        token_lifetime, executor, request_timeout, max_connections, require_queue_grants
    )
    outcome = start_server(host, port, directory, options)
    info = outcome.server
    where = f"{info.url} (pid {info.pid}), data directory {directory}"
    typer.echo(f"server {'already running' if outcome.already_running else 'started'} at {where}")
    typer.echo(f"web view: {info.url}/ui/ (sign in as for the API)")


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
    typer.echo(f"web view: {info.url}/ui/")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root application."""
    app.add_typer(server_app)
