"""Check one input file: its bytes to a ``FileOutcome`` of checked documents and problems.

``check_batch`` of consecutive files is the unit of work of the worker processes; bad bytes,
syntax errors and invalid documents are problems in the outcome, never exceptions.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from pfctl.manifests.batches import gc_paused
from pfctl.manifests.cache import content_digest
from pfctl.manifests.inputs import MAX_FILE_BYTES, STDIN_NAME, NotRead, read_bytes, size_limit
from pfctl.manifests.model import DEFAULT_TARGET, DOCUMENT_PATH, FileOutcome, Manifest, Problem
from pfctl.manifests.record import plain_record_text

if TYPE_CHECKING:
    from pfctl.manifests.parse import ParsedDocument

__all__ = ["REQUEST_ID", "check_batch", "check_bytes", "check_file", "check_stdin"]

#: The ``id`` a job request without one is checked with: PaddleFlow's server makes the real one.
REQUEST_ID = "job-request-without-id"


def check_batch(
    paths: list[str], *, keep_manifests: bool = True, target: str = DEFAULT_TARGET
) -> list[FileOutcome]:
    """Read and check consecutive files (the unit of work of the process pool)."""
    with gc_paused():
        return [check_file(path, keep_manifests=keep_manifests, target=target) for path in paths]


def check_stdin(stdin_text: str | None, target: str) -> FileOutcome:
    """Check what was read from stdin (``inputs.read_stdin``): JSON when it looks like JSON."""
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
    """Read and check one file; its valid manifests carry their last-applied record text."""
    try:
        data = read_bytes(path)
    except NotRead as exc:
        return _file_problem(path, str(exc), unread=True)
    except OSError as exc:
        return _file_problem(path, f"cannot read file: {exc.strerror or exc}", unread=True)
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
    return dataclasses.replace(manifest, record=plain_record_text(manifest.type, manifest.body))


def _file_problem(
    source: str, message: str, line: int = 1, column: int = 1, *, unread: bool = False
) -> FileOutcome:
    problem = Problem(source, line, column, DOCUMENT_PATH, message)
    return FileOutcome(source, problems=[problem], unread=unread)


def check_bytes(
    source: str,
    data: bytes,
    *,
    as_json: bool,
    target: str = DEFAULT_TARGET,
    request_type: str | None = None,
) -> FileOutcome:
    """Check the bytes of one input named ``source`` for ``target``.

    ``request_type``: the input is a PaddleFlow job request of that type (``pfctl job create``'s
    file), checked by the same rules, except that ``type`` is supplied when the file leaves it
    unset and a missing or empty ``id`` is checked as ``REQUEST_ID``. Every location is still
    in the file.
    """
    if len(data) > MAX_FILE_BYTES:
        return _file_problem(source, f"input is too large: more than {size_limit()}", unread=True)
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
        outcome.problems.append(
            Problem(source, 1, 1, DOCUMENT_PATH, "no documents; skipped", "note")
        )
    for document in documents:
        if document.data is None and not document.problems:
            outcome.problems.append(
                Problem(
                    source,
                    document.line,
                    document.column,
                    DOCUMENT_PATH,
                    f"document {document.index + 1} is empty; skipped",
                    "note",
                )
            )
            continue
        checked = document if request_type is None else _as_request(document, request_type)
        outcome.documents.append(check_document(source, checked, target=target))
    return outcome


def _as_request(document: ParsedDocument, job_type: str) -> ParsedDocument:
    """``document`` with the ``type`` and ``id`` a job request may leave out; its locator (the
    file's nodes) is unchanged, so that every problem still points into the file."""
    data = document.data
    if not isinstance(data, dict):
        return document
    filled = dict(data)
    for key, value in (("type", job_type), ("id", REQUEST_ID)):
        if filled.get(key) in (None, ""):
            filled[key] = value
    return dataclasses.replace(document, data=filled)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1
