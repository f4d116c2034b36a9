"""Find, read, parse and check manifests from files, directories and stdin.

Bad manifests never raise: each becomes problems in the result. Only input that cannot be used
at all (a missing path, an empty directory, unreadable stdin) raises ``InputError``. Many files
are spread over worker processes in batches (``pfctl.manifests.batches``).
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pfctl.errors import InputError
from pfctl.manifests.batches import (
    PARALLEL_MIN_BYTES,
    PARALLEL_THRESHOLD,
    file_sizes,
    gc_paused,
    plan_batches,
    run_in_pool,
    usable_cores,
)
from pfctl.manifests.checks import DocumentOutcome, check_document, warm_up
from pfctl.manifests.model import DocumentSummary, LoadResult, Problem
from pfctl.manifests.parse import parse_json, parse_yaml

__all__ = [
    "MAX_FILE_BYTES",
    "PARALLEL_MIN_BYTES",
    "PARALLEL_THRESHOLD",
    "STDIN",
    "FileOutcome",
    "PendingLoad",
    "add_outcome",
    "find_inputs",
    "iter_outcomes",
    "load_manifests",
    "plan_batches",
    "start_loading",
]

#: Files larger than this are refused: a manifest is a few kilobytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
STDIN = "-"
STDIN_NAME = "<stdin>"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
#: Files checked between two yields when checking in this process.
SERIAL_BATCH = 64


@dataclass
class FileOutcome:
    """Everything found in one input file."""

    source: str
    documents: list[DocumentOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Problems of the file as a whole (unreadable bytes, syntax errors, empty documents)."""


def load_manifests(
    paths: Sequence[str], *, recursive: bool = False, keep_manifests: bool = True
) -> LoadResult:
    """Read, parse and check every manifest under ``paths`` (``-`` is stdin).

    Directories contribute their ``*.yaml``, ``*.yml`` and ``*.json`` files, and with
    ``recursive`` those of their subdirectories. The same ``id`` twice across all inputs is an
    error at the second occurrence. ``keep_manifests=False`` leaves ``manifests`` empty, so that
    validating many files keeps only their summaries and problems in memory.
    """
    result = LoadResult()
    for outcome in iter_outcomes(paths, recursive=recursive, keep_manifests=keep_manifests):
        add_outcome(result, outcome)
    return result


def add_outcome(result: LoadResult, outcome: FileOutcome) -> None:
    """Add one file's documents, problems and valid manifests to ``result``."""
    result.problems.extend(outcome.problems)
    for document in outcome.documents:
        result.problems.extend(document.problems)
        result.documents.append(document.summary)
        if document.manifest is not None:
            result.manifests.append(document.manifest)
    errors = [p for p in outcome.problems if p.severity == "error"]
    if errors:  # the part of the file that could not be parsed counts as one bad document
        index, first = len(outcome.documents), errors[0]
        result.documents.append(
            DocumentSummary(outcome.source, index, first.line, first.column, None, None, False)
        )


def iter_outcomes(
    paths: Sequence[str], *, recursive: bool = False, keep_manifests: bool = True
) -> Iterator[FileOutcome]:
    """Per-file outcomes in input order, with duplicate ids already marked."""
    inputs = find_inputs(paths, recursive=recursive)
    stdin_text = _read_stdin() if STDIN in inputs else None
    yield from _marked(_check_all(inputs, stdin_text, keep_manifests=keep_manifests))


def _marked(outcomes: Iterator[FileOutcome]) -> Iterator[FileOutcome]:
    seen_ids: dict[str, str] = {}
    for outcome in outcomes:
        _mark_duplicate_ids(outcome, seen_ids)
        yield outcome


class PendingLoad:
    """Loading that started in worker processes; ``result()`` waits for it.

    Lets the caller do other work meanwhile (import what it needs next, for example). Inputs
    too small for worker processes are checked by ``result()`` itself.
    """

    def __init__(self, outcomes: Iterator[FileOutcome]) -> None:
        self._outcomes = outcomes

    def result(self) -> LoadResult:
        """The load result, as ``load_manifests`` returns it."""
        result = LoadResult()
        for outcome in _marked(self._outcomes):
            add_outcome(result, outcome)
        return result


def start_loading(
    paths: Sequence[str], *, recursive: bool = False, keep_manifests: bool = True
) -> PendingLoad:
    """Start ``load_manifests(paths)``; unusable input raises ``InputError`` here already."""
    inputs = find_inputs(paths, recursive=recursive)
    stdin_text = _read_stdin() if STDIN in inputs else None
    return PendingLoad(_check_all(inputs, stdin_text, keep_manifests=keep_manifests))


def find_inputs(paths: Sequence[str], *, recursive: bool) -> list[str]:
    """The files to read, in order, without repeats; ``-`` stands for stdin."""
    found: list[str] = []
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            candidates: Iterable[str] = [STDIN]
        elif os.path.isdir(given):
            candidates = _directory_files(given, recursive=recursive)
        elif os.path.exists(given):
            candidates = [given]
        else:
            raise InputError(f"{given}: no such file or directory")
        for candidate in candidates:
            key = candidate if candidate == STDIN else os.path.abspath(candidate)
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _directory_files(directory: str, *, recursive: bool) -> list[str]:
    files: list[str] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(name for name in dirs if not name.startswith(".")) if recursive else []
        files.extend(
            os.path.join(root, name)
            for name in sorted(names)
            if name.endswith(MANIFEST_SUFFIXES) and not name.startswith(".")
        )
    if not files:
        hint = "" if recursive else " (use -R to read its subdirectories)"
        raise InputError(f"{directory}: no *.yaml, *.yml or *.json files{hint}")
    return files


