"""How ``pfctl job`` shows jobs: PaddleFlow's field names, column headers and layouts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pfctl.cli.output import Column, OutputFormat, fit_table, json_text, render_data, table_width
from pfctl.errors import UsageError

Job = Mapping[str, Any]


def _key(name: str) -> Callable[[Job], Any]:
    return lambda job: job.get(name)


def _policy(name: str) -> Callable[[Job], Any]:
    return lambda job: (job.get("schedulingPolicy") or {}).get(name)


#: ``-fl`` field names of PaddleFlow's CLI -> (column header, value of a wire job object).
FIELDS: dict[str, tuple[str, Callable[[Job], Any]]] = {
    "id": ("job id", _key("id")),
    "name": ("job name", _key("name")),
    "queue": ("queue", _policy("queue")),
    "status": ("status", _key("status")),
    "acceptTime": ("accept time", _key("acceptTime")),
    "startTime": ("start time", _key("startTime")),
    "finishTime": ("finish time", _key("finishTime")),
    "user": ("user", lambda job: job.get("UserName") or job.get("userName")),
    "runtime": ("runtime", _key("runtime")),
    "distributedRuntime": ("distributed runtime", _key("distributedRuntime")),
    "workflowRuntime": ("workflow runtime", _key("workflowRuntime")),
    "message": ("message", _key("message")),
    "labels": ("labels", _key("labels")),
    "annotations": ("annotations", _key("annotations")),
    "priority": ("priority", _policy("priority")),
    "flavour": ("flavour", _key("flavour")),
    "fs": ("file system", _key("fs")),
    "extraFS": ("extra file systems", _key("extraFS")),
    "image": ("image", _key("image")),
    "env": ("env", _key("env")),
    "command": ("command", _key("command")),
    "args": ("args", _key("args")),
    "port": ("port", _key("port")),
    "extensionTemplate": ("extension template", _key("extensionTemplate")),
    "framework": ("framework", _key("framework")),
    "members": ("members", _key("members")),
}
#: Names the PaddleFlow docs use for the same fields.
FIELD_ALIASES = {"fileSystem": "fs", "extraFileSystems": "extraFS"}

LIST_FIELDS = ("id", "name", "queue", "status", "acceptTime", "startTime", "finishTime")
LIST_WIDE_FIELDS = (
    "id",
    "name",
    "user",
    "queue",
    "priority",
    "framework",
    "status",
    "acceptTime",
    "startTime",
    "finishTime",
    "message",
)
SHOW_FIELDS = ("id", "name", "queue", "priority", "status", "acceptTime", "startTime", "finishTime")
SHOW_WIDE_FIELDS = (*SHOW_FIELDS[:2], "user", *SHOW_FIELDS[2:], "framework", "message")
_DETAIL_FIELDS = (
    "flavour",
    "fs",
    "extraFS",
    "labels",
    "annotations",
    "image",
    "command",
    "args",
    "port",
)


def parse_field_list(text: str | None) -> list[str] | None:
    """The ``-fl f1,f2`` field names, checked against PaddleFlow's list."""
    if not text:
        return None
    names = []
    for raw in text.split(","):
        name = FIELD_ALIASES.get(raw.strip(), raw.strip())
        if not name:
            continue
        if name not in FIELDS:
            known = ", ".join(FIELDS)
            raise UsageError(f"unknown field {raw.strip()!r} in --fieldlist; known fields: {known}")
        names.append(name)
    return names or None


def select_fields(job: Job, names: Sequence[str]) -> dict[str, Any]:
    """A job reduced to the named fields (for json/yaml output with ``-fl``)."""
    return {name: FIELDS[name][1](job) for name in names}


#: Never cut on a narrow terminal: a person copies ids, and a cut time or status misleads.
_UNCUT = frozenset({"id", "status", "priority", "acceptTime", "startTime", "finishTime"})
#: Left out, in this order, when a default table cannot fit the terminal otherwise.
_DROP_RANKS = {"acceptTime": 3, "finishTime": 2, "startTime": 1}


