"""A cache of checked manifest files, so that applying unchanged files again skips the checking.

What checking a file finds depends only on its name as given, its bytes, the check's target and
pfctl's own code and schemas. An entry is therefore keyed by a digest of the name and the bytes,
and a cache file is only used when its fingerprint of pfctl's code and schemas (sizes and
modification times of every file of the package and of the schema directory) is unchanged.
Every file is still read on every run: a changed byte is always a miss.

One cache file serves one command line (the working directory, the target and the list of
files); it holds exactly that list's entries, is written atomically and is plain JSON, so a
damaged or foreign file is only ever a miss. The newest ``KEEP_FILES`` cache files are kept.
Only loads that keep every manifest (apply, diff) use it; ``pfctl validate`` streams instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pfctl
from pfctl.cache_dir import default_cache_dir, manifest_cache_disabled
from pfctl.manifests.model import (
    DocumentOutcome,
    DocumentSummary,
    FileOutcome,
    Manifest,
    Problem,
)

FORMAT = 2
#: Cache files kept (one per command line); the least recently written go first.
KEEP_FILES = 64
#: Larger file lists are not cached: the cache file would cost more than it saves.
MAX_ENTRIES = 50_000


def content_digest(source: str, data: bytes) -> str:
    """The key of one file's outcome: its name as given and its bytes."""
    hasher = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16)
    hasher.update(b"\0")
    hasher.update(data)
    return hasher.hexdigest()


#: The libraries whose behaviour shows in a check's outcome (parsing, schema messages).
_CHECKING_LIBRARIES = ("yaml", "jsonschema", "referencing")


def _code_fingerprint() -> str:
    """Changes whenever the code or schemas behind a check change: pfctl's files (an upgrade,
    an edit), the Python version, or an upgrade of the libraries that parse and validate."""
    from importlib.util import find_spec

    hasher = hashlib.blake2b(f"{pfctl.__version__}\0{sys.version}".encode(), digest_size=16)

    def add(path: str) -> None:
        stat = os.stat(path)
        hasher.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())

    package = Path(pfctl.__file__).parent
    # Installed, the schemas are package data (pfctl/schemas); in a checkout, beside the package
    # (what pfctl.spec.schemas.schema_dir falls back to).
    for root in (package, package.parent / "schemas"):
        for directory, dirs, names in os.walk(root):
            dirs[:] = sorted(name for name in dirs if name != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".json")):
                    add(os.path.join(directory, name))
    for library in _CHECKING_LIBRARIES:
        spec = find_spec(library)  # finds the package without importing it
        if spec is not None and spec.origin:
            add(spec.origin)
    return hasher.hexdigest()


