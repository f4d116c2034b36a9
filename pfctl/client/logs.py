"""Reading a job's logs once or following them until the job finishes (``GET /log/job``).

PaddleFlow answers with one entry per task (replica or workflow node) in ``taskList``, each with
``logInfo.logContent``. pfctl's local server also gives each task's ``nextOffset`` and accepts
``node`` and ``offset`` to read on from there; following uses them when present, and otherwise
re-reads the log and prints what was added.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from pfctl.client.waiting import is_final

#: An offset past any log's end: the answer lists the tasks without reading their content.
_END = 2**62


class LogSource(Protocol):
    """What reading logs needs from a client (see ``PaddleFlowClient``)."""

    def job_logs(self, job_id: str, **query: Any) -> dict[str, Any]: ...

    def get_job(self, job_id: str) -> dict[str, Any]: ...


def task_content(task: Mapping[str, Any]) -> str:
    """The log text of one ``taskList`` entry."""
    info = task.get("logInfo") or {}
    return str(info.get("logContent") or task.get("logContent") or "")


def task_name(task: Mapping[str, Any]) -> str:
    """A task's display name: its ``name`` (local server) or its ``taskID``."""
    return str(task.get("name") or task.get("taskID") or "")


def read_job_logs(
    client: LogSource,
    job_id: str,
    on_text: Callable[[str, str], None],
    *,
    follow: bool = False,
    poll_interval: float = 2.0,
    on_tasks: Callable[[list[str]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Pass each task's log text to ``on_text(task_name, text)``; with ``follow``, keep passing
    new text until the job is in a final status (its last logs included). ``on_tasks`` first
    receives the names of the tasks the server listed."""
    finished = not follow or is_final(str(client.get_job(job_id).get("status", "")))
    answer = client.job_logs(job_id)
    if on_tasks is not None:
        on_tasks([task_name(task) for task in answer.get("taskList") or []])
    offsets: dict[str, int] = {}
    printed: dict[str, str] = {}
    for task in answer.get("taskList") or []:
        name, text = task_name(task), task_content(task)
        printed[name] = text
        if isinstance(task.get("nextOffset"), int):
            offsets[name] = task["nextOffset"]
        if text:
            on_text(name, text)
    resumable = bool(offsets) or not (answer.get("taskList") or [])
    while not finished:
        sleep(poll_interval)
        finished = is_final(str(client.get_job(job_id).get("status", "")))
        if resumable:
            _read_on(client, job_id, offsets, on_text)
        else:
            _read_again(client, job_id, printed, on_text)


def _read_on(
    client: LogSource,
    job_id: str,
    offsets: dict[str, int],
    on_text: Callable[[str, str], None],
) -> None:
    """Read every task from its offset; tasks that appeared meanwhile start at 0."""
    listing = client.job_logs(job_id, offset=_END)
    for task in listing.get("taskList") or []:
        offsets.setdefault(task_name(task), 0)
    for name in list(offsets):
        while True:
            answer = client.job_logs(job_id, node=name, offset=offsets[name])
            tasks = answer.get("taskList") or []
            if not tasks:
                break
            task = tasks[0]
            text = task_content(task)
            if text:
                on_text(name, text)
            next_offset = task.get("nextOffset")
            if not isinstance(next_offset, int) or next_offset <= offsets[name]:
                break
            offsets[name] = next_offset
            if not (task.get("logInfo") or {}).get("hasNextPage"):
                break


def _read_again(
    client: LogSource,
    job_id: str,
    printed: dict[str, str],
    on_text: Callable[[str, str], None],
) -> None:
    """Re-read the whole log and pass on what each task added (all of it after a rotation)."""
    for task in client.job_logs(job_id).get("taskList") or []:
        name, text = task_name(task), task_content(task)
        before = printed.get(name, "")
        new = text[len(before) :] if text.startswith(before) else text
        printed[name] = text
        if new:
            on_text(name, new)