def jobs_table(
    jobs: Sequence[Job],
    names: Sequence[str],
    output: OutputFormat,
    *,
    chosen: bool = False,
    notes: list[str] | None = None,
) -> str:
    """A grid table of jobs with one column per field name: fitted to the terminal with
    ``table`` (long cells cut with an ellipsis, then, unless the fields were ``chosen`` with
    ``-fl``, time columns left out, which adds a line to ``notes``), every character with
    ``wide``."""
    columns = [
        Column(
            FIELDS[name][0],
            cut=name not in _UNCUT,
            drop=0 if chosen else _DROP_RANKS.get(name, 0),
        )
        for name in names
    ]
    rows = [[FIELDS[name][1](job) for name in names] for job in jobs]
    width = None if output is OutputFormat.WIDE else table_width()
    table = fit_table(columns, rows, width)
    note = table.note()
    if note and notes is not None:
        notes.append(note)
    return table.text


def render_job_list(
    jobs: Sequence[Job],
    output: OutputFormat,
    *,
    fields: Sequence[str] | None,
    next_marker: str | None,
    truncated: bool,
    all_pages: bool,
    notes: list[str] | None = None,
) -> str:
    """``job list`` output: a table followed by ``marker: ...`` as PaddleFlow prints it, or the
    list envelope (``jobList``, ``nextMarker``, ``isTruncated``) as JSON or YAML. What a person
    should know about a fitted table goes to ``notes``."""
    if output in (OutputFormat.JSON, OutputFormat.YAML):
        listed = [select_fields(job, fields) for job in jobs] if fields else list(jobs)
        envelope = {"jobList": listed, "nextMarker": next_marker, "isTruncated": truncated}
        return render_data(envelope, output)
    default = LIST_WIDE_FIELDS if output is OutputFormat.WIDE else LIST_FIELDS
    text = jobs_table(jobs, fields or default, output, chosen=bool(fields), notes=notes)
    if not all_pages:
        text += f"\nmarker: {next_marker}"
    return text


def next_page_hint(next_marker: str | None, truncated: bool) -> str | None:
    """What a person at a terminal is told when ``job list`` showed one page of several."""
    if not truncated or not next_marker:
        return None
    return f"More jobs: add --marker {next_marker} for the next page, or --all to list every page."


def render_job(
    job: Job,
    output: OutputFormat,
    *,
    fields: Sequence[str] | None,
    notes: list[str] | None = None,
) -> str:
    """``job show`` output: PaddleFlow's summary table then its config and runtime JSON, or the
    API object as JSON or YAML. What a person should know about a fitted table goes to
    ``notes``."""
    if output in (OutputFormat.JSON, OutputFormat.YAML):
        return render_data(select_fields(job, fields) if fields else dict(job), output)
    if fields:
        return jobs_table([job], fields, output, chosen=True, notes=notes)
    shown = SHOW_WIDE_FIELDS if output is OutputFormat.WIDE else SHOW_FIELDS
    summary = jobs_table([job], shown, output, notes=notes)
    detail: dict[str, Any] = {name: job.get(name) for name in _DETAIL_FIELDS}
    if job.get("members"):
        detail["framework"] = job.get("framework")
        detail["members"] = job.get("members")
    detail["message"] = job.get("message")
    for key, header in (
        ("runtime", "runtime"),
        ("distributedRuntime", "distributed runtime"),
        ("workflowRuntime", "workflow runtime"),
    ):
        if job.get(key):
            detail[header] = job[key]
    config = json_text([detail], indent=4)  # C1 and bidi controls escaped, as in the table
    return f"{summary}\njob config and runtime info: \n{config}"


def render_wait_result(jobs: Sequence[Job], output: OutputFormat) -> str:
    """``job wait`` output: each job's final (or last seen) status."""
    if output in (OutputFormat.JSON, OutputFormat.YAML):
        return render_data(list(jobs), output)
    return jobs_table(jobs, ("id", "name", "status", "finishTime", "message"), output)


@dataclass
class LogSections:
    """Names each task's log section the way ``tail -f`` names files, once there are several."""

    multiple: bool = False
    last: str | None = None

    def start(self, task_names: list[str]) -> None:
        """The tasks the first answer listed."""
        self.multiple = len(task_names) > 1

    def render(self, task: str, text: str) -> str:
        """``text`` of ``task`` ending in a newline, after a header when the task changes."""
        header = task != self.last and (self.multiple or self.last is not None)
        self.last = task
        body = text if text.endswith("\n") else text + "\n"
        return (f"==> {task} <==\n" if header else "") + body
