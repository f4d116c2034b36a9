"""The values manifest loading produces: located problems, manifests, per-file outcomes and the
load result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pfctl.spec.paths import format_path

__all__ = [
    "DEFAULT_TARGET",
    "DOCUMENT_PATH",
    "TARGETS",
    "DocumentOutcome",
    "DocumentSummary",
    "FileOutcome",
    "LoadResult",
    "Manifest",
    "Problem",
]

#: What manifests are checked against: ``paddleflow`` (PaddleFlow's API server; what only the
#: local pfctl server refuses is a warning) or ``local`` (the local pfctl server; those are
#: errors).
TARGETS: tuple[str, ...] = ("paddleflow", "local")
DEFAULT_TARGET = "paddleflow"
#: The JSON path of a whole document (``$``): where problems of a file or document as a whole are.
DOCUMENT_PATH = format_path(())


@dataclass(frozen=True)
class Problem:
    """One error or note about an input, located by file, line, column and JSON path."""

    source: str
    """The file path as given, or ``"<stdin>"``."""
    line: int
    """1-based line of the offending node (or of its key)."""
    column: int
    """1-based column of the offending node (or of its key)."""
    json_path: str
    """``$.members[1].replicas`` style; ``$`` is the whole document."""
    message: str
    severity: str = "error"
    """``"error"``, ``"warning"`` (valid, but see the message) or ``"note"``."""

    def location(self) -> str:
        """``file:line:col``."""
        return f"{self.source}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Manifest:
    """One valid manifest: where it is, what it is, and the create body to send."""

    source: str
    document_index: int
    """0-based index of the document in its file."""
    line: int
    column: int
    type: str
    """``single``, ``distributed`` or ``workflow``."""
    id: str
    stopped: bool
    body: dict[str, Any]
    """The JobSpec fields with unset values removed (no ``type``/``stopped``; includes ``id``)."""
    record: str | None = field(default=None, compare=False)
    """The ``pfctl/last-applied`` text applying it writes, when computed by the loader
    (``pfctl.manifests.record.plain_record_text``); lets the planner prove a job unchanged
    cheaply."""


@dataclass(frozen=True)
class DocumentSummary:
    """One document of the input, valid or not, for reports that list every document."""

    source: str
    document_index: int
    line: int
    column: int
    type: str | None
    id: str | None
    valid: bool


@dataclass
class DocumentOutcome:
    """What checking one document found."""

    summary: DocumentSummary
    problems: list[Problem] = field(default_factory=list)
    manifest: Manifest | None = None
    id_location: tuple[int, int] = (1, 1)


@dataclass
class FileOutcome:
    """Everything found in one input file."""

    source: str
    documents: list[DocumentOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Problems of the file as a whole (unreadable bytes, syntax errors, empty documents)."""
    digest: str = ""
    """The manifest cache's key for the file's name and bytes ("" when it was not read)."""
    unread: bool = False
    """True when the input, or part of it, was not read: its problems say what and why."""


@dataclass
class LoadResult:
    """Everything loading found: the valid manifests and every problem, in input order."""

    manifests: list[Manifest] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    documents: list[DocumentSummary] = field(default_factory=list)
    """Every non-empty document (and every file that could not be parsed), in input order."""
    unread: list[Problem] = field(default_factory=list)
    """Why each input that was not read, or not fully, was not: a file that could not be
    read, a directory that could not be listed, an entry that is not a regular file."""

    @property
    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(problem.severity == "error" for problem in self.problems)

    @property
    def invalid_count(self) -> int:
        """How many documents are invalid."""
        return sum(1 for document in self.documents if not document.valid)
