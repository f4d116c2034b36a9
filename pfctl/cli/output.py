"""Rendering command results: grid tables (as PaddleFlow's CLI prints them), JSON and YAML.

Reusable by every command: pick a format with :func:`resolve_format` (``-o``; by default a table
on a terminal and JSON otherwise), then render rows with :func:`render_table` (or
:func:`fit_table`, which fits the grid to a width) or API objects with :func:`render_data`.

Tables are laid out by display width, not by ``len()``: a Chinese job name takes two columns per
character, as in tabulate (which PaddleFlow's CLI uses) with wcwidth installed. Every cell is
escaped (``escape_text``), so a name holding a newline or a terminal escape stays on its line and
changes nothing on the user's terminal.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pfctl.spec.paths import escape_text


class OutputFormat(str, Enum):
    """Values of the ``-o/--output`` option."""

    TABLE = "table"
    WIDE = "wide"
    JSON = "json"
    YAML = "yaml"


OUTPUT_HELP = "Output format: table, wide, json or yaml (default: table on a terminal, else json)."
ELLIPSIS = "…"
#: A cut cell keeps at least this many columns (or its header's width, if wider).
MIN_CUT_WIDTH = 8


def resolve_format(chosen: OutputFormat | None) -> OutputFormat:
    """The format in force: the chosen one, else a table on a terminal and JSON otherwise."""
    if chosen is not None:
        return chosen
    return OutputFormat.TABLE if sys.stdout.isatty() else OutputFormat.JSON


def table_width() -> int | None:
    """The width tables are fitted to: ``COLUMNS`` when set, else the terminal's when stdout is
    one; ``None`` (no fitting) for output to a file or a pipe."""
    if "COLUMNS" not in os.environ and not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def cell_text(value: Any) -> str:
    """One table cell: empty for None, compact JSON for objects and lists, else ``str``; every
    character that is not printable is escaped (``\\n``, ``\\u001b``)."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return escape_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return escape_text(str(value))


def display_width(text: str) -> int:
    """How many terminal columns ``text`` takes (CJK characters two, combining marks none)."""
    import wcwidth

    width = wcwidth.wcswidth(text)
    if width >= 0:
        return width
    # wcswidth gives up on a control character; cells are escaped, so this is only a safeguard.
    return sum(max(wcwidth.wcwidth(char), 0) for char in text)


