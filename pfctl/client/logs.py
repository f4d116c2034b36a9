"""Reading a job's logs once or following them until the job finishes (``GET /log/job``).

PaddleFlow answers with one entry per task (replica or workflow node) in ``taskList``, each with
``logInfo.logContent``. pfctl's local server also gives each task's ``nextOffset`` and accepts
``node`` and ``offset`` to read on from there; following uses them when present, and otherwise
re-reads the log and prints what was added.

A :class:`TaskFilter` picks replicas by ``role`` and ``index``. Both are sent as query
parameters on every request (pfctl's server filters on them; PaddleFlow ignores them) and
checked again on each task's ``role``/``index`` fields, so the result does not depend on the
server. Tasks without those fields (PaddleFlow on Kubernetes names its tasks by pod only) are
all shown, after one warning, rather than guessed from their names.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pfctl.client.waiting import is_final
from pfctl.errors import ExitCode, PfctlError, UsageError

#: An offset past any log's end: the answer lists the tasks without reading their content.
_END = 2**62

UNFILTERED_WARNING = (
    "the server does not say which role and index each task is (PaddleFlow on Kubernetes lists "
    "pods only): showing all tasks"
)


class LogSource(Protocol):
    """What reading logs needs from a client (see ``PaddleFlowClient``)."""

    def job_logs(self, job_id: str, **query: Any) -> dict[str, Any]: ...

    def get_job(self, job_id: str) -> dict[str, Any]: ...


class NoMatchingTaskError(PfctlError):
    """A role/index filter matches none of the job's tasks."""

    exit_code = ExitCode.FAILURE


@dataclass(frozen=True)
class TaskFilter:
    """Which of a job's tasks to read: those of ``role`` and/or replica ``index`` (None: any)."""

    role: str | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        if self.index is not None and self.index < 0:
            raise UsageError(f"the replica index must be 0 or more, not {self.index}")

    @property
    def selects_all(self) -> bool:
        """Whether no role or index was asked for."""
        return self.role is None and self.index is None

    def query(self) -> dict[str, Any]:
        """The ``role``/``index`` query parameters of the log route (only those asked for)."""
        query: dict[str, Any] = {}
        if self.role is not None:
            query["role"] = self.role
        if self.index is not None:
            query["index"] = self.index
        return query

    def can_check(self, task: Mapping[str, Any]) -> bool:
        """Whether ``task`` carries the fields this filter looks at."""
        if self.role is not None and not isinstance(task.get("role"), str):
            return False
        return self.index is None or _replica_index(task) is not None

    def matches(self, task: Mapping[str, Any]) -> bool:
        """Whether ``task`` (which :meth:`can_check`) is one of the tasks asked for."""
        if self.role is not None and task.get("role") != self.role:
            return False
        return self.index is None or _replica_index(task) == self.index

    def describe(self) -> str:
        """The filter as command-line options, e.g. ``--role worker --index 1``."""
        parts = [] if self.role is None else [f"--role {self.role}"]
        if self.index is not None:
            parts.append(f"--index {self.index}")
        return " ".join(parts)


def _replica_index(task: Mapping[str, Any]) -> int | None:
    value = task.get("index")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


class _TaskPicker:
    """Applies a filter to answers, warning once about tasks it cannot check."""

    def __init__(self, task_filter: TaskFilter, on_warning: Callable[[str], None] | None) -> None:
        self.task_filter = task_filter
        self.on_warning = on_warning
        self.warned = False

    def pick(self, answer: Mapping[str, Any]) -> list[dict[str, Any]]:
        tasks: list[dict[str, Any]] = list(answer.get("taskList") or [])
        if self.task_filter.selects_all:
            return tasks
        picked = []
        for task in tasks:
            if not self.task_filter.can_check(task):
                self._warn_once()
                picked.append(task)
            elif self.task_filter.matches(task):
                picked.append(task)
        return picked

    def _warn_once(self) -> None:
        if not self.warned and self.on_warning is not None:
            self.on_warning(UNFILTERED_WARNING)
        self.warned = True


