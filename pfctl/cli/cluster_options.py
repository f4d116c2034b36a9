"""The options `pfctl queue` and `pfctl flavour` share, and how their changes are reported."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pfctl.cli.job_options import ActionFormat
from pfctl.cli.output import OutputFormat
from pfctl.cli.query_output import OutputRequest, parse_output
from pfctl.errors import UsageError

QueryOption = Annotated[
    OutputRequest | None,
    typer.Option(
        "-o",
        "--output",
        help="Output format: table, wide, json, yaml, name (the names) or jsonpath=TEMPLATE, "
        "e.g. jsonpath='{.queueList[*].name}' (default: table on a terminal, else json).",
        metavar="FORMAT",
        parser=parse_output,
        show_default=False,
    ),
]
ChangeOutputOption = Annotated[
    ActionFormat,
    typer.Option(
        "-o",
        "--output",
        help="text: one line, as PaddleFlow's CLI prints it; json or yaml: "
        '[{"name", "ok", "message"}]; name: the name.',
        case_sensitive=False,
    ),
]
AllPagesOption = Annotated[bool, typer.Option("--all", help="Follow the markers: every page.")]


def report_change(name: str, message: str, output: ActionFormat) -> None:
    """Say that ``name`` was changed, as ``-o`` asks (a refusal was raised before: exit 1)."""
    from pfctl.spec.paths import escape_text

    if output is ActionFormat.NAME:
        typer.echo(escape_text(name))
    elif output in (ActionFormat.JSON, ActionFormat.YAML):
        from pfctl.cli.output import render_data

        result = [{"name": name, "ok": True, "message": message}]
        typer.echo(render_data(result, OutputFormat(output.value)))
    else:
        typer.echo(escape_text(message))


def parse_pairs(text: str | None, option: str) -> dict[str, str] | None:
    """PaddleFlow's ``a=b,c=d`` (scalar resources, location); None when not given. Unlike
    labels, an empty value means nothing here and is refused."""
    from pfctl.cli.output import parse_key_values

    pairs = parse_key_values(text, option)
    if pairs is None:
        return None
    empty = [key for key, value in pairs.items() if not value]
    if empty or not pairs:
        raise UsageError(f"{option}: expected name=amount pairs, e.g. a=1,b=2; got {text!r}")
    return pairs


def parse_policy(text: str | None) -> list[str] | None:
    """``--policy priority,weight`` as PaddleFlow's CLI splits it."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise UsageError(f"--policy: expected policy names separated by commas, got {text!r}")
    return names


def show_query(output: OutputRequest, data: Any, names: list[str]) -> None:
    """``-o name`` or ``-o jsonpath=...`` of ``data``."""
    from pfctl.cli.query_output import render_query

    typer.echo(render_query(output, data, names))
