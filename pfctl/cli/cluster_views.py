"""How `pfctl queue` and `pfctl flavour` show queues, flavours and grants: grid tables with
PaddleFlow's column headers, or the API objects (with pfctl's job counts) as JSON or YAML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pfctl.cli.output import Column, OutputFormat, fit_table, render_data, table_width
from pfctl.cli.queue_status import ORDER_KEY, PENDING_KEY, RUNNING_KEY

Item = Mapping[str, Any]
_RESOURCE_ROWS = (
    ("max", "maxResources"),
    ("min", "minResources"),
    ("used", "usedResources"),
    ("free", "idleResources"),
)


def resource_amounts(resources: Any) -> dict[str, str]:
    """``{"cpu": .., "mem": .., scalar: ..}`` of a queue's or flavour's resources, whichever
    spelling the server used (``mem`` or ``memory``; scalars nested or not)."""
    if not isinstance(resources, Mapping):
        return {}
    amounts: dict[str, str] = {}
    for key, value in resources.items():
        if key == "scalarResources" and isinstance(value, Mapping):
            amounts.update({str(name): str(amount) for name, amount in value.items()})
        elif value is not None and not isinstance(value, Mapping | list):
            name = "mem" if key == "memory" else str(key)
            amounts[name] = _binary(str(value)) if name == "mem" else str(value)
    return amounts


def _binary(amount: str) -> str:
    """A memory amount in bytes as the largest binary unit that divides it (21474836480 is
    20Gi); any other text as it is."""
    if not amount.isdigit() or int(amount) == 0:
        return amount
    number = int(amount)
    for unit in ("Pi", "Ti", "Gi", "Mi", "Ki"):
        size = 1024 ** ("KMGTP".index(unit[0]) + 1)
        if number % size == 0:
            return f"{number // size}{unit}"
    return amount


def resource_text(resources: Any) -> str:
    """``cpu=4 mem=8Gi nvidia.com/gpu=1`` (empty when there is nothing)."""
    return " ".join(f"{name}={amount}" for name, amount in resource_amounts(resources).items())


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], output: OutputFormat) -> str:
    columns = [Column(header) for header in headers]
    width = None if output is OutputFormat.WIDE else table_width()
    return fit_table(columns, rows, width).text


def _envelope(key: str, items: Sequence[Item], next_marker: str | None, truncated: bool) -> Any:
    return {key: list(items), "nextMarker": next_marker, "isTruncated": truncated}


# --- queues ----------------------------------------------------------------------------------


def render_queue_list(
    queues: Sequence[Item],
    output: OutputFormat,
    *,
    next_marker: str | None,
    truncated: bool,
    all_pages: bool = False,
) -> str:
    """``queue list``: a table (then ``marker: ...`` as PaddleFlow prints it, unless every page
    was listed), or the list envelope ``{"queueList", "nextMarker", "isTruncated"}``."""
    if output in (OutputFormat.JSON, OutputFormat.YAML):
        return render_data(_envelope("queueList", queues, next_marker, truncated), output)
    if output is OutputFormat.WIDE:
        headers = ["name", "namespace", "cluster name", "quota type", "status", "policy"]
        headers += ["max", "min", "used", "free", "pending", "running", "create time"]
        rows = [
            [
                q.get("name"),
                q.get("namespace"),
                q.get("clusterName"),
                q.get("quotaType"),
                q.get("status"),
                ",".join(q.get("schedulingPolicy") or []),
                *(resource_text(q.get(key)) for _, key in _RESOURCE_ROWS),
                q.get(PENDING_KEY),
                q.get(RUNNING_KEY),
                q.get("createTime"),
            ]
            for q in queues
        ]
    else:
        headers = ["name", "status", "max", "used", "free", "pending", "running"]
        rows = [
            [
                q.get("name"),
                q.get("status"),
                resource_text(q.get("maxResources")),
                resource_text(q.get("usedResources")),
                resource_text(q.get("idleResources")),
                q.get(PENDING_KEY),
                q.get(RUNNING_KEY),
            ]
            for q in queues
        ]
    text = _table(headers, rows, output)
    return text if all_pages else text + f"\nmarker: {next_marker}"


def render_queue(queue: Item, output: OutputFormat) -> str:
    """``queue show``: PaddleFlow's summary table, the resources (max, min, used, free), the job
    counts, and the waiting jobs in the order they are considered; or the object as JSON/YAML."""
    if output in (OutputFormat.JSON, OutputFormat.YAML):
        return render_data(dict(queue), output)
    summary = _table(
        ["name", "namespace", "status", "quota type", "cluster name", "create time", "update time"],
        [
            [
                queue.get("name"),
                queue.get("namespace"),
                queue.get("status"),
                queue.get("quotaType"),
                queue.get("clusterName"),
                queue.get("createTime"),
                queue.get("updateTime"),
            ]
        ],
        output,
    )
    amounts = {label: resource_amounts(queue.get(key)) for label, key in _RESOURCE_ROWS}
    names = list(dict.fromkeys(name for row in amounts.values() for name in row))
    resources = _table(
        ["resources", *names],
        [[label, *(row.get(name, "") for name in names)] for label, row in amounts.items()],
        output,
    )
    policy = ", ".join(queue.get("schedulingPolicy") or []) or "none (creation time)"
    location = resource_text(queue.get("location")) or "any"
    lines = [
        summary,
        resources,
        f"scheduling policy: {policy}",
        f"location: {location}",
        f"jobs: {queue.get(PENDING_KEY, 0)} pending, {queue.get(RUNNING_KEY, 0)} running",
    ]
    order = queue.get(ORDER_KEY) or []
    if order:
        lines.append("pending jobs, in the order the queue considers them:")
        lines.append(
            _table(
                ["#", "job id", "job name", "user", "priority", "status", "accept time", "message"],
                [
                    [
                        entry.get("position"),
                        entry.get("id"),
                        entry.get("name"),
                        entry.get("user"),
                        entry.get("priority"),
                        entry.get("status"),
                        entry.get("acceptTime"),
                        entry.get("message"),
                    ]
                    for entry in order
                ],
                output,
            )
        )
    return "\n".join(lines)


# --- flavours --------------------------------------------------------------------------------


def render_flavours(
    flavours: Sequence[Item],
    output: OutputFormat,
    *,
    next_marker: str | None = None,
    truncated: bool = False,
    listing: bool = True,
    all_pages: bool = False,
) -> str:
    """``flavour list`` (a table then ``marker: ...`` unless every page was listed, or
    ``{"flavourList", ...}``) and ``flavour show`` (``listing=False``: a one-row table, or the
    object)."""
    if output in (OutputFormat.JSON, OutputFormat.YAML):
        if not listing:
            return render_data(dict(flavours[0]), output)
        return render_data(_envelope("flavourList", flavours, next_marker, truncated), output)
    headers = ["name", "cpu", "mem", "scalarResources"]
    wide = output is OutputFormat.WIDE
    if wide:
        headers += ["create time", "update time"]
    rows = []
    for flavour in flavours:
        row = [flavour.get("name"), flavour.get("cpu"), flavour.get("mem")]
        row.append(resource_text(flavour.get("scalarResources")))
        if wide:
            row += [flavour.get("createTime"), flavour.get("updateTime")]
        rows.append(row)
    text = _table(headers, rows, output)
    return text + f"\nmarker: {next_marker}" if listing and not all_pages else text


# --- grants ----------------------------------------------------------------------------------


def render_grants(grants: Sequence[Item], output: OutputFormat, *, next_marker: str | None) -> str:
    """``queue grantlist``: PaddleFlow's two columns (wide: the grant id and time too), or
    ``{"grantList", "nextMarker"}``."""
    if output in (OutputFormat.JSON, OutputFormat.YAML):
        return render_data({"grantList": list(grants), "nextMarker": next_marker}, output)
    headers = ["user name", "queue name"]
    wide = output is OutputFormat.WIDE
    if wide:
        headers += ["grant id", "create time"]
    rows = []
    for grant in grants:
        row = [grant.get("userName"), grant.get("resourceID")]
        if wide:
            row += [grant.get("grantID"), grant.get("createTime")]
        rows.append(row)
    return _table(headers, rows, output)