def task_content(task: Mapping[str, Any]) -> str:
    """The log text of one ``taskList`` entry."""
    info = task.get("logInfo") or {}
    return str(info.get("logContent") or task.get("logContent") or "")


def task_name(task: Mapping[str, Any]) -> str:
    """A task's display name: its ``name`` (local server) or its ``taskID``."""
    return str(task.get("name") or task.get("taskID") or "")


def _first_answer(
    client: LogSource, job_id: str, picker: _TaskPicker
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first answer and its picked tasks; raises when a filter left none of a job that has
    tasks (a job with no task yet is not an error: its logs may come)."""
    answer = client.job_logs(job_id, **picker.task_filter.query())
    tasks = picker.pick(answer)
    if tasks or picker.task_filter.selects_all:
        return answer, tasks
    listing = client.job_logs(job_id, offset=_END)
    names = [task_name(task) for task in listing.get("taskList") or []]
    if names:
        raise NoMatchingTaskError(
            f"no task of job {job_id} matches {picker.task_filter.describe()}; "
            f"its tasks: {', '.join(names)}"
        )
    return answer, tasks


def fetch_job_logs(
    client: LogSource,
    job_id: str,
    *,
    task_filter: TaskFilter | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The ``GET /log/job`` answer, its ``taskList`` narrowed to the tasks ``task_filter`` picks
    (unchanged without a filter). ``on_warning`` receives a message if the server's tasks say
    no role or index; raises :class:`NoMatchingTaskError` if the filter matches no task."""
    picker = _TaskPicker(task_filter or TaskFilter(), on_warning)
    answer, tasks = _first_answer(client, job_id, picker)
    if picker.task_filter.selects_all:
        return answer
    return {**answer, "taskList": tasks}


def read_job_logs(
    client: LogSource,
    job_id: str,
    on_text: Callable[[str, str], None],
    *,
    follow: bool = False,
    poll_interval: float = 2.0,
    on_tasks: Callable[[list[str]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    task_filter: TaskFilter | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> None:
    """Pass each task's log text to ``on_text(task_name, text)``; with ``follow``, keep passing
    new text until the job is in a final status (its last logs included). ``on_tasks`` first
    receives the names of the tasks the server listed.

    ``task_filter`` limits the tasks read; ``on_warning`` receives a message, once, if the
    server's tasks say no role or index (then every task is read). Raises
    :class:`NoMatchingTaskError` if the filter matches none of the job's tasks."""
    picker = _TaskPicker(task_filter or TaskFilter(), on_warning)
    finished = not follow or is_final(str(client.get_job(job_id).get("status", "")))
    answer, tasks = _first_answer(client, job_id, picker)
    if on_tasks is not None:
        on_tasks([task_name(task) for task in tasks])
    offsets: dict[str, int] = {}
    printed: dict[str, str] = {}
    for task in tasks:
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
            _read_on(client, job_id, offsets, on_text, picker)
        else:
            _read_again(client, job_id, printed, on_text, picker)


def _read_on(
    client: LogSource,
    job_id: str,
    offsets: dict[str, int],
    on_text: Callable[[str, str], None],
    picker: _TaskPicker,
) -> None:
    """Read every task from its offset; tasks that appeared meanwhile start at 0."""
    query = picker.task_filter.query()
    for task in picker.pick(client.job_logs(job_id, offset=_END, **query)):
        offsets.setdefault(task_name(task), 0)
    for name in list(offsets):
        while True:
            answer = client.job_logs(job_id, node=name, offset=offsets[name], **query)
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
    picker: _TaskPicker,
) -> None:
    """Re-read the whole log and pass on what each task added (all of it after a rotation)."""
    for task in picker.pick(client.job_logs(job_id, **picker.task_filter.query())):
        name, text = task_name(task), task_content(task)
        before = printed.get(name, "")
        new = text[len(before) :] if text.startswith(before) else text
        printed[name] = text
        if new:
            on_text(name, new)
