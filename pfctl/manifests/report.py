"""Reporters for ``pfctl validate``: a load result as text, JSON, JUnit XML or GitHub annotations.

Each reporter returns the lines for stdout and the lines for stderr (notes); the CLI prints them.
``ReportStream`` renders files as they are checked instead, so that text and GitHub reports of
many files hold only the errors still to print, not every document.
"""

from __future__ import annotations

import bisect
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from pfctl.manifests.model import DOCUMENT_PATH, DocumentSummary, FileOutcome, LoadResult, Problem
from pfctl.manifests.outcomes import add_outcome
from pfctl.spec.paths import escape_text

__all__ = ["FORMATS", "Report", "ReportStream", "problem_line", "render"]


@dataclass
class Report:
    """What to print: results for stdout, notes and diagnostics for stderr."""

    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def summary_line(result: LoadResult) -> str:
    """``N manifests, N valid, N invalid``."""
    return _summary(len(result.documents), result.invalid_count)


def _summary(total: int, invalid: int) -> str:
    noun = "manifest" if total == 1 else "manifests"
    return f"{total} {noun}, {total - invalid} valid, {invalid} invalid"


def _errors(result: LoadResult) -> list[Problem]:
    return [problem for problem in result.problems if problem.severity == "error"]


def _notes(result: LoadResult) -> list[Problem]:
    return [problem for problem in result.problems if problem.severity != "error"]


def problem_line(problem: Problem) -> str:
    """One problem on one line, the same in every command (validate, diff, apply, delete, job
    create): ``file:line:col: severity: $.path: message``, gcc's and ruff's shape."""
    return escape_text(
        f"{problem.location()}: {problem.severity}: {problem.json_path or DOCUMENT_PATH}: "
        f"{problem.message}"
    )


def _ok_line(document: DocumentSummary) -> str:
    return escape_text(
        f"{document.source}:{document.line}:{document.column}: ok ({_label(document)})"
    )


def _label(document: DocumentSummary) -> str:
    if document.type and document.id:
        return f"{document.type} job `{document.id}`"
    return f"document {document.document_index + 1}"


def render_text(result: LoadResult, *, quiet: bool = False) -> Report:
    """Each valid manifest as ``file:line:col: ok (...)`` unless quiet, every error, a summary."""
    report = Report()
    if not quiet:
        report.stdout.extend(_ok_line(document) for document in result.documents if document.valid)
    report.stdout.extend(problem_line(problem) for problem in _errors(result))
    report.stderr.extend(problem_line(problem) for problem in _notes(result))
    report.stdout.append(summary_line(result))
    return report


def _problem_json(problem: Problem) -> dict[str, object]:
    return {
        "file": problem.source,
        "line": problem.line,
        "column": problem.column,
        "path": problem.json_path,
        "message": problem.message,
        "severity": problem.severity,
    }


def render_json(result: LoadResult, *, quiet: bool = False) -> Report:
    """One JSON object: summary, every document with its validity, every problem."""
    total = len(result.documents)
    payload = {
        "summary": {
            "manifests": total,
            "valid": total - result.invalid_count,
            "invalid": result.invalid_count,
        },
        "documents": [
            {
                "file": document.source,
                "document": document.document_index,
                "line": document.line,
                "column": document.column,
                "type": document.type,
                "id": document.id,
                "valid": document.valid,
            }
            for document in result.documents
        ],
        "problems": [_problem_json(problem) for problem in result.problems],
    }
    return Report(stdout=[json.dumps(payload, indent=2, ensure_ascii=False)])


