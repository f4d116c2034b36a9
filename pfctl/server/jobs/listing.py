"""The ``GET /job`` page, encoded once, from cached elements.

A no-op ``pfctl apply`` lists up to 1,000 jobs that have not changed since the last list. Building
each job's view and encoding it costs far more than reading its row, so ``JobElementCache`` keeps
each listed job's ``jobList`` element as JSON bytes, next to the exact row it was built from. An
element is reused only while the job's row is equal to that row: any write to any column the view
shows (labels, priority, status, times, ...), by any writer, makes it stale, so invalidation needs
no hooks. When only the status columns changed (the runtime moving a job along), just the status
part of the element is encoded again. Deleted jobs are never read again; their elements age out of
the cache's byte budget (least recently listed first).

An element's bytes are those of ``json_bytes(job_view(job, with_runtime=False))``: the encoding of
a JSON value does not depend on where it is nested, so the definition and status parts of a job,
and then the elements of a page, can be encoded apart and joined.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from pfctl.server.gojson import EncodedJson, json_bytes
from pfctl.server.jobs.view import definition_view, status_view
from pfctl.server.paging import MarkerCodec
from pfctl.server.store.jobrecords import JOB_DEFINITION_WIDTH, JobListRow, job_from_list_row

#: Enough for several pages of 1,000 jobs (an element and its row are a few KB each).
DEFAULT_CACHE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Element:
    row: JobListRow
    encoded: bytes
    status_start: int  # where the status part begins in ``encoded`` (after the definition's ",")
    size: int


def _with_status(definition_part: bytes, row: JobListRow) -> _Element:
    """``definition_part`` is the element's ``{...,`` up to the status keys."""
    status, message, accepted_at, updated_at, activated_at, finished_at = row[JOB_DEFINITION_WIDTH:]
    status_part = json_bytes(
        status_view(
            status,
            message,
            accepted_at=accepted_at,
            updated_at=updated_at,
            activated_at=activated_at,
            finished_at=finished_at,
        )
    )
    encoded = definition_part + status_part[1:]
    size = len(encoded) + sum(len(value) for value in row if isinstance(value, str))
    return _Element(row, encoded, len(definition_part), size)


def _build(row: JobListRow, stale: _Element | None) -> tuple[_Element, bool]:
    """The element of ``row``, and whether only its status part had to be encoded."""
    if stale is not None and stale.row[:JOB_DEFINITION_WIDTH] == row[:JOB_DEFINITION_WIDTH]:
        return _with_status(stale.encoded[: stale.status_start], row), True
    definition = json_bytes(definition_view(job_from_list_row(row)))
    return _with_status(definition[:-1] + b",", row), False


class JobElementCache:
    """Encoded ``jobList`` elements by job pk, each valid for one exact row (thread-safe).

    ``max_bytes`` bounds the cached elements plus the rows they were built from; the least
    recently listed are dropped first. Counters: ``hits`` (element reused), ``status_misses``
    (only the status part encoded again), ``misses`` (built from the row).
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.status_misses = 0
        self.misses = 0
        self._entries: OrderedDict[int, _Element] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        """What the cached entries hold now (elements and rows, roughly)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def elements(self, rows: Sequence[JobListRow]) -> list[bytes]:
        """The encoded element of each row, in order: cached when the row is unchanged."""
        found: list[bytes | None] = []
        stale: dict[int, _Element] = {}
        with self._lock:
            entries = self._entries
            for index, row in enumerate(rows):
                entry = entries.get(row[0])
                if entry is not None and entry.row == row:
                    entries.move_to_end(row[0])
                    found.append(entry.encoded)
                    continue
                if entry is not None:
                    stale[index] = entry
                found.append(None)
        built = {
            index: _build(rows[index], stale.get(index))
            for index, encoded in enumerate(found)
            if encoded is None
        }
        with self._lock:
            for element, _ in built.values():
                self._store(element)
            status_only = sum(1 for _, only_status in built.values() if only_status)
            self.hits += len(rows) - len(built)
            self.status_misses += status_only
            self.misses += len(built) - status_only
        return [
            encoded if encoded is not None else built[index][0].encoded
            for index, encoded in enumerate(found)
        ]

    def _store(self, element: _Element) -> None:
        pk = element.row[0]
        old = self._entries.pop(pk, None)
        if old is not None:
            self._bytes -= old.size
        if element.size > self.max_bytes:
            return
        self._entries[pk] = element
        self._bytes += element.size
        while self._bytes > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= dropped.size


def encode_job_page(
    rows: Sequence[JobListRow], limit: int, markers: MarkerCodec, cache: JobElementCache
) -> EncodedJson:
    """The ``GET /job`` response for ``rows`` read with ``limit + 1``: the bytes of
    ``markers.envelope(jobs, limit, "jobList", view)`` with each job's cached element."""
    page, head = markers.page_head(rows, limit, lambda row: int(row[0]))
    pieces = [json_bytes(head)[:-1] + b',"jobList":[']
    for index, element in enumerate(cache.elements(page)):
        if index:
            pieces.append(b",")
        pieces.append(element)
    pieces.append(b"]}")
    return EncodedJson(b"".join(pieces))  # one copy of a page that can be megabytes
