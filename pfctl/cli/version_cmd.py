"""`pfctl version`: the client's version and the server's (PaddleFlow's ``GET /version``)."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Any

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


class VersionFormat(str, Enum):
    """Values of ``version -o``."""

    TEXT = "text"
    JSON = "json"


def version(
    *,
    client_only: Annotated[
        bool, typer.Option("--client", help="Only the client's version; no server is asked.")
    ] = False,
    output: Annotated[
        VersionFormat,
        typer.Option("-o", "--output", help="text or json.", case_sensitive=False),
    ] = VersionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Print pfctl's version and the server's. A server that does not answer GET /version
    (or is unreachable) is an error, unless --client."""
    from pfctl import __version__

    document: dict[str, Any] = {"client": {"pfctl": __version__}}
    if not client_only:
        with open_client(server, user, password, pf_config, request_timeout) as client:
            answer = client.get_version()
            document["server"] = {"url": client.base_url, "version": server_lines(answer)}
    if output is VersionFormat.JSON:
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(f"Client: pfctl {__version__}")
    if "server" in document:
        from pfctl.spec.paths import escape_text

        lines = document["server"]["version"]
        typer.echo(escape_text(f"Server: {document['server']['url']}"))
        for line in lines or ["(the server's answer was empty)"]:
            typer.echo(escape_text(f"  {line}"))


def server_lines(answer: Any) -> list[str]:
    """PaddleFlow's version answer as lines: its list of strings, or any other JSON value as
    ``key: value`` lines."""
    if isinstance(answer, list):
        return [str(item) for item in answer]
    if isinstance(answer, dict):
        return [f"{key}: {value}" for key, value in answer.items()]
    return [] if answer in (None, "") else [str(answer)]


def register(app: typer.Typer) -> None:
    """Add ``pfctl version`` to the root application."""
    app.command(
        "version",
        epilog=examples("pfctl version", "pfctl version --client", "pfctl version -o json"),
    )(version)
