"""Check one parsed document: the manifest schema, then PaddleFlow's create rules.

Both kinds of finding become ``Problem`` values located at the offending node. A document is
first checked with the fast predicate; jsonschema runs only to explain a failure.

A workflow job is also checked against the Argo subset the local pfctl server runs
(``pfctl.spec.argo_subset``): PaddleFlow accepts any Argo Workflow object, so for the
``paddleflow`` target what only the local server refuses is a warning; for the ``local`` target
it is an error with the server's own text.
"""

from __future__ import annotations

import difflib
import functools
from typing import TYPE_CHECKING, Any

from pfctl.manifests.fastcheck import Predicate, UnsupportedSchema, compile_schema
from pfctl.manifests.framework_checks import check_frameworks
from pfctl.manifests.ignored import ignored_key_warnings
from pfctl.manifests.model import (
    DOCUMENT_PATH,
    TARGETS,
    DocumentOutcome,
    DocumentSummary,
    Manifest,
    Problem,
)
from pfctl.manifests.parse import ParsedDocument
from pfctl.spec import argo_subset, rules, schemas
from pfctl.spec.paths import Path, format_path

if TYPE_CHECKING:
    import jsonschema

__all__ = ["check_document", "strip_unset", "warm_up"]

_ENVELOPE_KEYS = ("type", "stopped")
# Free-form maps: their values are data, so an empty value inside them is kept as written.
_OPAQUE_KEYS = frozenset({"env", "labels", "annotations", "scalarResources", "extensionTemplate"})
# The names PaddleFlow's docs and example job files give `fs` and `extraFS`; PaddleFlow reads
# neither. Empty, as in those files, they are dropped like any unset value; set, an error.
_LEGACY_KEYS = {"fileSystem": "fs", "extraFileSystems": "extraFS"}


def strip_unset(value: Any) -> Any:
    """``value`` without the entries that mean "unset" (null, "", {}, []), as the SDK drops them.

    Entries are removed from mappings recursively; list elements are kept (their position has
    meaning), and the contents of free-form maps (env, labels, annotations, scalarResources,
    extensionTemplate) are kept as written.
    """
    return _strip(value, (), [])


