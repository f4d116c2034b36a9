"""What `pfctl job describe` and `pfctl job events` print: the job, its members and replicas and
its events as text in the manner of ``kubectl describe``, and the events as aligned columns.

The replicas are read from the job's runtime as the server reports it (``runtime`` of a single
job, ``distributedRuntime.runtimes`` of a distributed one, the pods of ``workflowRuntime``): each
``RuntimeInfo``'s ``status`` is a JSON string of a Kubernetes-like pod status (phase, ``pid`` on
the local server, the container's exit code) and its ``logURL`` is where its log is read. The
working directory of a replica comes from its ``replica-started`` event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pfctl.cli.output import display_width
from pfctl.spec.paths import escape_text
from pfctl.spec.statuses import PENDING

Event = Mapping[str, Any]
#: The statuses of a job that has not started yet (``init``: accepted, not yet queued).
NOT_STARTED = ("init", PENDING)
EVENT_HEADERS = ("SEQ", "TIME", "KIND", "WHERE", "MESSAGE")
REPLICA_HEADERS = ("REPLICA", "PHASE", "PID", "EXIT", "STARTED", "FINISHED", "WORKDIR", "LOG")


def describe_text(job: Mapping[str, Any], events: Sequence[Event], *, dropped: int = 0,
                  source: str = "") -> str:  # fmt: skip
    """The whole description of ``job`` and its ``events``."""
    policy = job.get("schedulingPolicy") if isinstance(job.get("schedulingPolicy"), dict) else {}
    assert isinstance(policy, dict)
    fields: list[tuple[str, Any]] = [
        ("Name", job.get("name")),
        ("ID", job.get("id")),
        ("User", job.get("UserName")),
        ("Queue", policy.get("queue")),
        ("Priority", policy.get("priority")),
        ("Framework", job.get("framework")),
        ("Status", job.get("status")),
        ("Message", job.get("message")),
    ]
    reason = pending_reason(job, events)
    if reason:
        fields.append(("Pending because", reason))
    fields += [
        ("Accepted", job.get("acceptTime")),
        ("Started", job.get("startTime")),
        ("Finished", job.get("finishTime")),
        ("Labels", _pairs(job.get("labels"))),
        ("Annotations", _pairs(job.get("annotations"))),
    ]
    width = max(len(name) for name, _ in fields) + 2
    lines = [
        f"{name + ':':<{width}}{escape_text(str(value))}"
        for name, value in fields
        if value not in (None, "", {})
    ]
    lines += ["", "Members:", *_indent(_member_lines(job))]
    replicas = replica_rows(job, events)
    lines += ["", "Replicas:", *_indent(aligned(REPLICA_HEADERS, replicas) if replicas else
                                        ["<none: no replica has started>"])]  # fmt: skip
    where = f" (from the {source})" if source else ""
    lines += ["", f"Events{where}:"]
    if dropped:
        lines.append(f"  {dropped} older events were dropped (the server keeps a bounded number)")
    rows = [event_row(event) for event in events]
    lines += _indent(aligned(EVENT_HEADERS, rows) if rows else ["<none>"])
    return "\n".join(lines)


def pending_reason(job: Mapping[str, Any], events: Sequence[Event]) -> str:
    """Why a job that has not started waits, in one sentence: the message of its latest
    ``waiting`` event, else the job's own message (where PaddleFlow puts it); ``""`` for a job
    that started or ended."""
    if job.get("status") not in NOT_STARTED:
        return ""
    waiting = [event for event in events if event.get("kind") == "waiting"]
    if waiting:
        last = waiting[-1]
        why = str(last.get("message") or "")
        reason = last.get("reason")
        return f"{why} ({reason})" if reason and str(reason) not in why else why
    return str(job.get("message") or "")


def event_row(event: Event) -> list[str]:
    """``SEQ TIME KIND WHERE MESSAGE`` of one event; WHERE is ``member-replica``."""
    return [
        str(event.get("seq", "")),
        str(event.get("time") or ""),
        str(event.get("kind") or event.get("type") or ""),
        _where(event),
        _event_message(event),
    ]


def aligned(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Columns two spaces apart, each as wide as its widest cell (the last one not padded)."""
    cells = [[escape_text(str(value)) for value in row] for row in [headers, *rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    return [row_line(row, widths) for row in cells]


def row_line(cells: Sequence[str], widths: Sequence[int]) -> str:
    """One line of :func:`aligned` (a wider cell pushes the next ones right)."""
    parts = [
        cell + " " * max(width - display_width(cell), 0)
        for cell, width in zip(cells[:-1], widths, strict=False)
    ]
    return "  ".join([*parts, cells[-1]]).rstrip()


def replica_rows(job: Mapping[str, Any], events: Sequence[Event]) -> list[list[str]]:
    """One row per replica the job's runtime reports (see the module's docstring)."""
    workdirs = {
        (str(event.get("member") or ""), event.get("replica")): str(event.get("workDir"))
        for event in events
        if event.get("kind") == "replica-started" and event.get("workDir")
    }
    rows = []
    for info in runtime_infos(job):
        status = _status_object(info.get("status"))
        role, index = str(info.get("role") or ""), info.get("index")
        terminated = _terminated(status)
        exit_code = terminated.get("exitCode") if terminated else None
        rows.append(
            [
                f"{role}-{index}" if role and isinstance(index, int) else str(info.get("name")),
                str(status.get("phase") or ""),
                "" if status.get("pid") is None else str(status.get("pid")),
                "" if exit_code is None else str(exit_code),
                str(status.get("startTime") or (terminated or {}).get("startedAt") or ""),
                str((terminated or {}).get("finishedAt") or ""),
                workdirs.get((role, index), ""),
                str(info.get("logURL") or ""),
            ]
        )
    return rows


def runtime_infos(job: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``RuntimeInfo`` objects of ``job``: its replicas, or a workflow's pods."""
    single = job.get("runtime")
    if isinstance(single, Mapping):
        return [single]
    distributed = job.get("distributedRuntime")
    if isinstance(distributed, Mapping):
        return [info for info in distributed.get("runtimes") or [] if isinstance(info, Mapping)]
    workflow = job.get("workflowRuntime")
    if isinstance(workflow, Mapping):
        found: list[Mapping[str, Any]] = []
        for node in workflow.get("nodeRuntimes") or workflow.get("nodes") or []:
            if isinstance(node, Mapping):
                found += [info for info in node.get("runtimes") or [] if isinstance(info, Mapping)]
        return found
    return []


def _member_lines(job: Mapping[str, Any]) -> list[str]:
    members = [member for member in job.get("members") or [] if isinstance(member, Mapping)]
    if not members:
        flavour = job.get("flavour") if isinstance(job.get("flavour"), Mapping) else {}
        members = [{"role": "worker", "replicas": 1, "flavour": flavour, **_top(job)}]
    rows = []
    for member in members:
        flavour = member.get("flavour") if isinstance(member.get("flavour"), Mapping) else {}
        assert isinstance(flavour, Mapping)
        rows.append(
            [
                str(member.get("role") or ""),
                str(member.get("replicas") or 1),
                str(flavour.get("name") or ""),
                str(member.get("image") or ""),
                str(member.get("command") or ""),
            ]
        )
    return aligned(("ROLE", "REPLICAS", "FLAVOUR", "IMAGE", "COMMAND"), rows)


def _top(job: Mapping[str, Any]) -> dict[str, Any]:
    return {"image": job.get("image"), "command": job.get("command")}


def _where(event: Event) -> str:
    member, replica = event.get("member"), event.get("replica")
    if member and replica is not None:
        return f"{member}-{replica}"
    return str(member or "")


def _event_message(event: Event) -> str:
    """The event's sentence, and its structured facts the sentence may not give."""
    text = str(event.get("message") or "")
    extras = [
        f"{key}={event[key]}"
        for key in ("pid", "exitCode", "signal", "by")
        if event.get(key) is not None and f"{event[key]}" not in text
    ]
    if event.get("lastLogLine") and str(event["lastLogLine"]) not in text:
        extras.append(f"last line: {event['lastLogLine']}")
    return f"{text} [{', '.join(extras)}]" if extras else text


def _status_object(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _terminated(status: Mapping[str, Any]) -> dict[str, Any] | None:
    for container in status.get("containerStatuses") or []:
        state = container.get("state") if isinstance(container, Mapping) else None
        if isinstance(state, Mapping) and isinstance(state.get("terminated"), dict):
            terminated: dict[str, Any] = state["terminated"]
            return terminated
    return None


def _pairs(values: Any) -> str:
    if not isinstance(values, Mapping):
        return ""
    return ", ".join(f"{key}={value}" for key, value in values.items())


def _indent(lines: Iterable[str]) -> list[str]:
    return [f"  {line}" for line in lines]
