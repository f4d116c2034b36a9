"""Job request documents as PaddleFlow's CLI and SDK read them, turned into create bodies.

The body is built by ``pfctl.manifests.createbody.build_create_body`` (re-exported here), the
one builder `pfctl apply` and the SDK facade use too, so that one request gives one body.

:func:`create_body_from_file` is the whole of ``pfctl job create``'s offline part: read the file
and check it with the manifest loader, by the rules of ``pfctl validate`` (an unknown key is an
error there too; ``type`` comes from JOBTYPE, ``id`` may be left out), then build the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pfctl.errors import ExitCode, InputError, PfctlError, UsageError
from pfctl.manifests.createbody import CreateBody, build_create_body, is_unset
from pfctl.manifests.inputs import NotRead, read_bytes
from pfctl.manifests.model import DEFAULT_TARGET, Problem

__all__ = [
    "CreateBody",
    "InvalidJobFileError",
    "build_create_body",
    "check_job_file",
    "create_body_from_file",
    "is_unset",
    "read_job_document",
]


class InvalidJobFileError(PfctlError):
    """The job file was read but is not a valid request: the answer is "no" (exit 1), as for
    an invalid manifest; nothing was sent. ``problems`` are its located errors (and notes)."""

    exit_code = ExitCode.FAILURE

    def __init__(self, path: str, job_type: str, problems: list[Problem]) -> None:
        errors = sum(1 for problem in problems if problem.severity == "error")
        noun = "problem" if errors == 1 else "problems"
        super().__init__(
            f"{path} is not a valid {job_type} job request: {errors} {noun}; nothing was sent"
        )
        self.problems = problems

    @property
    def lines(self) -> list[str]:
        """Each error as ``file:line:col: error: $.path: message``, as ``pfctl validate``
        prints it."""
        from pfctl.manifests.report import problem_line

        return [problem_line(problem) for problem in self.problems if problem.severity == "error"]


def check_job_file(
    job_type: str, source: str, text: str, *, as_json: bool, target: str = DEFAULT_TARGET
) -> tuple[list[Problem], dict[str, Any] | None]:
    """The problems of a job file's ``text`` as a ``job_type`` request, found by the manifest
    loader (the same located problems as ``pfctl validate``), and the checked manifest body
    (None when invalid; its ``id`` is ``REQUEST_ID`` when the file gives none)."""
    from pfctl.manifests.filecheck import check_bytes

    outcome = check_bytes(
        source, text.encode("utf-8"), as_json=as_json, target=target, request_type=job_type
    )
    problems = [*outcome.problems]
    body: dict[str, Any] | None = None
    for document in outcome.documents:
        problems.extend(document.problems)
        if document.manifest is not None:
            body = dict(document.manifest.body)
    if any(problem.severity == "error" for problem in problems):
        body = None
    return problems, body


def create_body_from_file(
    job_type: str,
    path: str,
    *,
    stdin_text: str | None = None,
    on_note: Callable[[str], None] | None = None,
    target: str = DEFAULT_TARGET,
) -> dict[str, Any]:
    """The checked create body of the job file at ``path`` (``-`` reads ``stdin_text``), for
    creating a job of ``job_type`` (``single``, ``distributed`` or ``workflow``).

    The file is checked by the manifest loader, as ``pfctl validate`` checks a manifest of that
    ``type``, except that ``type`` and ``id`` may be left out. ``on_note`` receives each warning
    or note as a located line (``pfctl.manifests.report.problem_line``). Raises ``InputError``
    for a file that cannot be read or parsed, ``UsageError`` when it declares another ``type``,
    and ``InvalidJobFileError`` (every problem in ``problems``) when it is not a valid request.
    """
    from pfctl.manifests.report import problem_line

    name = "<stdin>" if path == "-" else path
    text = (stdin_text or "") if path == "-" else _read_text(Path(path))
    as_json = _looks_like_json(path, text)
    document = _parse(name, text, as_json=as_json)
    declared = document.get("type")
    if declared not in (None, "", job_type):
        raise UsageError(f"{path} declares type {declared!r} but JOBTYPE is {job_type!r}")
    problems, body = check_job_file(job_type, name, text, as_json=as_json, target=target)
    if on_note is not None:
        for problem in problems:
            if problem.severity != "error":
                on_note(problem_line(problem))
    if body is None:
        raise InvalidJobFileError(name, job_type, problems)
    if document.get("id") in (None, ""):
        body.pop("id", None)  # PaddleFlow's server makes one
    return build_create_body(body).body


def read_job_document(path: str, *, stdin_text: str | None = None) -> dict[str, Any]:
    """Read one job document from a JSON or YAML file (``-`` reads ``stdin_text``).

    Raises ``InputError`` naming the file for a missing, unreadable, oversized or malformed
    file, or one that does not hold exactly one mapping.
    """
    name = "<stdin>" if path == "-" else path
    text = (stdin_text or "") if path == "-" else _read_text(Path(path))
    return _parse(name, text, as_json=_looks_like_json(path, text))


def _looks_like_json(path: str, text: str) -> bool:
    return path.endswith(".json") or text.lstrip().startswith(("{", "["))


def _parse(name: str, text: str, *, as_json: bool) -> dict[str, Any]:
    try:
        document = _load_json(name, text) if as_json else _load_yaml(name, text)
    except RecursionError:
        raise InputError(f"{name}: nested too deeply") from None
    if not isinstance(document, dict):
        kind = "nothing" if document is None else type(document).__name__
        raise InputError(f"{name}: expected a job object (a mapping), found {kind}")
    return document


def _load_json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None


def _read_text(path: Path) -> str:
    try:
        data = read_bytes(str(path))
    except NotRead as exc:
        raise InputError(f"{path}: {exc}; only regular files are read") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a job file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if b"\0" in data:
        raise InputError(f"{path}: binary file, expected JSON or YAML text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _load_yaml(name: str, text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise InputError(f"{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: invalid YAML: {exc}") from None
    if len(documents) > 1:
        raise InputError(f"{name}: holds {len(documents)} documents; job create takes one job")
    return documents[0] if documents else None
