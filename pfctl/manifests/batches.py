"""Spreading the files to check over worker processes: the plan by bytes, and running it.

Many files are cut into consecutive batches, each checked by a worker process that compiled
its validators once (inherited from the parent when forked). Results come back in order; when
the caller only reports them, a few batches per worker are in flight so that memory stays flat.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

__all__ = [
    "PARALLEL_MIN_BYTES",
    "PARALLEL_THRESHOLD",
    "file_sizes",
    "gc_paused",
    "plan_batches",
    "run_in_pool",
    "start_pool",
    "usable_cores",
]

Result = TypeVar("Result")

#: Below this many files and ``PARALLEL_MIN_BYTES``, worker processes cost more than they save.
PARALLEL_THRESHOLD = 200
PARALLEL_MIN_BYTES = 256 * 1024
#: The bounds of a batch of files sent to one worker at a time.
MIN_BATCH_BYTES = 16 * 1024
MAX_BATCH_BYTES = 256 * 1024
#: Batches waiting or running per worker while results are only reported, not kept.
BATCHES_AHEAD = 3


def usable_cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


def file_sizes(files: list[str]) -> list[int]:
    """The size of each file; 0 for one that cannot be read (checking it reports why)."""
    sizes = []
    for path in files:
        try:
            sizes.append(os.path.getsize(path))
        except OSError:
            sizes.append(0)
    return sizes


def plan_batches(files: list[str], sizes: list[int], *, workers: int) -> list[list[str]]:
    """The files split into consecutive batches for the worker pool; one batch means no pool.

    A pool pays off from ``PARALLEL_THRESHOLD`` files or ``PARALLEL_MIN_BYTES`` bytes on two or
    more cores. Batches are cut by bytes rather than by file count, so that 100 files of 100
    documents spread over the cores as well as 10,000 files of one document, and each batch is
    big enough that sending it and its results between processes costs little.
    """
    total = sum(sizes)
    if workers < 2 or (len(files) < PARALLEL_THRESHOLD and total < PARALLEL_MIN_BYTES):
        return [files] if files else []
    target = min(MAX_BATCH_BYTES, max(MIN_BATCH_BYTES, total // (workers * 4)))
    batches: list[list[str]] = []
    current: list[str] = []
    current_bytes = 0
    for path, size in zip(files, sizes, strict=True):
        current.append(path)
        current_bytes += size
        if current_bytes >= target:
            batches.append(current)
            current, current_bytes = [], 0
    if current:
        batches.append(current)
    return batches


def start_pool(workers: int, before_fork: Callable[[], None]) -> ProcessPoolExecutor:
    """``workers`` worker processes, started now.

    Started before the caller builds data the workers do not need (the list of 10,000 files
    found in a directory, say), the workers do not inherit it: a page the parent writes after
    forking is copied, and from then on counts once in each process.
    ``before_fork`` prepares what forked workers should inherit ready-made.
    """
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    # Forking is the cheapest start, but unsafe once other threads exist.
    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        method = "fork"
        before_fork()
    else:
        method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_started)
    pool.submit(int)  # forked workers are all started by the first submission
    return pool


def run_in_pool(
    batches: list[list[str]],
    check: Callable[[list[str]], list[Result]],
    *,
    all_ahead: bool,
    before_fork: Callable[[], None],
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[Result]:
    """``check`` of every batch in worker processes (``pool``'s, or new ones); results in order.

    With ``all_ahead`` every batch is submitted at once, so the workers run ahead of a caller
    that keeps every result anyway; otherwise a few per worker are in flight at a time.
    ``before_fork`` prepares what forked workers should inherit ready-made.
    """
    workers = min(usable_cores(), len(batches))
    if pool is None:
        pool = start_pool(workers, before_fork)
    ahead = len(batches) if all_ahead else workers * BATCHES_AHEAD
    try:
        results = _submit_ahead(pool, check, batches, ahead)
        next(results)  # submits the first batches now, not when the first result is asked for
    except BaseException:
        pool.shutdown(cancel_futures=True)
        raise
    return _until_done(pool, itertools.chain.from_iterable(results))


def _until_done(pool: ProcessPoolExecutor, results: Iterator[Result]) -> Iterator[Result]:
    with pool:
        yield from results


def _worker_started() -> None:
    # A forked worker shares the parent's memory until it writes to it, and a garbage
    # collection writes to every object it scans: frozen, the inherited objects are never
    # scanned by the worker's collections.
    gc.freeze()


def _submit_ahead(
    pool: ProcessPoolExecutor,
    check: Callable[[list[str]], list[Result]],
    batches: list[list[str]],
    ahead: int,
) -> Iterator[list[Result]]:
    """The results of ``check`` on each batch in order, with at most ``ahead`` submitted."""
    waiting = iter(batches)
    in_flight = collections.deque(
        pool.submit(check, batch) for batch in itertools.islice(waiting, ahead)
    )
    yield []  # the first batches are submitted: the caller may go on meanwhile
    while in_flight:
        done = in_flight.popleft().result()
        following = next(waiting, None)
        if following is not None:
            in_flight.append(pool.submit(check, following))
        yield done


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile.

    Checking allocates many short-lived containers and almost no reference cycles; left on,
    the collector runs every few hundred allocations and scans every live object each time
    it reaches the oldest generation, which made checking a third slower.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
