"""`pfctl schema`: list, print or write the JSON Schemas pfctl validates against."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pfctl.cli.help import examples
from pfctl.errors import InputError, UsageError


def schema(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="[NAME]", help="A schema name, e.g. manifest; without it, list the names."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write <name>.schema.json files into this directory."),
    ] = None,
) -> None:
    """List the schemas, print one, or write them for editors and other tools."""
    import json

    from pfctl.spec.schemas import SCHEMA_NAMES, load_schema

    if name is not None and name not in SCHEMA_NAMES:
        raise UsageError(f"unknown schema `{name}`; known: {', '.join(SCHEMA_NAMES)}")
    names = [name] if name is not None else list(SCHEMA_NAMES)
    if out is None:
        if name is None:
            for known in SCHEMA_NAMES:
                typer.echo(known)
        else:
            typer.echo(json.dumps(load_schema(name), indent=2, ensure_ascii=False))
        return
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for known in names:
            target = out / f"{known}.schema.json"
            target.write_text(
                json.dumps(load_schema(known), indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
            written.append(target)
    except OSError as exc:
        raise InputError(f"cannot write to {out}: {exc.strerror or exc}") from exc
    # Listed once all are written: a reader closing stdout early stops none of the writes.
    for target in written:
        typer.echo(str(target))


def register(app: typer.Typer) -> None:
    """Add ``pfctl schema`` to the root application."""
    app.command(
        "schema",
        epilog=examples(
            "pfctl schema",
            "pfctl schema manifest > manifest.schema.json",
            "pfctl schema --out .schemas/",
        ),
    )(schema)
