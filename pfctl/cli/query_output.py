"""``-o name`` and ``-o jsonpath=TEMPLATE`` for `job show` and `job list`, as kubectl has them.

``name`` prints the job ids, one per line (what `pfctl job stop` and `job delete` take back).
``jsonpath=TEMPLATE`` prints text with each ``{EXPRESSION}`` replaced by what it selects from the
JSON the command shows (a job for `job show`; the list envelope ``{"jobList": [...],
"nextMarker", "isTruncated"}`` for `job list`): ``{.jobList[*].id}``, ``{.status}``,
``{.labels.team}``; ``{"\\n"}`` is a literal. Several matches are joined by spaces, strings print
bare, anything else as compact JSON. Expressions are JSONPath, read by ``jsonpath-ng`` (a
maintained implementation of Goessner's JSONPath with filters), so that pfctl does not carry a
JSONPath parser of its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import typer

from pfctl.cli.output import OutputFormat

QUERY_OUTPUT_HELP = (
    "Output format: table, wide, json, yaml, name (the ids) or jsonpath=TEMPLATE, e.g. "
    "jsonpath='{.jobList[*].id}' (default: table on a terminal, else json)."
)
_EXPRESSION = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class OutputRequest:
    """What ``-o`` asked for: a format of :class:`OutputFormat`, or ``name``, or a template."""

    format: OutputFormat | None = None
    name: bool = False
    template: str | None = None
    #: The template split into literal text and compiled expressions, in order.
    parts: tuple[Any, ...] = field(default=(), compare=False, repr=False)


def parse_output(text: str | OutputRequest) -> OutputRequest:
    """Typer's ``parser`` for ``-o``: a usage error (exit 2) names what is wrong."""
    if isinstance(text, OutputRequest):
        return text
    if text.startswith("jsonpath="):
        template = text.removeprefix("jsonpath=")
        return OutputRequest(template=template, parts=_compile(template))
    if text == "name":
        return OutputRequest(name=True)
    try:
        return OutputRequest(format=OutputFormat(text.lower()))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not one of table, wide, json, yaml, name, jsonpath=TEMPLATE"
        ) from None


def _compile(template: str) -> tuple[Any, ...]:
    from jsonpath_ng.ext.parser import parse

    if not template:
        raise typer.BadParameter("jsonpath= needs a template, e.g. jsonpath='{.status}'")
    parts: list[Any] = []
    position = 0
    for found in _EXPRESSION.finditer(template):
        parts.append(template[position : found.start()])
        expression = found.group(1).strip()
        position = found.end()
        if expression.startswith('"') and expression.endswith('"') and len(expression) >= 2:
            try:
                parts.append(str(json.loads(expression)))
            except ValueError:
                raise typer.BadParameter(f"invalid literal {{{expression}}}") from None
            continue
        if expression.split(" ", 1)[0] in {"range", "end", "if"}:
            raise typer.BadParameter(f"{{{expression}}}: range, end and if are not supported")
        path = "$" + expression if expression.startswith((".", "[")) else expression
        try:
            parts.append(parse(path or "$"))
        except Exception as error:  # jsonpath-ng raises several kinds for a bad path
            raise typer.BadParameter(f"invalid JSONPath {{{expression}}}: {error}") from None
    parts.append(template[position:])
    if "{" in parts[-1] or "}" in parts[-1]:
        raise typer.BadParameter(f"unbalanced braces in the template {template!r}")
    return tuple(parts)


def render_query(request: OutputRequest, data: Any, ids: list[str]) -> str:
    """The text ``-o name`` or ``-o jsonpath=...`` prints for ``data`` (whose jobs are ``ids``)."""
    if request.name:
        return "\n".join(ids)
    pieces = []
    for part in request.parts:
        if isinstance(part, str):
            pieces.append(part)
        else:
            values = [match.value for match in part.find(data)]
            pieces.append(" ".join(_text(value) for value in values))
    return "".join(pieces)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
