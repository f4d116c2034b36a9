"""What a job's page shows: its spec as YAML (secrets masked as plans mask them), its replicas,
its events and pending reason, and its logs.

Logs are read as ``GET /log/job`` reads them (``runtime.logs``): the page opens with the tail of
each replica's log, and a running job's page follows each log from the byte offset it stopped at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pfctl.server.jobs.view import definition_view
from pfctl.server.runtime.logs import LogQuery, job_log_tasks, read_job_logs
from pfctl.server.state import ServerState
from pfctl.server.store.accounts import is_root
from pfctl.server.store.events import JobEvent
from pfctl.server.store.jobrecords import JobRecord
from pfctl.spec import statuses
from pfctl.spec.secrets import mask_value

#: Lines of each log the page opens with.
TAIL_LINES = 500
#: Lines one follow request returns at most.
FOLLOW_LINES = 2000
#: Events the page shows (the newest).
SHOWN_EVENTS = 200


def visible_job(state: ServerState, user_name: str, job_id: str) -> JobRecord | None:
    """The job if the caller may see it (their own; root: any); None otherwise, so another
    user's job is answered as a missing one."""
    job = state.store.get_job(job_id)
    if job is None or not (is_root(user_name) or job.user_name == user_name):
        return None
    return job


def spec_yaml(job: JobRecord) -> str:
    """The job's definition as ``GET /job/{id}`` shows it, as YAML, secret env values masked."""
    import yaml

    masked = mask_value((), definition_view(job))
    return str(yaml.safe_dump(masked, sort_keys=False, allow_unicode=True, width=100))


@dataclass(frozen=True)
class Replica:
    """One replica (or workflow pod) as the runtime last recorded it."""

    name: str
    role: str
    index: int
    phase: str
    exit_code: int | None
    started_at: float | None
    finished_at: float | None
    message: str


def _epoch(text: Any) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _replica(entry: dict[str, Any]) -> Replica:
    try:
        status = json.loads(entry.get("status") or "{}")
    except ValueError:
        status = {}
    containers = status.get("containerStatuses") or [{}]
    terminated = (containers[0].get("state") or {}).get("terminated") or {}
    exit_code = terminated.get("exitCode", status.get("exitCode"))
    role, index = str(entry.get("role") or ""), int(entry.get("index") or 0)
    name = f"{role}-{index}" if role else str(entry.get("name", ""))
    return Replica(
        name=name,
        role=role,
        index=index,
        phase=str(status.get("phase", "")),
        exit_code=exit_code if isinstance(exit_code, int) else None,
        started_at=_epoch(terminated.get("startedAt") or status.get("startTime")),
        finished_at=_epoch(terminated.get("finishedAt")),
        message=str(status.get("message", "")),
    )


def replicas(job: JobRecord) -> list[Replica]:
    """The job's replicas: from its runtime info once it has some, else its members' replicas
    as pending."""
    runtime = job.runtime or {}
    entries: list[dict[str, Any]] = []
    if job.type == "single" and runtime:
        entries = [runtime]
    elif job.type == "distributed":
        entries = list(runtime.get("runtimes") or [])
    elif job.type == "workflow":
        for node in runtime.get("nodes") or []:
            entries += node.get("runtimes") or []
    if entries:
        return [_replica(entry) for entry in entries]
    waiting = []
    for member in job.spec.get("members") or []:
        role = str(member.get("role") or "worker")
        for index in range(int(member.get("replicas") or 1)):
            waiting.append(Replica(f"{role}-{index}", role, index, "Pending", None, None, None, ""))
    return waiting


@dataclass(frozen=True)
class Events:
    """The newest events of a job, oldest first, and how many are not shown."""

    shown: list[JobEvent]
    left_out: int


def job_events(state: ServerState, job: JobRecord) -> Events:
    """The job's events (the newest ``SHOWN_EVENTS``)."""
    page = state.store.events.page(job.pk, job_id=job.id)
    shown = page.events[-SHOWN_EVENTS:]
    return Events(shown, page.dropped + len(page.events) - len(shown))


def pending_reason(job: JobRecord) -> str:
    """Why a waiting job waits (its message, as the scheduler sets it); "" otherwise."""
    if job.status in (statuses.INIT, statuses.PENDING):
        return job.message
    return ""


@dataclass(frozen=True)
class LogView:
    """One log of the job: the text read and the byte offset to read on from."""

    name: str
    content: str
    next_offset: int
    earlier: bool  # lines before the shown ones were left out


def log_tails(state: ServerState, job: JobRecord) -> list[LogView]:
    """The tail of each of the job's logs."""
    query = LogQuery(line_limit=TAIL_LINES, read_from_tail=True)
    answer = read_job_logs(state.config.data_dir, job, query)
    return [
        LogView(
            task["name"],
            task["logInfo"]["logContent"],
            int(task["nextOffset"]),
            bool(task["logInfo"]["hasNextPage"]),
        )
        for task in answer["taskList"]
    ]


def log_after(state: ServerState, job: JobRecord, name: str, offset: int) -> dict[str, Any]:
    """``{"content", "nextOffset", "final"}``: the log ``name`` from byte ``offset`` on (up to
    ``FOLLOW_LINES`` lines), and whether the job has ended (then nothing more will come)."""
    final = statuses.is_final(job.status)
    task = next((t for t in job_log_tasks(state.config.data_dir, job) if t.name == name), None)
    if task is None:
        return {"content": "", "nextOffset": offset, "final": final}
    if job.type == "workflow":
        query = LogQuery(line_limit=FOLLOW_LINES, offset=max(0, offset), node=task.name)
    else:
        query = LogQuery(
            line_limit=FOLLOW_LINES, offset=max(0, offset), role=task.role, index=task.index
        )
    for entry in read_job_logs(state.config.data_dir, job, query)["taskList"]:
        if entry["name"] == name:
            return {
                "content": entry["logInfo"]["logContent"],
                "nextOffset": int(entry["nextOffset"]),
                "final": final,
            }
    return {"content": "", "nextOffset": offset, "final": final}