def fit_text(text: str, width: int) -> str:
    """``text`` padded to ``width`` columns, or cut to them with an ellipsis at the end."""
    shown = display_width(text)
    if shown <= width:
        return text + " " * (width - shown)
    import wcwidth

    room = width - display_width(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for char in text:
        step = max(wcwidth.wcwidth(char), 0)
        if used + step > room:
            break
        kept.append(char)
        used += step
    cut = "".join(kept)
    while cut and display_width(cut) > room:  # sequences wider than their parts (emoji + VS16)
        cut = cut[:-1]
    cut += ELLIPSIS
    return cut + " " * (width - display_width(cut))


@dataclass(frozen=True)
class Column:
    """A table column. ``cut``: its cells may be cut with an ellipsis to fit (times and statuses
    are not); ``min_width``: it is not cut narrower than this (nor than its header); ``drop``:
    when the table cannot fit otherwise, columns with the highest ``drop`` are left out first
    (0: never left out)."""

    header: str
    cut: bool = True
    min_width: int = MIN_CUT_WIDTH
    drop: int = 0


@dataclass(frozen=True)
class Table:
    """A rendered grid, the width it was fitted to, and the headers left out to fit it."""

    text: str
    width: int | None = None
    hidden: tuple[str, ...] = ()

    def note(self) -> str | None:
        """What a person should be told about the columns left out, if any."""
        if not self.hidden:
            return None
        return (
            f"left out to fit {self.width} columns: {', '.join(self.hidden)} "
            "(-o wide shows every column)"
        )


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A grid table in the layout PaddleFlow's CLI prints (tabulate's ``grid`` format), every
    cell in full."""
    return fit_table([Column(header) for header in headers], rows, None).text


def fit_table(columns: Sequence[Column], rows: Sequence[Sequence[Any]], width: int | None) -> Table:
    """A grid table no wider than ``width`` (when given and possible): the widest cuttable
    cells are cut first, then columns are left out by their ``drop`` rank. One line per row."""
    headers = [escape_text(column.header) for column in columns]
    cells = [[cell_text(value) for value in row] for row in rows]
    natural = [display_width(header) for header in headers]
    for row in cells:
        natural = [max(n, display_width(cell)) for n, cell in zip(natural, row, strict=True)]
    shown = list(range(len(columns)))
    widths = natural
    if width is not None:
        widths, shown = _fit(columns, headers, natural, width)
    hidden = tuple(headers[index] for index in range(len(columns)) if index not in shown)
    text = _grid(
        [headers[index] for index in shown],
        [[row[index] for index in shown] for row in cells],
        [widths[index] for index in shown],
    )
    return Table(text, width, hidden)


def _fit(
    columns: Sequence[Column], headers: list[str], natural: list[int], width: int
) -> tuple[list[int], list[int]]:
    """Column widths (by column index) and the indexes of the columns kept."""
    floors = [
        min(n, max(display_width(header), column.min_width)) if column.cut else n
        for column, header, n in zip(columns, headers, natural, strict=True)
    ]
    shown = list(range(len(columns)))
    droppable = sorted((c.drop, i) for i, c in enumerate(columns) if c.drop > 0)
    while True:
        budget = width - (3 * len(shown) + 1)  # "| " before, " |" after, "|" between cells
        widths = _share([natural[i] for i in shown], [floors[i] for i in shown], budget)
        if widths is not None:
            break
        if not droppable:
            # No drop left: cut below the usual floors, else accept a wider grid.
            last_floors = [min(natural[i], 3) if columns[i].cut else natural[i] for i in shown]
            widths = _share([natural[i] for i in shown], last_floors, budget)
            widths = widths or [natural[i] for i in shown]
            break
        shown.remove(droppable.pop()[1])
    by_index = dict(zip(shown, widths, strict=True))
    return [by_index.get(index, 0) for index in range(len(columns))], shown


def _share(natural: list[int], floors: list[int], budget: int) -> list[int] | None:
    """Widths within ``budget``: every column capped at the largest common cap that fits (never
    below its floor), the columns left over widened left to right; None if the floors overflow."""
    if sum(natural) <= budget:
        return natural
    if sum(floors) > budget:
        return None

    def capped(cap: int) -> list[int]:
        return [min(n, max(f, cap)) for n, f in zip(natural, floors, strict=True)]

    low, high = 0, max(natural)
    while low < high:  # the largest cap whose total fits
        middle = (low + high + 1) // 2
        if sum(capped(middle)) <= budget:
            low = middle
        else:
            high = middle - 1
    widths = capped(low)
    spare = budget - sum(widths)
    for index, (n, w) in enumerate(zip(natural, widths, strict=True)):
        if spare and w < n:
            widths[index] += 1
            spare -= 1
    return widths


def _grid(headers: list[str], rows: list[list[str]], widths: list[int]) -> str:
    def rule(fill: str) -> str:
        return "+" + "+".join(fill * (width + 2) for width in widths) + "+"

    def line(cells: Sequence[str]) -> str:
        padded = (f" {fit_text(cell, width)} " for cell, width in zip(cells, widths, strict=True))
        return "|" + "|".join(padded) + "|"

    lines = [rule("-"), line(headers), rule("=")]
    for row in rows:
        lines += [line(row), rule("-")]
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
    return json_text(data, indent=2)


def json_text(data: Any, *, indent: int) -> str:
    """Indented JSON, non-ASCII kept readable, but every character that is not printable (a C1
    control such as U+009B, a bidi control) written as a ``\\u`` escape: the same JSON value,
    and nothing a terminal would act on."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    # json.dumps already escaped quotes, backslashes and C0 controls: a newline left is layout.
    if all(line.isprintable() for line in text.split("\n")):  # the common case, checked in C
        return text
    return "".join(c if c.isprintable() or c == "\n" else _json_escape(c) for c in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


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