class ManifestCache:
    """The cache file of one command line, and the outcomes read from it."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.entries: dict[str, Any] = {}

    @classmethod
    def open(cls, files: list[str], target: str) -> ManifestCache | None:
        """The cache for checking ``files`` with ``target``; None when caching is off."""
        if manifest_cache_disabled() or not files or len(files) > MAX_ENTRIES:
            return None
        key = hashlib.blake2b(digest_size=16)
        key.update(f"{FORMAT}\0{os.getcwd()}\0{target}".encode("utf-8", "surrogatepass"))
        for name in files:
            key.update(b"\0" + name.encode("utf-8", "surrogatepass"))
        directory = default_cache_dir() / "manifests"
        cache = cls(directory / f"{key.hexdigest()}.json", _code_fingerprint())
        cache._read()
        return cache

    def _read(self) -> None:
        try:
            with open(self.path, "rb") as stream:
                stored = json.loads(stream.read())
        except (OSError, ValueError):
            return
        if (
            isinstance(stored, dict)
            and stored.get("format") == FORMAT
            and stored.get("fingerprint") == self.fingerprint
            and isinstance(stored.get("entries"), dict)
        ):
            self.entries = stored["entries"]

    def get(self, digest: str) -> FileOutcome | None:
        """The stored outcome of the file with this digest, if any (None also if damaged)."""
        encoded = self.entries.get(digest)
        if encoded is None:
            return None
        try:
            return _decode_file(encoded)
        except (TypeError, ValueError, IndexError, KeyError):
            return None

    def save(self, outcomes: Iterable[FileOutcome]) -> None:
        """Replace the cache file with these outcomes (best effort: errors are ignored).

        An outcome read from this cache is stored as it was read, not encoded again."""
        entries: dict[str, Any] = {}
        for outcome in outcomes:
            if outcome.digest:
                stored = self.entries.get(outcome.digest)
                entries[outcome.digest] = stored if stored is not None else _encode_file(outcome)
        self._write(entries)

    def _write(self, entries: dict[str, Any]) -> None:
        if entries == self.entries:
            return
        document = {"format": FORMAT, "fingerprint": self.fingerprint, "entries": entries}
        import tempfile  # only when writing

        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(json.dumps(document, separators=(",", ":")))
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
            self.entries = entries
            _prune(self.path.parent)
        except OSError:
            pass

    def recording(self, outcomes: Iterator[FileOutcome], count: int) -> Iterator[FileOutcome]:
        """Pass ``outcomes`` through, saving them all as the last (the ``count``-th) is taken."""
        # Encoded as they pass: the caller may add problems (duplicate ids) to what it was given.
        entries: dict[str, Any] = {}
        for taken, outcome in enumerate(outcomes, 1):
            if outcome.digest:
                entries[outcome.digest] = _encode_file(outcome)
            if taken == count:
                self._write(entries)
            yield outcome


def _prune(directory: Path) -> None:
    try:
        files = [entry for entry in os.scandir(directory) if entry.name.endswith(".json")]
        if len(files) <= KEEP_FILES:
            return
        files.sort(key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
        for entry in files[KEEP_FILES:]:
            os.unlink(entry.path)
    except OSError:
        pass


# Outcomes as compact JSON arrays, field by field (the dataclasses' order).


def _encode_problem(problem: Problem) -> list[Any]:
    return [
        problem.source,
        problem.line,
        problem.column,
        problem.json_path,
        problem.message,
        problem.severity,
    ]


def _decode_problem(item: list[Any]) -> Problem:
    source, line, column, json_path, message, severity = item
    return Problem(source, line, column, json_path, message, severity)


def _encode_file(outcome: FileOutcome) -> list[Any]:
    documents = []
    for document in outcome.documents:
        summary, manifest = document.summary, document.manifest
        documents.append(
            [
                [
                    summary.document_index,
                    summary.line,
                    summary.column,
                    summary.type,
                    summary.id,
                    summary.valid,
                ],
                [_encode_problem(problem) for problem in document.problems],
                None
                if manifest is None
                else [manifest.type, manifest.id, manifest.stopped, manifest.body, manifest.record],
                list(document.id_location),
            ]
        )
    return [outcome.source, [_encode_problem(p) for p in outcome.problems], documents]


def _decode_file(item: list[Any]) -> FileOutcome:
    source, problems, encoded_documents = item
    documents = []
    for summary_item, document_problems, manifest_item, id_location in encoded_documents:
        index, line, column, kind, job_id, valid = summary_item
        summary = DocumentSummary(source, index, line, column, kind, job_id, bool(valid))
        manifest = None
        if manifest_item is not None:
            manifest_type, manifest_id, stopped, body, record = manifest_item
            if not isinstance(body, dict) or not isinstance(record, (str, type(None))):
                raise TypeError("a manifest body must be an object, its record text or null")
            manifest = Manifest(
                source, index, line, column, manifest_type, manifest_id, bool(stopped), body, record
            )
        line_of_id, column_of_id = id_location
        documents.append(
            DocumentOutcome(
                summary,
                [_decode_problem(problem) for problem in document_problems],
                manifest,
                (line_of_id, column_of_id),
            )
        )
    return FileOutcome(source, documents, [_decode_problem(problem) for problem in problems])
