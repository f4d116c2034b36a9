"""Reading a job's logs once or following them until the job finishes (``GET /log/job``).

PaddleFlow answers with one entry per task (replica or workflow node) in ``taskList``, each with
``logInfo.logContent``. pfctl's local server also gives each task's ``nextOffset`` and accepts
``node`` and ``offset`` to read on from there; following uses them when present, and otherwise
re-reads the log and prints what was added.

Every request carries what PaddleFlow's route requires (``pkg/apiserver/router/v1/log.go``):
``lineLimit`` and ``clusterName``, the cluster of the job's queue, looked up once per read
(``GET /queue/{name}``, which PaddleFlow shows a non-root user only for a queue granted to them;
the caller may name the cluster instead).

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

from pfctl.errors import ExitCode, PfctlError, UsageError
from pfctl.spec.statuses import is_final

#: An offset past any log's end: the answer lists the tasks without reading their content.
_END = 2**62
#: Lines per task and request unless asked otherwise (the PaddleFlow SDK's DEFAULT_LINE_LIMIT).
DEFAULT_LINE_LIMIT = 1000

UNFILTERED_WARNING = (
    "the server does not say which role and index each task is (PaddleFlow on Kubernetes lists "
    "pods only): showing all tasks"
)


class LogSource(Protocol):
    """What reading logs needs from a client (see ``PaddleFlowClient``)."""

    def job_logs(
        self, job_id: str, *, cluster_name: str, line_limit: int, **query: Any
    ) -> dict[str, Any]: ...

    def get_job(self, job_id: str) -> dict[str, Any]: ...

    def get_queue(self, name: str) -> dict[str, Any]: ...


class ClusterUnknownError(PfctlError):
    """The job's queue, whose cluster a log request must name, is not shown to this user."""

    exit_code = ExitCode.FAILURE


def job_cluster_name(client: LogSource, job: Mapping[str, Any]) -> str:
    """The ``clusterName`` of ``job``'s queue: PaddleFlow answers a log request only when its
    ``clusterName`` equals it. ``""`` for a job that names no queue. Raises
    :class:`ClusterUnknownError` when the server refuses to show the queue (403)."""
    from pfctl.client.errors import PaddleFlowError

    queue = str((job.get("schedulingPolicy") or {}).get("queue") or "")
    if not queue:
        return ""
    try:
        return str(client.get_queue(queue).get("clusterName") or "")
    except PaddleFlowError as error:
        if error.status != 403:
            raise
        raise ClusterUnknownError(
            f"a log request names the cluster of the job's queue, and the server does not show "
            f"queue {queue} to you ({error}): pass --cluster NAME, or ask root to grant the "
            f"queue (pfctl queue grant USERNAME {queue})"
        ) from error


@dataclass(frozen=True)
class JobLogReader:
    """The log requests of one job, each with the job's cluster and a line limit."""

    client: LogSource
    job_id: str
    cluster_name: str
    line_limit: int = DEFAULT_LINE_LIMIT

    @classmethod
    def for_job(
        cls,
        client: LogSource,
        job_id: str,
        job: Mapping[str, Any],
        cluster_name: str | None = None,
    ) -> JobLogReader:
        """A reader of job ``job_id``, whose object (as ``get_job`` returns it) is ``job``;
        ``cluster_name`` when given, else its queue's cluster."""
        if cluster_name is None:
            cluster_name = job_cluster_name(client, job)
        return cls(client, job_id, cluster_name)

    def read(self, *, line_limit: int | None = None, **query: Any) -> dict[str, Any]:
        """One ``GET /log/job`` answer; ``query`` holds the other parameters (wire names)."""
        return self.client.job_logs(
            self.job_id,
            cluster_name=self.cluster_name,
            line_limit=self.line_limit if line_limit is None else line_limit,
            **query,
        )


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


def _check_tail(tail: int | None) -> None:
    if tail is not None and tail < 0:
        raise UsageError(f"--tail must be 0 or more, not {tail}")


def _window(tail: int | None) -> dict[str, Any]:
    """The query of a first read: the head window, or the last ``tail`` lines."""
    return {} if tail is None else {"readFromTail": "true", "line_limit": tail}


