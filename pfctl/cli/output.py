"""Rendering command results: grid tables (as PaddleFlow's CLI prints them), JSON and YAML.

Reusable by every command: pick a format with :func:`resolve_format` (``-o``; by default a table
on a terminal and JSON otherwise), then render rows with :func:`render_table` or API objects
with :func:`render_data`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any


class OutputFormat(str, Enum):
    """Values of the ``-o/--output`` option."""

    TABLE = "table"
    WIDE = "wide"
    JSON = "json"
    YAML = "yaml"


OUTPUT_HELP = "Output format: table, wide, json or yaml (default: table on a terminal, else json)."


def resolve_format(chosen: OutputFormat | None) -> OutputFormat:
    """The format in force: the chosen one, else a table on a terminal and JSON otherwise."""
    if chosen is not None:
        return chosen
    return OutputFormat.TABLE if sys.stdout.isatty() else OutputFormat.JSON


def cell_text(value: Any) -> str:
    """One table cell: empty for None, compact JSON for objects and lists, else ``str``."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A grid table in the layout PaddleFlow's CLI prints (tabulate's ``grid`` format)."""
    text_rows = [[cell_text(value) for value in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in text_rows:
        for index, text in enumerate(row):
            widths[index] = max(widths[index], *(len(line) for line in text.split("\n")))

    def rule(fill: str) -> str:
        return "+" + "+".join(fill * (width + 2) for width in widths) + "+"

    def line(cells: Sequence[str]) -> list[str]:
        split = [cell.split("\n") for cell in cells]
        height = max((len(parts) for parts in split), default=1)
        out = []
        for level in range(height):
            parts = [cell[level] if level < len(cell) else "" for cell in split]
            padded = (f" {part.ljust(width)} " for part, width in zip(parts, widths, strict=True))
            out.append("|" + "|".join(padded) + "|")
        return out

    lines = [rule("-"), *line(list(headers)), rule("=")]
    for row in text_rows:
        lines.extend(line(row))
        lines.append(rule("-"))
    return "\n".join(lines)


def render_data(data: Any, output: OutputFormat) -> str:
    """API objects as JSON (indented) or YAML (block style, keys in server order)."""
    if output is OutputFormat.YAML:
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text: str = yaml.dump(
            data, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
        )
        return text.rstrip("\n")
    return json.dumps(data, indent=2, ensure_ascii=False)


def parse_key_values(text: str | None, option: str) -> dict[str, str] | None:
    """Parse ``k=v,k2=v2`` (PaddleFlow's label syntax); ``k=`` gives an empty value."""
    from pfctl.errors import UsageError

    if text is None:
        return None
    result: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"{option}: expected key=value pairs separated by commas, got {item!r}"
            )
        result[key.strip()] = value.strip()
    return result