def _strip(value: Any, path: Path, removed: list[Path]) -> Any:
    """A stripped copy of ``value``: YAML aliases may share nodes, the result shares nothing."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            kept = item
            if isinstance(item, (dict, list)):
                opaque = key in _OPAQUE_KEYS
                kept = _copy(item) if opaque else _strip(item, (*path, key), removed)
            if kept is None or kept in ("", {}, []):
                removed.append((*path, key))
            else:
                result[key] = kept
        return result
    if isinstance(value, list):
        return [
            _strip(item, (*path, index), removed) if isinstance(item, dict) else _copy(item)
            for index, item in enumerate(value)
        ]
    return value


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


# The schema describing the object found under each structural key of a manifest.
_OBJECT_SCHEMAS = {
    "schedulingPolicy": "scheduling-policy",
    "flavour": "flavour",
    "limitFlavour": "flavour",
    "fs": "file-system",
    "extraFS": "file-system",
    "members": "member-spec",
}


@functools.cache
def _known_keys(kind: str, context: str) -> tuple[str, ...]:
    """The keys allowed in the object under ``context`` ("" for the top level of ``kind``)."""
    if not context:
        for branch in schemas.load_schema("manifest")["allOf"]:
            if branch["if"]["properties"]["type"]["const"] == kind:
                return tuple(branch["then"]["properties"])
        return ()
    return tuple(schemas.load_schema(_OBJECT_SCHEMAS[context])["properties"])


def _context_of(parent: Path) -> str | None:
    """The structural key whose object ``parent`` is ("" for the top), or None if unknown."""
    names = [part for part in parent if isinstance(part, str)]
    if not names:
        return ""
    return names[-1] if names[-1] in _OBJECT_SCHEMAS else None


@functools.cache
def _fast_check(name: str) -> Predicate:
    by_id = {schema["$id"]: schema for schema in map(schemas.load_schema, schemas.SCHEMA_NAMES)}
    try:
        return compile_schema(by_id, schemas.load_schema(name)["$id"])
    except UnsupportedSchema:
        return schemas.validator_for(name).is_valid


def warm_up() -> None:
    """Compile the fast schema check now, e.g. once before forking workers that all need it."""
    _fast_check("manifest")


def check_document(
    source: str, document: ParsedDocument, *, target: str = "paddleflow"
) -> DocumentOutcome:
    """Schema and semantic problems of one non-empty document, and its manifest when valid.

    ``target`` (one of ``TARGETS``) is the server the manifest is meant for: with ``local``,
    a workflow the local pfctl server cannot run is invalid; with ``paddleflow`` it is valid
    with a warning per unsupported field.
    """
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; expected one of {', '.join(TARGETS)}")
    data = document.data
    if not isinstance(data, dict):
        summary = DocumentSummary(
            source, document.index, document.line, document.column, None, None, valid=False
        )
        outcome = DocumentOutcome(summary, list(document.problems))
        if data is not None:
            outcome.problems.append(
                Problem(
                    source,
                    document.line,
                    document.column,
                    DOCUMENT_PATH,
                    f"a manifest must be a mapping of job fields, got {_json_type(data)}",
                )
            )
        return outcome
    kind = data.get("type")
    job_id = data.get("id")
    reporter = _Reporter(source, document)
    removed: list[Path] = []
    # Without unset values or shared nodes, the document is its own stripped copy.
    stripped = data if document.unset_free else _strip(data, (), removed)
    if not _fast_check("manifest")(stripped):
        for error in schemas.validator_for("manifest").iter_errors(stripped):
            reporter.schema_error(error, stripped)
    body = {key: value for key, value in stripped.items() if key not in _ENVELOPE_KEYS}
    if kind in rules.JOB_TYPES:
        for path in removed:  # an unknown key is an error even when its value is empty
            context = _context_of(path[:-1])
            if context is not None:
                known = _known_keys(str(kind), context)
                if path[-1] not in known and not _legacy_spec_key(path, context):
                    reporter.unknown_key(path[:-1], str(path[-1]), list(known), stripped)
        for violation in rules.check_create_body(str(kind), body):
            reporter.rule_violation(violation)
        for path, message in ignored_key_warnings(str(kind), body):
            reporter.add(path, message, key=True, severity="warning")
    template = body.get("extensionTemplate")
    if kind == "workflow" and isinstance(template, dict):
        for finding in argo_subset.check_workflow(template):
            reporter.outside_local_subset(finding, target)
    for path, message, at_key, severity in check_frameworks(str(kind), body, target):
        reporter.add(path, message, key=at_key, severity=severity)
    problems = [*document.problems, *reporter.problems]
    if problems:
        problems.sort(key=lambda problem: (problem.line, problem.column))
    valid = not any(problem.severity == "error" for problem in problems)
    # A valid document has a string type and id (the schema requires them).
    summary = DocumentSummary(
        source,
        document.index,
        document.line,
        document.column,
        kind if isinstance(kind, str) else None,
        job_id if isinstance(job_id, str) else None,
        valid,
    )
    outcome = DocumentOutcome(summary, problems, id_location=document.locator.locate(("id",)))
    if valid:
        outcome.manifest = Manifest(
            source,
            document.index,
            document.line,
            document.column,
            str(kind),
            str(job_id),
            bool(stripped.get("stopped", False)),
            body,
        )
    return outcome


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"


def _article(type_name: str) -> str:
    return {
        "object": "a mapping",
        "array": "a list",
        "integer": "an integer",
        "string": "a string",
        "boolean": "a boolean (true or false)",
        "number": "a number",
    }.get(type_name, type_name)


def _legacy_spec_key(path: Path, context: str) -> bool:
    """True for an old name of `fs` or `extraFS`, at the top level or in a member."""
    return context in ("", "members") and path[-1] in _LEGACY_KEYS


def _suggest(key: str, known: list[str]) -> str | None:
    if key in _LEGACY_KEYS and _LEGACY_KEYS[key] in known:
        return _LEGACY_KEYS[key]
    for candidate in known:
        if candidate.lower() == key.lower():
            return candidate
    matches = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return matches[0] if matches else None


class _Reporter:
    """Turns schema errors and rule violations into located problems, without repeats."""

    def __init__(self, source: str, document: ParsedDocument) -> None:
        self.source = source
        self.document = document
        self.problems: list[Problem] = []
        self.schema_paths: list[Path] = []

    def add(
        self,
        path: Path,
        message: str,
        *,
        at: Path | None = None,
        key: bool = False,
        severity: str = "error",
    ) -> None:
        line, column = self.document.locator.locate(path if at is None else at, at_key=key)
        problem = Problem(self.source, line, column, format_path(path), message, severity)
        if problem not in self.problems:  # two schema branches may say the same thing
            self.problems.append(problem)

    def schema_error(self, error: jsonschema.ValidationError, instance: Any) -> None:
        path: Path = tuple(error.absolute_path)
        keyword = error.validator
        expected: Any = error.validator_value
        schema: Any = error.schema
        value: Any = error.instance
        if keyword == "required":
            for key in expected:
                if isinstance(value, dict) and key not in value:
                    self.missing_key(path, key)
        elif keyword == "additionalProperties":
            known = list(schema.get("properties", {}))
            for key in value:
                if key not in known:
                    self.unknown_key(path, key, known, instance)
        elif keyword == "type":
            self.schema_paths.append(path)
            self.add(path, self.type_message(path, expected, value))
        elif keyword in ("enum", "const"):
            self.schema_paths.append(path)
            allowed = expected if keyword == "enum" else [expected]
            self.add(path, self.enum_message(value, allowed))
        elif keyword == "minItems":
            self.schema_paths.append(path)
            self.add(path, f"must have at least {expected} item(s)")
        else:
            self.schema_paths.append(path)
            self.add(path, error.message)

    def missing_key(self, path: Path, key: str) -> None:
        key_path = (*path, key)
        self.schema_paths.append(key_path)
        _, _, depth = self.document.locator.node_at(key_path)
        if depth == len(key_path):  # written, but with an empty value
            self.add(key_path, f"`{key}` is required and must not be empty", key=True)
        else:
            self.add(key_path, f"missing required key `{key}`", at=path)

    def unknown_key(self, path: Path, key: str, known: list[str], instance: Any) -> None:
        key_path = (*path, key)
        self.schema_paths.append(key_path)
        message = f"unknown key `{key}`"
        suggestion = _suggest(key, known)
        if suggestion is not None:
            message += f"; did you mean `{suggestion}`?"
        elif known and len(known) <= 8:
            message += "; known keys: " + ", ".join(f"`{name}`" for name in known)
        self.add(key_path, message, key=True)

    def type_message(self, path: Path, expected: Any, value: Any) -> str:
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_article(name) for name in names)
        shown = _json_type(value)
        if not isinstance(value, (dict, list)) and value is not None:
            shown += f" `{self.document.locator.scalar_text(path) or value}`"
        message = f"expected {wanted}, got {shown}"
        if "string" in names and isinstance(value, (bool, int, float)):
            text = self.document.locator.scalar_text(path) or str(value)
            if len(path) >= 2 and path[-2] == "env":
                return f'env values must be strings; quote it: `{path[-1]}: "{text}"`'
            message += f'; quote it: "{text}"'
        return message

    def enum_message(self, value: Any, allowed: list[Any]) -> str:
        choices = ", ".join(f"`{choice}`" for choice in allowed)
        message = f"`{value}` is not one of {choices}"
        if isinstance(value, str):
            suggestion = _suggest(value, [str(choice) for choice in allowed])
            if suggestion is not None:
                message += f"; did you mean `{suggestion}`?"
        return message

    def rule_violation(self, violation: rules.RuleViolation) -> None:
        path = violation.path
        for reported in self.schema_paths:
            shorter = min(len(reported), len(path))
            if reported[:shorter] == path[:shorter]:
                return  # the schema already explained this part of the document
        self.add(path, violation.message, key=violation.at_key)

    def outside_local_subset(self, finding: argo_subset.SubsetProblem, target: str) -> None:
        """A part of the workflow that the local pfctl server's executor cannot run."""
        path: Path = ("extensionTemplate", *finding.path)
        if target == "local":
            self.add(path, finding.message, key=finding.at_key)
            return
        self.add(
            path,
            f"{finding.message}: the local pfctl server refuses this workflow "
            "(PaddleFlow on Kubernetes accepts it; `--target local` makes this an error)",
            key=finding.at_key,
            severity="warning",
        )