def _first_answer(
    reader: JobLogReader, picker: _TaskPicker, tail: int | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first answer and its picked tasks; raises when a filter left none of a job that has
    tasks (a job with no task yet is not an error: its logs may come)."""
    answer = reader.read(**_window(tail), **picker.task_filter.query())
    tasks = picker.pick(answer)
    if tasks or picker.task_filter.selects_all:
        return answer, tasks
    listing = reader.read(offset=_END)
    names = [task_name(task) for task in listing.get("taskList") or []]
    if names:
        raise NoMatchingTaskError(
            f"no task of job {reader.job_id} matches {picker.task_filter.describe()}; "
            f"its tasks: {', '.join(names)}"
        )
    return answer, tasks


def fetch_job_logs(
    client: LogSource,
    job_id: str,
    *,
    task_filter: TaskFilter | None = None,
    on_warning: Callable[[str], None] | None = None,
    tail: int | None = None,
    cluster_name: str | None = None,
) -> dict[str, Any]:
    """The ``GET /log/job`` answer, its ``taskList`` narrowed to the tasks ``task_filter`` picks
    (unchanged without a filter). ``on_warning`` receives a message if the server's tasks say
    no role or index; raises :class:`NoMatchingTaskError` if the filter matches no task.
    ``tail``: only the last ``tail`` lines of each task (else the first 1000).
    ``cluster_name``: the cluster to name (else the job's queue's)."""
    _check_tail(tail)
    reader = JobLogReader.for_job(client, job_id, client.get_job(job_id), cluster_name)
    picker = _TaskPicker(task_filter or TaskFilter(), on_warning)
    answer, tasks = _first_answer(reader, picker, tail)
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
    tail: int | None = None,
    cluster_name: str | None = None,
) -> None:
    """Pass each task's log text to ``on_text(task_name, text)``; with ``follow``, keep passing
    new text until the job is in a final status (its last logs included). ``on_tasks`` first
    receives the names of the tasks the server listed.

    ``task_filter`` limits the tasks read; ``on_warning`` receives a message, once, if the
    server's tasks say no role or index (then every task is read). Raises
    :class:`NoMatchingTaskError` if the filter matches none of the job's tasks. ``tail``: start
    with the last ``tail`` lines of each task (else with the first 1000). ``cluster_name``: the
    cluster to name (else the job's queue's)."""
    _check_tail(tail)
    job = client.get_job(job_id)
    reader = JobLogReader.for_job(client, job_id, job, cluster_name)
    picker = _TaskPicker(task_filter or TaskFilter(), on_warning)
    finished = not follow or is_final(str(job.get("status", "")))
    answer, tasks = _first_answer(reader, picker, tail)
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
            _read_on(reader, offsets, on_text, picker)
        else:
            _read_again(reader, printed, on_text, picker, from_tail=tail is not None)


def _read_on(
    reader: JobLogReader,
    offsets: dict[str, int],
    on_text: Callable[[str, str], None],
    picker: _TaskPicker,
) -> None:
    """Read every task from its offset; tasks that appeared meanwhile start at 0."""
    query = picker.task_filter.query()
    for task in picker.pick(reader.read(offset=_END, **query)):
        offsets.setdefault(task_name(task), 0)
    for name in list(offsets):
        while True:
            answer = reader.read(node=name, offset=offsets[name], **query)
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


def added_text(before: str, after: str) -> str:
    """What ``after``, a later read of a log window, adds to ``before``, an earlier one.

    ``after`` may start with ``before`` (the log grew inside the window), start with the end of
    ``before`` (a window of the last lines slid on), or hold all of ``before`` further on (a
    wider window). Otherwise, as after a rotation, all of ``after`` is new. Without offsets,
    runs of identical lines can make the overlap look longer than it was."""
    if after.startswith(before):
        return after[len(before) :]
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    for start in range(max(0, len(old) - len(new)), len(old)):
        if old[start] == new[0] and old[start:] == new[: len(old) - start]:
            return "".join(new[len(old) - start :])
    found = after.rfind(before) if before.endswith("\n") else -1
    if found > 0 and after[found - 1] == "\n":
        return after[found + len(before) :]
    return after


def _read_again(
    reader: JobLogReader,
    printed: dict[str, str],
    on_text: Callable[[str, str], None],
    picker: _TaskPicker,
    *,
    from_tail: bool,
) -> None:
    """Re-read each task's window (its last lines if ``from_tail``) and pass on what it adds
    to the text read before."""
    window: dict[str, Any] = {"readFromTail": "true"} if from_tail else {}
    for task in picker.pick(reader.read(**window, **picker.task_filter.query())):
        name, text = task_name(task), task_content(task)
        new = added_text(printed.get(name, ""), text)
        printed[name] = text
        if new:
            on_text(name, new)