def _read_stdin() -> str:
    try:
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read stdin: {exc.strerror or exc}") from exc
    return data.decode("latin-1")  # bytes carried losslessly; decoded as UTF-8 in check_bytes


def _check_all(
    inputs: list[str], stdin_text: str | None, *, keep_manifests: bool
) -> Iterator[FileOutcome]:
    """Outcomes in input order; worker processes, if any, start right away."""
    files = [path for path in inputs if path != STDIN]
    batches = plan_batches(files, file_sizes(files), workers=usable_cores())
    if len(batches) < 2:
        return _check_here(inputs, files, stdin_text, keep_manifests=keep_manifests)
    check = functools.partial(check_batch, keep_manifests=keep_manifests)
    # A caller keeping every manifest keeps every result anyway: let the workers run ahead.
    checked = run_in_pool(batches, check, all_ahead=keep_manifests, before_fork=warm_up)
    return _in_input_order(inputs, checked, stdin_text)


def _in_input_order(
    inputs: list[str], checked: Iterator[FileOutcome], stdin_text: str | None
) -> Iterator[FileOutcome]:
    for path in inputs:
        yield _stdin_outcome(stdin_text) if path == STDIN else next(checked)


def _check_here(
    inputs: list[str], files: list[str], stdin_text: str | None, *, keep_manifests: bool
) -> Iterator[FileOutcome]:
    """Outcomes checked in this process, a batch of files at a time as they are asked for."""
    checked = itertools.chain.from_iterable(
        check_batch(files[start : start + SERIAL_BATCH], keep_manifests=keep_manifests)
        for start in range(0, len(files), SERIAL_BATCH)
    )
    for path in inputs:
        yield _stdin_outcome(stdin_text) if path == STDIN else next(checked)


def check_batch(paths: list[str], *, keep_manifests: bool = True) -> list[FileOutcome]:
    """Read and check consecutive files (the unit of work of the process pool)."""
    with gc_paused():
        return [check_file(path, keep_manifests=keep_manifests) for path in paths]


def _stdin_outcome(stdin_text: str | None) -> FileOutcome:
    data = (stdin_text or "").encode("latin-1")
    stripped = data.lstrip()
    as_json = stripped.startswith((b"{", b"["))
    outcome = check_bytes(STDIN_NAME, data, as_json=as_json)
    if as_json and outcome.problems and not outcome.documents:
        return check_bytes(STDIN_NAME, data, as_json=False)  # a YAML flow mapping, maybe
    return outcome


def check_file(path: str, *, keep_manifests: bool = True) -> FileOutcome:
    """Read and check one file (the unit of work of the process pool)."""
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return _file_problem(path, f"file is too large: {size} bytes (limit {_limit()})")
        data = Path(path).read_bytes()
    except OSError as exc:
        return _file_problem(path, f"cannot read file: {exc.strerror or exc}")
    outcome = check_bytes(path, data, as_json=path.endswith(".json"))
    if not keep_manifests:
        for document in outcome.documents:
            document.manifest = None
    return outcome


def _limit() -> str:
    return f"{MAX_FILE_BYTES // (1024 * 1024)} MiB"


def _file_problem(source: str, message: str, line: int = 1, column: int = 1) -> FileOutcome:
    return FileOutcome(source, problems=[Problem(source, line, column, "$", message)])


def check_bytes(source: str, data: bytes, *, as_json: bool) -> FileOutcome:
    """Check the bytes of one input named ``source``."""
    if len(data) > MAX_FILE_BYTES:
        return _file_problem(source, f"input is too large: more than {_limit()}")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position(data, nul)
        return _file_problem(
            source, f"binary data, not a text manifest (NUL byte at offset {nul})", line, column
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        byte = data[exc.start]
        return _file_problem(
            source, f"not valid UTF-8 text (byte 0x{byte:02x} at offset {exc.start})", line, column
        )
    documents, problems = (parse_json if as_json else parse_yaml)(source, text)
    outcome = FileOutcome(source, problems=problems)
    if not documents and not problems:
        outcome.problems.append(Problem(source, 1, 1, "$", "no documents; skipped", "note"))
    for document in documents:
        if document.data is None and not document.problems:
            outcome.problems.append(
                Problem(
                    source,
                    document.line,
                    document.column,
                    "$",
                    f"document {document.index + 1} is empty; skipped",
                    "note",
                )
            )
            continue
        outcome.documents.append(check_document(source, document))
    return outcome


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def _mark_duplicate_ids(outcome: FileOutcome, seen_ids: dict[str, str]) -> None:
    for document in outcome.documents:
        job_id = document.summary.id
        if not job_id:
            continue
        line, column = document.id_location
        here = f"{outcome.source}:{line}:{column}"
        first = seen_ids.setdefault(job_id, here)
        if first == here:
            continue
        document.problems.append(
            Problem(
                outcome.source, line, column, "$.id", f"duplicate id `{job_id}`: first at {first}"
            )
        )
        document.manifest = None
        summary = document.summary
        document.summary = DocumentSummary(
            summary.source,
            summary.document_index,
            summary.line,
            summary.column,
            summary.type,
            summary.id,
            False,
        )
