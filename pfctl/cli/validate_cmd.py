"""`pfctl validate`: offline schema and semantic checks of manifests."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from pfctl.errors import ExitCode


class ValidateFormat(str, Enum):
    """The report formats of ``pfctl validate``."""

    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


def validate(
    paths: Annotated[
        list[str],
        typer.Argument(metavar="PATH", help="Manifest files or directories; `-` reads stdin."),
    ],
    recursive: Annotated[
        bool, typer.Option("--recursive", "-R", help="Read the subdirectories of directories too.")
    ] = False,
    output: Annotated[
        ValidateFormat, typer.Option("--output", "-o", help="Report format.", case_sensitive=False)
    ] = ValidateFormat.text,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Text: list only problems and the summary.")
    ] = False,
) -> None:
    """Check manifests offline against the schemas and PaddleFlow's rules.

    Reports every problem of every document as `file:line:col: $.path: message`.
    Exit 0 when all are valid, 1 when any is invalid, 2 on usage or unreadable input.
    """
    from pfctl.manifests import load_manifests
    from pfctl.manifests.report import render

    result = load_manifests(paths, recursive=recursive, keep_manifests=False)
    report = render(result, output.value, quiet=quiet)
    for line in report.stderr:
        typer.echo(line, err=True)
    for line in report.stdout:
        typer.echo(line)
    raise typer.Exit(int(ExitCode.OK if result.ok else ExitCode.FAILURE))


def register(app: typer.Typer) -> None:
    """Add ``pfctl validate`` to the root application."""
    app.command("validate")(validate)
