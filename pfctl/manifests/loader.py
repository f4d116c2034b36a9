"""Find, read, parse and check manifests from files, directories and stdin.

Bad manifests never raise: each becomes problems in the result. Only input that cannot be used
at all (a missing path, an empty directory, unreadable stdin) raises ``InputError``. Many files
are spread over worker processes in batches (``pfctl.manifests.batches``).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pfctl.errors import InputError
from pfctl.manifests.batches import (
    PARALLEL_MIN_BYTES,
    PARALLEL_THRESHOLD,
    file_sizes,
    gc_paused,
    plan_batches,
    run_in_pool,
    start_pool,
    usable_cores,
)
from pfctl.manifests.cache import ManifestCache, content_digest
from pfctl.manifests.model import (
    DEFAULT_TARGET,
    DocumentOutcome,
    DocumentSummary,
    LoadResult,
    Manifest,
    Problem,
)

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


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
    digest: str = ""
    """The manifest cache's key for the file's name and bytes ("" when it was not read)."""


def load_manifests(
    paths: Sequence[str],
    *,
    recursive: bool = False,
    keep_manifests: bool = True,
    target: str = DEFAULT_TARGET,
) -> LoadResult:
    """Read, parse and check every manifest under ``paths`` (``-`` is stdin).

    Directories contribute their ``*.yaml``, ``*.yml`` and ``*.json`` files, and with
    ``recursive`` those of their subdirectories. The same ``id`` twice across all inputs is an
    error at the second occurrence. ``keep_manifests=False`` leaves ``manifests`` empty, so that
    validating many files keeps only their summaries and problems in memory. ``target`` is the
    server the manifests are checked for (``pfctl.manifests.model.TARGETS``).
    """
    result = LoadResult()
    outcomes = iter_outcomes(
        paths, recursive=recursive, keep_manifests=keep_manifests, target=target
    )
    for outcome in outcomes:
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
    paths: Sequence[str],
    *,
    recursive: bool = False,
    keep_manifests: bool = True,
    target: str = DEFAULT_TARGET,
) -> Iterator[FileOutcome]:
    """Per-file outcomes in input order, with duplicate ids already marked."""
    # Outcomes only reported: workers forked before the files are listed do not inherit the
    # list, so that memory stays flat however many files a directory holds.
    pool = None if keep_manifests else _early_pool(paths)
    try:
        inputs = find_inputs(paths, recursive=recursive)
    except BaseException:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise
    stdin_text = _read_stdin() if STDIN in inputs else None
    checked = _check_all(
        inputs, stdin_text, keep_manifests=keep_manifests, target=target, pool=pool
    )
    yield from _marked(checked)


def _early_pool(paths: Sequence[str]) -> ProcessPoolExecutor | None:
    """Worker processes started before listing ``paths``, when they will surely be needed:
    many paths, or directories holding many entries at their top level (counted, not listed)."""
    if usable_cores() < 2:
        return None
    entries = len(paths)
    for path in paths:
        if entries >= PARALLEL_THRESHOLD:
            break
        if path != STDIN and os.path.isdir(path):
            try:
                with os.scandir(path) as found:
                    entries += sum(1 for _ in found)
            except OSError:
                pass  # listing it reports why
    if entries < PARALLEL_THRESHOLD:
        return None
    from pfctl.manifests.checks import warm_up

    return start_pool(usable_cores(), warm_up)


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
    paths: Sequence[str],
    *,
    recursive: bool = False,
    keep_manifests: bool = True,
    target: str = DEFAULT_TARGET,
) -> PendingLoad:
    """Start ``load_manifests(paths)``; unusable input raises ``InputError`` here already."""
    inputs = find_inputs(paths, recursive=recursive)
    stdin_text = _read_stdin() if STDIN in inputs else None
    return PendingLoad(_check_all(inputs, stdin_text, keep_manifests=keep_manifests, target=target))


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
    inputs: list[str],
    stdin_text: str | None,
    *,
    keep_manifests: bool,
    target: str,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[FileOutcome]:
    """Outcomes in input order; worker processes, if any, start right away.

    Loads that keep every manifest go through the manifest cache (``pfctl.manifests.cache``):
    files whose name and bytes were checked before with the same code are not checked again.
    """
    files = [path for path in inputs if path != STDIN]
    cache = ManifestCache.open(files, target) if keep_manifests else None
    if cache is None or not cache.entries:
        checked = _check_files(files, keep_manifests=keep_manifests, target=target, pool=pool)
        if cache is not None:
            checked = cache.recording(checked, len(files))
        return _in_input_order(inputs, checked, stdin_text, target)
    found: dict[str, FileOutcome] = {}
    for path in files:
        outcome = _cached_outcome(cache, path)
        if outcome is not None:
            found[path] = outcome
    missing = [path for path in files if path not in found]
    if missing:
        checked = _check_files(missing, keep_manifests=True, target=target)
        found.update(zip(missing, checked, strict=True))
        cache.save(found[path] for path in files)
    return _in_input_order(inputs, (found[path] for path in files), stdin_text, target)


def _cached_outcome(cache: ManifestCache, path: str) -> FileOutcome | None:
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            return None
        data = _read_bytes(path)
    except OSError:
        return None
    digest = content_digest(path, data)
    outcome = cache.get(digest)
    if outcome is not None:
        outcome.digest = digest
    return outcome


def _check_files(
    files: list[str],
    *,
    keep_manifests: bool,
    target: str,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[FileOutcome]:
    """Outcomes of ``files`` in order: from worker processes (``pool``'s when given) when
    there is enough work."""
    batches = plan_batches(files, file_sizes(files), workers=usable_cores())
    if len(batches) < 2:
        if pool is not None:
            pool.shutdown(wait=False)
        return _check_here(files, keep_manifests=keep_manifests, target=target)
    check = functools.partial(check_batch, keep_manifests=keep_manifests, target=target)
    from pfctl.manifests.checks import warm_up

    # A caller keeping every manifest keeps every result anyway: let the workers run ahead.
    return run_in_pool(batches, check, all_ahead=keep_manifests, before_fork=warm_up, pool=pool)


def _in_input_order(
    inputs: list[str], checked: Iterator[FileOutcome], stdin_text: str | None, target: str
) -> Iterator[FileOutcome]:
    for path in inputs:
        yield _stdin_outcome(stdin_text, target) if path == STDIN else next(checked)


def _check_here(files: list[str], *, keep_manifests: bool, target: str) -> Iterator[FileOutcome]:
    """Outcomes checked in this process, a batch of files at a time as they are asked for."""
    return itertools.chain.from_iterable(
        check_batch(
            files[start : start + SERIAL_BATCH], keep_manifests=keep_manifests, target=target
        )
        for start in range(0, len(files), SERIAL_BATCH)
    )


def check_batch(
    paths: list[str], *, keep_manifests: bool = True, target: str = DEFAULT_TARGET
) -> list[FileOutcome]:
    """Read and check consecutive files (the unit of work of the process pool)."""
    with gc_paused():
        return [check_file(path, keep_manifests=keep_manifests, target=target) for path in paths]


def _stdin_outcome(stdin_text: str | None, target: str) -> FileOutcome:
    data = (stdin_text or "").encode("latin-1")
    stripped = data.lstrip()
    as_json = stripped.startswith((b"{", b"["))
    outcome = check_bytes(STDIN_NAME, data, as_json=as_json, target=target)
    if as_json and outcome.problems and not outcome.documents:
        # A YAML flow mapping, maybe.
        return check_bytes(STDIN_NAME, data, as_json=False, target=target)
    return outcome


def check_file(
    path: str, *, keep_manifests: bool = True, target: str = DEFAULT_TARGET
) -> FileOutcome:
    """Read and check one file (the unit of work of the process pool)."""
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return _file_problem(path, f"file is too large: {size} bytes (limit {_limit()})")
        data = _read_bytes(path)
    except OSError as exc:
        return _file_problem(path, f"cannot read file: {exc.strerror or exc}")
    outcome = check_bytes(path, data, as_json=path.endswith(".json"), target=target)
    outcome.digest = content_digest(path, data)
    for document in outcome.documents:
        if not keep_manifests:
            document.manifest = None
        elif document.manifest is not None:
            document.manifest = _with_record(document.manifest)
    return outcome


def _with_record(manifest: Manifest) -> Manifest:
    """``manifest`` with the last-applied record its apply writes, computed here (in a worker
    process when there are many files) rather than by the planner."""
    from pfctl.apply.compare import plain_record_text

    return dataclasses.replace(manifest, record=plain_record_text(manifest.type, manifest.body))


def _read_bytes(path: str) -> bytes:
    # Not pathlib: it interns every part of every path it parses, a table that only grows.
    with open(path, "rb") as stream:
        return stream.read()


def _limit() -> str:
    return f"{MAX_FILE_BYTES // (1024 * 1024)} MiB"


def _file_problem(source: str, message: str, line: int = 1, column: int = 1) -> FileOutcome:
    return FileOutcome(source, problems=[Problem(source, line, column, "$", message)])


def check_bytes(
    source: str, data: bytes, *, as_json: bool, target: str = DEFAULT_TARGET
) -> FileOutcome:
    """Check the bytes of one input named ``source`` for ``target``."""
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
    # Imported here: a load served from the manifest cache needs neither YAML nor the checks.
    from pfctl.manifests.checks import check_document
    from pfctl.manifests.parse import parse_json, parse_yaml

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
        outcome.documents.append(check_document(source, document, target=target))
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
