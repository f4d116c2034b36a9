"""Load manifests from files, directories and stdin: find the files, check them, in input order.

Bad manifests never raise: each becomes problems in the result. Only input that cannot be used
at all (a missing path, an empty directory, unreadable stdin) raises ``InputError``. Many files
are spread over worker processes in batches (``pfctl.manifests.batches``); files checked before
come from the manifest cache (``pfctl.manifests.cache``). Finding the files is
``pfctl.manifests.inputs``, checking one file ``pfctl.manifests.filecheck``, and adding the
outcomes up ``pfctl.manifests.outcomes``.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from pfctl.manifests.batches import (
    PARALLEL_THRESHOLD,
    file_sizes,
    plan_batches,
    run_in_pool,
    start_pool,
    usable_cores,
)
from pfctl.manifests.cache import ManifestCache, content_digest
from pfctl.manifests.filecheck import check_batch, check_stdin
from pfctl.manifests.inputs import STDIN, InputList, NotRead, list_inputs, read_bytes, read_stdin
from pfctl.manifests.model import DEFAULT_TARGET, FileOutcome, LoadResult
from pfctl.manifests.outcomes import add_outcome, marked

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


__all__ = ["PendingLoad", "iter_outcomes", "load_manifests", "start_loading"]

#: Files checked between two yields when checking in this process.
SERIAL_BATCH = 64


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
        listed = list_inputs(paths, recursive=recursive)
    except BaseException:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise
    inputs = listed.files
    stdin_text = read_stdin() if STDIN in inputs else None
    checked = _check_all(
        inputs, stdin_text, keep_manifests=keep_manifests, target=target, pool=pool
    )
    yield from _listing_outcomes(listed)
    yield from marked(checked)


def _listing_outcomes(listed: InputList) -> Iterator[FileOutcome]:
    """What listing the inputs found: entries skipped and directories that could not be listed,
    as outcomes of inputs that were not read; sub-directories not read without ``-R``, as
    warnings."""
    for problem in listed.problems:
        yield FileOutcome(problem.source, problems=[problem], unread=True)
    for notice in listed.notices:
        yield FileOutcome(notice.source, problems=[notice])


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
        for outcome in marked(self._outcomes):
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
    listed = list_inputs(paths, recursive=recursive)
    stdin_text = read_stdin() if STDIN in listed.files else None
    checked = _check_all(listed.files, stdin_text, keep_manifests=keep_manifests, target=target)
    return PendingLoad(itertools.chain(_listing_outcomes(listed), checked))


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
        data = read_bytes(path)
    except (OSError, NotRead):
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
        yield check_stdin(stdin_text, target) if path == STDIN else next(checked)


def _check_here(files: list[str], *, keep_manifests: bool, target: str) -> Iterator[FileOutcome]:
    """Outcomes checked in this process, a batch of files at a time as they are asked for."""
    return itertools.chain.from_iterable(
        check_batch(
            files[start : start + SERIAL_BATCH], keep_manifests=keep_manifests, target=target
        )
        for start in range(0, len(files), SERIAL_BATCH)
    )