def render_junit(result: LoadResult, *, quiet: bool = False) -> Report:
    """JUnit XML: one test case per document, failed by its errors."""
    from xml.sax.saxutils import quoteattr  # imports urllib and email: only for this report

    errors_by_document: dict[tuple[str, int], list[Problem]] = {}
    documents = result.documents
    starts: dict[str, list[tuple[int, int, int]]] = {}
    for document in documents:
        starts.setdefault(document.source, []).append(
            (document.line, document.column, document.document_index)
        )
    for problem in _errors(result):
        owner = _owner(starts.get(problem.source, []), problem)
        errors_by_document.setdefault(owner, []).append(problem)
    cases = []
    for document in documents:
        name = quoteattr(escape_text(f"{document.source}:{document.line} {_label(document)}"))
        failures = errors_by_document.get((document.source, document.document_index), [])
        if not failures and not document.valid:
            failures = [
                Problem(
                    document.source,
                    document.line,
                    document.column,
                    DOCUMENT_PATH,
                    "invalid manifest",
                )
            ]
        if failures:
            text = "\n".join(problem_line(problem) for problem in failures)
            body = (
                f"<failure message={quoteattr(escape_text(failures[0].message))} "
                f'type="invalid">{_escape(text)}</failure>'
            )
            classname = quoteattr(escape_text(document.source))
            cases.append(f"    <testcase classname={classname} name={name}>{body}</testcase>")
        else:
            classname = quoteattr(escape_text(document.source))
            cases.append(f"    <testcase classname={classname} name={name}/>")
    failed = sum(1 for document in documents if not document.valid)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites tests="{len(documents)}" failures="{failed}">',
        f'  <testsuite name="pfctl validate" tests="{len(documents)}" failures="{failed}">',
        *cases,
        "  </testsuite>",
        "</testsuites>",
    ]
    return Report(stdout=lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _owner(starts: list[tuple[int, int, int]], problem: Problem) -> tuple[str, int]:
    """The document a problem belongs to: the last of its file starting at or before it."""
    position = bisect.bisect_right(starts, (problem.line, problem.column, sys.maxsize))
    index = starts[position - 1][2] if position else 0
    return problem.source, index


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = escape_text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(result: LoadResult, *, quiet: bool = False) -> Report:
    """GitHub Actions workflow commands: ``::error file=...,line=...,col=...::message``."""
    report = Report()
    for problem in result.problems:
        command = {"error": "error", "warning": "warning"}.get(problem.severity, "notice")
        report.stdout.append(
            f"::{command} file={_github_escape(problem.source, property_value=True)},"
            f"line={problem.line},col={problem.column}::"
            f"{_github_escape(problem.json_path + ': ' + problem.message)}"
        )
    report.stdout.append(summary_line(result))
    return report


FORMATS: dict[str, Callable[..., Report]] = {
    "text": render_text,
    "json": render_json,
    "junit": render_junit,
    "github": render_github,
}


def render(result: LoadResult, output: str, *, quiet: bool = False) -> Report:
    """The report of ``result`` in format ``output`` (one of ``FORMATS``)."""
    return FORMATS[output](result, quiet=quiet)


class ReportStream:
    """A report in format ``output`` rendered file by file through ``out`` and ``err``.

    The lines and their order on each stream are those of ``render`` on the whole result. Text
    and GitHub reports go out as files are added (text keeps its errors until the end, after
    the ``ok`` lines, unless quiet); JSON and JUnit need every document first, so they collect.
    """

    def __init__(
        self,
        output: str,
        *,
        quiet: bool = False,
        out: Callable[[str], None],
        err: Callable[[str], None],
    ) -> None:
        if output not in FORMATS:
            raise KeyError(f"unknown report format {output!r}")
        self.output, self.quiet, self.out, self.err = output, quiet, out, err
        self.collected = LoadResult()  # json, junit: everything; text: errors held back
        self.total = self.invalid = 0
        self.errors = False

    def add(self, outcome: FileOutcome) -> None:
        """Render what one file's check found."""
        if self.output in ("json", "junit"):
            add_outcome(self.collected, outcome)
            return
        part = LoadResult()
        add_outcome(part, outcome)
        self.total += len(part.documents)
        self.invalid += part.invalid_count
        self.errors = self.errors or not part.ok
        if self.output == "github":
            for line in render_github(part).stdout[:-1]:  # all but its summary line
                self.out(line)
            return
        for line in (problem_line(problem) for problem in _notes(part)):
            self.err(line)
        if self.quiet:
            for problem in _errors(part):
                self.out(problem_line(problem))
            return
        for document in part.documents:
            if document.valid:
                self.out(_ok_line(document))
        self.collected.problems.extend(_errors(part))

    def finish(self) -> bool:
        """Render the rest (the whole report for JSON and JUnit); True when nothing is an error."""
        if self.output in ("json", "junit"):
            report = render(self.collected, self.output, quiet=self.quiet)
            for line in report.stderr:
                self.err(line)
            for line in report.stdout:
                self.out(line)
            return self.collected.ok
        for problem in self.collected.problems:
            self.out(problem_line(problem))
        self.out(_summary(self.total, self.invalid))
        return not self.errors
