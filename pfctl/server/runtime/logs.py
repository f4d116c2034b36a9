"""Reading a job's logs for ``GET /log/job``, in PaddleFlow's response shape.

The response follows ``schema.MixedLogResponse`` / the SDK's ``get_log_info_by_limit``:
``{"jobID", "name", "type", "taskList": [{"taskID", "logInfo": {"logContent", "hasNextPage",
"truncated"}}], "eventList": []}``. pfctl adds, and PaddleFlow clients ignore: ``jobStatus`` at
the top, and per task ``name`` (``worker-0`` or a workflow node), ``role``, ``index`` and
``nextOffset`` (the byte offset to pass as ``offset`` to read on from there: how ``-f`` follows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pfctl.server.runtime import layout
from pfctl.server.runtime.launches import template_members

if TYPE_CHECKING:
    from pfctl.server.store.jobrecords import JobRecord

DEFAULT_LINE_LIMIT = 1000
DEFAULT_SIZE_LIMIT = 100 * 1000 * 1000  # PaddleFlow's "100MB"


@dataclass(frozen=True)
class LogQuery:
    """What part of which logs to read."""

    line_limit: int = DEFAULT_LINE_LIMIT
    size_limit: int = DEFAULT_SIZE_LIMIT
    read_from_tail: bool = False
    role: str | None = None
    index: int | None = None
    node: str | None = None
    offset: int | None = None


@dataclass(frozen=True)
class LogTask:
    """One log file of a job: a replica (role, index) or a workflow node (role = node name)."""

    name: str
    role: str
    index: int
    path: Path


def _natural_key(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def job_log_tasks(data_dir: Path, job: JobRecord) -> list[LogTask]:
    """The job's log files in a stable order: replicas by member then index; workflow nodes in
    the order they ran."""
    directory = layout.logs_dir(data_dir, job.pk, job.id)
    if job.type == "workflow":
        nodes = (job.runtime or {}).get("nodes") or []
        names = [str(node.get("name")) for node in nodes if node.get("runtimes")]
        present = {path.stem: path for path in directory.glob("*.log")}
        ordered = [layout.safe_name(name) for name in names if layout.safe_name(name) in present]
        ordered += sorted((stem for stem in present if stem not in ordered), key=_natural_key)
        by_safe = {layout.safe_name(name): name for name in names}
        return [
            LogTask(by_safe.get(stem, stem), by_safe.get(stem, stem), 0, present[stem])
            for stem in ordered
        ]
    tasks: list[LogTask] = []
    members = job.spec.get("members") or [{"role": "worker", "replicas": 1}]
    if job.spec.get("extensionTemplate"):  # its replica specs run (launches.template_members)
        members = template_members(job.spec)
    for member in members:
        role = str(member.get("role") or "worker")
        already = sum(1 for task in tasks if task.role == role)
        for index in range(already, already + int(member.get("replicas") or 1)):
            name = f"{role}-{index}"
            tasks.append(
                LogTask(name, role, index, layout.log_file(data_dir, job.pk, job.id, name))
            )
    return tasks


def _complete_utf8(data: bytes) -> bytes:
    """``data`` without a UTF-8 sequence cut at its end (read on from there next time)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return data
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return data if back >= needed else data[:-back]
    return data


def _read_window(path: Path, query: LogQuery) -> tuple[str, bool, bool, int]:
    """``(content, has_next_page, truncated, next_offset)`` of one file."""
    try:
        size = path.stat().st_size
    except OSError:
        return "", False, False, query.offset or 0
    limit = max(0, query.line_limit)
    with path.open("rb") as handle:
        if query.read_from_tail and query.offset is None:
            start = max(0, size - query.size_limit)
            handle.seek(start)
            lines = handle.read(size - start).splitlines(keepends=True)
            truncated = start > 0
            if truncated and lines:
                lines = lines[1:]  # the first line was cut by the size window
            kept = lines[len(lines) - limit :] if limit else []
            has_earlier = truncated or len(kept) < len(lines)
            return b"".join(kept).decode(errors="replace"), has_earlier, truncated, size
        start = min(query.offset or 0, size)
        handle.seek(start)
        data = handle.read(min(query.size_limit, size - start))
    truncated = start + len(data) < size and len(data) >= query.size_limit
    kept_bytes = _complete_utf8(b"".join(data.splitlines(keepends=True)[:limit]))
    next_offset = start + len(kept_bytes)
    return kept_bytes.decode(errors="replace"), next_offset < size, truncated, next_offset


def read_job_logs(data_dir: Path, job: JobRecord, query: LogQuery) -> dict[str, Any]:
    """The ``GET /log/job`` response for ``job``."""
    task_list: list[dict[str, Any]] = []
    for task in job_log_tasks(data_dir, job):
        if query.role is not None and task.role != query.role:
            continue
        if query.index is not None and task.index != query.index:
            continue
        if query.node is not None and task.name != query.node:
            continue
        content, has_next, truncated, next_offset = _read_window(task.path, query)
        task_list.append(
            {
                "taskID": f"{job.id}-{task.name}",
                "name": task.name,
                "role": task.role,
                "index": task.index,
                "logInfo": {
                    "logContent": content,
                    "hasNextPage": has_next,
                    "truncated": truncated,
                },
                "nextOffset": next_offset,
            }
        )
    return {
        "jobID": job.id,
        "name": job.id,
        "type": job.type,
        "jobStatus": job.status,
        "taskList": task_list,
        "eventList": [],
    }
