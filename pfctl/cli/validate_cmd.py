"""`pfctl validate`: offline schema and semantic checks of manifests."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from pfctl.cli.help import examples
from pfctl.errors import ExitCode


class ValidateFormat(str, Enum):
    """The report formats of ``pfctl validate``."""

    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


class ValidateTarget(str, Enum):
    """The servers ``pfctl validate`` checks for (``pfctl.manifests.TARGETS``)."""

    paddleflow = "paddleflow"
    local = "local"


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
    target: Annotated[
        ValidateTarget,
        typer.Option(
            "--target",
            help="The server the manifests are for. `paddleflow`: a workflow the local pfctl "
            "server cannot run is valid, with a warning per unsupported field. `local`: "
            "those warnings are errors, with the local server's text.",
            case_sensitive=False,
        ),
    ] = ValidateTarget.paddleflow,
) -> None:
    """Check manifests offline against the schemas and PaddleFlow's rules.

    Reports every problem of every document as `file:line:col: $.path: message`.
    Exit 0 when all are valid (warnings allowed), 1 when any is invalid, 2 on usage or
    unreadable input.
    """
    from pfctl.cli.color import severity
    from pfctl.manifests import ReportStream, iter_outcomes

    def err(line: str) -> None:
        typer.echo(severity(line, stream=sys.stderr), err=True, color=True)

    report = ReportStream(output.value, quiet=quiet, out=typer.echo, err=err)
    outcomes = iter_outcomes(paths, recursive=recursive, keep_manifests=False, target=target.value)
    for outcome in outcomes:
        report.add(outcome)
    ok = report.finish()
    raise typer.Exit(int(ExitCode.OK if ok else ExitCode.FAILURE))


def register(app: typer.Typer) -> None:
    """Add ``pfctl validate`` to the root application."""
    app.command(
        "validate",
        epilog=examples(
            "pfctl validate jobs/",
            "pfctl validate -R -q .",
            "pfctl validate -o github jobs/*.yaml",
            "pfctl validate --target local workflow.yaml",
            "cat job.yaml | pfctl validate -",
        ),
    )(validate)
