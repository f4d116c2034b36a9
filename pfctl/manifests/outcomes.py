"""Per-file outcomes into one load result: the same ``id`` twice across the input, and the sums.

Ids are compared across every file of one load, in input order, so the second occurrence of an id
is the invalid one wherever the files were checked (here, in worker processes or from the cache).
"""

from __future__ import annotations

from collections.abc import Iterator

from pfctl.manifests.model import DocumentSummary, FileOutcome, LoadResult, Problem
from pfctl.spec.paths import format_path

__all__ = ["add_outcome", "marked"]

_ID_PATH = format_path(("id",))


def add_outcome(result: LoadResult, outcome: FileOutcome) -> None:
    """Add one file's documents, problems and valid manifests to ``result``."""
    result.problems.extend(outcome.problems)
    if outcome.unread:
        result.unread.extend(outcome.problems)
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


def marked(outcomes: Iterator[FileOutcome]) -> Iterator[FileOutcome]:
    """``outcomes`` with every repeated id marked as a problem of its document."""
    seen_ids: dict[str, str] = {}
    for outcome in outcomes:
        _mark_duplicate_ids(outcome, seen_ids)
        yield outcome


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
                outcome.source, line, column, _ID_PATH, f"duplicate id `{job_id}`: first at {first}"
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
