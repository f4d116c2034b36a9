"""The connection options every server-facing command shares, and the client they build.

Declare them in a command with the annotated aliases, then open a client::

    def show(job_id: str, server: ServerOption = None, user: UserOption = None,
             password: PasswordOption = None, pf_config: PfConfigOption = None,
             request_timeout: RequestTimeoutOption = None) -> None:
        with open_client(server, user, password, pf_config, request_timeout) as client:
            ...

Only light modules are imported here; ``pfctl.client`` (requests) loads when a client is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from pfctl.client.api import PaddleFlowClient
    from pfctl.client.config import ClientSettings

_PANEL = "Connection"

ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        metavar="URL",
        help="PaddleFlow server, e.g. http://127.0.0.1:8999 (env PFCTL_SERVER).",
        rich_help_panel=_PANEL,
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="User name (env PFCTL_USER).", rich_help_panel=_PANEL),
]
PasswordOption = Annotated[
    str | None,
    typer.Option("--password", help="Password (env PFCTL_PASSWORD).", rich_help_panel=_PANEL),
]
PfConfigOption = Annotated[
    str | None,
    typer.Option(
        "--pf-config",
        "--pf_config",  # the PaddleFlow CLI's spelling
        metavar="PATH",
        help="PaddleFlow CLI config file (env PADDLEFLOW_PF_CONFIG; "
        "default ~/.paddleflow/paddleflow.ini).",
        rich_help_panel=_PANEL,
    ),
]


RequestTimeoutOption = Annotated[
    str | None,
    typer.Option(
        "--request-timeout",
        metavar="DURATION",
        help="Give up on a request to the server after this long, retries included: "
        "seconds, or 30s, 2m (env PFCTL_REQUEST_TIMEOUT; default 60s).",
        rich_help_panel=_PANEL,
    ),
]


def load_settings(
    server: str | None,
    user: str | None,
    password: str | None,
    pf_config: str | None,
    request_timeout: str | None = None,
) -> ClientSettings:
    """Resolve the settings in force from the connection options (see ``pfctl.client.config``)."""
    from pfctl.client.config import resolve_settings

    return resolve_settings(
        server=server,
        user=user,
        password=password,
        pf_config=pf_config,
        request_timeout=request_timeout,
    )


def open_client(
    server: str | None,
    user: str | None,
    password: str | None,
    pf_config: str | None,
    request_timeout: str | None = None,
) -> PaddleFlowClient:
    """A client for the settings in force; use it as a context manager."""
    from pfctl.client.api import PaddleFlowClient

    return PaddleFlowClient(load_settings(server, user, password, pf_config, request_timeout))
