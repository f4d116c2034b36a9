"""Plan files: `pfctl diff --out FILE` writes one, `pfctl apply FILE` carries it out exactly.

A plan file is versioned JSON (``schemas/plan.schema.json``, described in docs/apply.md). Beside
the plan's actions it records what the plan was computed from: the server and user, the inputs
and options, a digest of every manifest read, and the live state of every job the plan touches.
:mod:`pfctl.apply.saved_check` compares those with the present before anything is sent.

A checksum over the rest of the file catches an edited or damaged file. Reading refuses, as a
usage error (exit 2), anything that is not a complete plan of this format.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pfctl.apply.model import (
    LAST_APPLIED_ANNOTATION,
    Action,
    DesiredJob,
    FieldChange,
    JobAction,
    LiveJob,
    Plan,
    PlanOptions,
    PlanWarning,
    SourceLocation,
    UpdateRequest,
)
from pfctl.apply.selection import Selection, parse_selector
from pfctl.errors import ExitCode, PfctlError

PLAN_FILE_KIND = "pfctl-plan"
PLAN_FILE_FORMAT = 1


class PlanFileError(PfctlError):
    """The file is not a plan this pfctl can carry out; nothing was sent."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class PlanContext:
    """What a plan was computed from, besides the manifests and the live jobs."""

    server: str
    user: str
    inputs: tuple[str, ...]
    working_directory: str
    recursive: bool
    options: PlanOptions

    @classmethod
    def for_client(
        cls, client: Any, *, inputs: Sequence[str], recursive: bool, options: PlanOptions
    ) -> PlanContext:
        """The context of a plan made now, through ``client``, from ``inputs``."""
        if "-" in inputs:
            raise PlanFileError(
                "--out cannot save a plan read from stdin: applying it must read the same "
                "manifests again to check that they did not change"
            )
        return cls(
            server=server_identity(client.base_url),
            user=client.settings.user,
            inputs=tuple(inputs),
            working_directory=os.getcwd(),
            recursive=recursive,
            options=options,
        )


@dataclass(frozen=True)
class SavedPlan:
    """A plan file read back: the plan to carry out and what it was computed from."""

    path: str
    context: PlanContext
    plan: Plan
    desired: tuple[DesiredJob, ...]
    #: Every manifest read when planning: id -> (source, digest).
    manifests: Mapping[str, tuple[str, str]]
    #: The live state each changed job had: id -> ``observed_state`` (None: it did not exist).
    observed: Mapping[str, Mapping[str, Any] | None]


def server_identity(url: str) -> str:
    """The server URL as plans compare it (no trailing slash)."""
    return url.rstrip("/")


def digest(value: Any) -> str:
    """``sha256:`` and the hex digest of the canonical JSON of ``value``."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_digest(job: DesiredJob) -> str:
    """The digest of a manifest's content: its type, body and ``stopped`` flag."""
    return digest({"type": job.type, "body": job.body, "stopped": job.stopped})


def observed_state(live: LiveJob) -> dict[str, Any]:
    """What a plan records of a live job it touches, and checks again before carrying it out."""
    return {
        "status": live.status,
        "priority": live.priority,
        "labels": dict(live.labels),
        "annotations": {
            key: value for key, value in live.annotations.items() if key != LAST_APPLIED_ANNOTATION
        },
        "lastApplied": digest(live.record) if live.record is not None else None,
    }


# --- writing ---------------------------------------------------------------------------------


def write_saved_plan(
    path: str, plan: Plan, desired: Sequence[DesiredJob], context: PlanContext
) -> None:
    """Write the plan file atomically, readable by its owner only (it holds create bodies)."""
    changed = {action.id for action in plan.actions if action.is_change}
    options = context.options
    content: dict[str, Any] = {
        "kind": PLAN_FILE_KIND,
        "formatVersion": PLAN_FILE_FORMAT,
        "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pfctlVersion": _version(),
        "target": {"server": context.server, "user": context.user},
        "inputs": {
            "paths": list(context.inputs),
            "workingDirectory": context.working_directory,
            "recursive": context.recursive,
        },
        "options": {
            "applySet": options.apply_set,
            "prune": options.prune,
            "adopt": options.adopt,
            "forceReplace": options.force_replace,
            "allowEmpty": options.allow_empty,
            "selection": options.selection.describe(),
        },
        "manifests": [
            {
                "id": job.id,
                "type": job.type,
                "source": str(job.location) if job.location else "",
                "digest": manifest_digest(job),
            }
            for job in desired
        ],
        "desired": [_desired_document(job) for job in desired if job.id in changed],
        "plan": {
            "actions": [_action_document(action) for action in plan.actions],
            "warnings": [{"id": w.job_id, "message": w.message} for w in plan.warnings],
            "leftOut": plan.left_out,
        },
    }
    content["checksum"] = digest(content)
    text = json.dumps(content, indent=1, ensure_ascii=False) + "\n"
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".plan-", dir=directory)
    except OSError as error:
        raise PlanFileError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:  # mkstemp: mode 0600
            stream.write(text)
        os.replace(temporary, path)
    except OSError as error:
        os.unlink(temporary)
        raise PlanFileError(f"cannot write {path}: {error.strerror or error}") from None


def _version() -> str:
    from pfctl import __version__

    return __version__


def _location_document(location: SourceLocation | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"source": location.source, "line": location.line, "column": location.column}


def _desired_document(job: DesiredJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "type": job.type,
        "body": dict(job.body),
        "stopped": job.stopped,
        "source": _location_document(job.location),
    }


def _action_document(action: JobAction) -> dict[str, Any]:
    update = action.update
    observed = None
    if action.is_change and action.live is not None:
        observed = observed_state(action.live)
    return {
        "id": action.id,
        "action": action.action.value,
        "type": action.job_type,
        "changes": [
            {
                "segments": list(change.path),
                "before": change.before,
                "after": change.after,
                "forcesReplacement": change.forces_replacement,
            }
            for change in action.changes
        ],
        "reasons": list(action.reasons),
        "refused": action.refusal,
        "error": action.error,
        "notes": list(action.notes),
        "createBody": dict(action.create_body) if action.create_body is not None else None,
        "update": None
        if update is None
        else {
            "priority": update.priority,
            "labels": dict(update.labels),
            "annotations": dict(update.annotations),
        },
        "status": action.live_status,
        "source": _location_document(action.location),
        "observed": observed,
    }


# --- reading ---------------------------------------------------------------------------------


def read_saved_plan(path: str) -> SavedPlan:
    """The plan file at ``path``; :class:`PlanFileError` for anything that is not a complete,
    unedited plan of this format."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as error:
        message = f"{path}: cannot read the plan file: {error.strerror or error}"
        raise PlanFileError(message) from None
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PlanFileError(
            f"{path}: not a plan file: not complete JSON (truncated, or another kind of file)"
        ) from None
    if not isinstance(content, dict) or content.get("kind") != PLAN_FILE_KIND:
        raise PlanFileError(f'{path}: not a plan file (no "kind": "{PLAN_FILE_KIND}")')
    _check_format(path, content.get("formatVersion"))
    checksum = content.pop("checksum", None)
    if checksum != digest(content):
        raise PlanFileError(
            f"{path}: the plan file was edited or damaged after it was written (its checksum "
            "does not match); make the plan again with `pfctl diff --out`"
        )
    content["checksum"] = checksum
    _check_schema(path, content)
    return _saved_plan(path, content)


def _check_format(path: str, version: Any) -> None:
    if version == PLAN_FILE_FORMAT:
        return
    if type(version) is not int:
        age = "an unknown format"
    elif version < PLAN_FILE_FORMAT:
        age = "an older format, from an earlier pfctl"
    else:
        age = "a newer format, from a later pfctl"
    raise PlanFileError(
        f"{path}: plan format {version!r} is {age}; this pfctl reads format "
        f"{PLAN_FILE_FORMAT}: make the plan again with `pfctl diff --out`"
    )


def _check_schema(path: str, content: Mapping[str, Any]) -> None:
    from pfctl.spec.schemas import validator_for

    error = next(iter(validator_for("plan").iter_errors(content)), None)
    if error is not None:
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        raise PlanFileError(f"{path}: not a valid plan file: {where}: {error.message}")


def _saved_plan(path: str, content: Mapping[str, Any]) -> SavedPlan:
    options_doc = content["options"]
    selection_doc = options_doc["selection"]
    selector = selection_doc["selector"]
    options = PlanOptions(
        apply_set=options_doc["applySet"],
        prune=options_doc["prune"],
        adopt=options_doc["adopt"],
        force_replace=options_doc["forceReplace"],
        allow_empty=options_doc["allowEmpty"],
        selection=Selection(
            parse_selector(selector) if selector else (),
            frozenset(selection_doc["targets"]),
            frozenset(selection_doc["excludes"]),
        ),
    )
    inputs = content["inputs"]
    context = PlanContext(
        server=content["target"]["server"],
        user=content["target"]["user"],
        inputs=tuple(inputs["paths"]),
        working_directory=inputs["workingDirectory"],
        recursive=inputs["recursive"],
        options=options,
    )
    plan_doc = content["plan"]
    actions = tuple(_action(document) for document in plan_doc["actions"])
    plan = Plan(
        actions=actions,
        warnings=tuple(PlanWarning(w["id"], w["message"]) for w in plan_doc["warnings"]),
        left_out=plan_doc["leftOut"],
    )
    desired = tuple(
        DesiredJob(
            id=job["id"],
            type=job["type"],
            body=job["body"],
            stopped=job["stopped"],
            location=_location(job["source"]),
        )
        for job in content["desired"]
    )
    return SavedPlan(
        path=path,
        context=context,
        plan=plan,
        desired=desired,
        manifests={m["id"]: (m["source"], m["digest"]) for m in content["manifests"]},
        observed={a["id"]: a["observed"] for a in plan_doc["actions"] if a["action"] != "noop"},
    )


def _location(document: Mapping[str, Any] | None) -> SourceLocation | None:
    if document is None:
        return None
    return SourceLocation(document["source"], document["line"], document["column"])


def _action(document: Mapping[str, Any]) -> JobAction:
    update = document["update"]
    return JobAction(
        id=document["id"],
        action=Action(document["action"]),
        job_type=document["type"],
        changes=tuple(
            FieldChange(
                tuple(change["segments"]),
                change["before"],
                change["after"],
                change["forcesReplacement"],
            )
            for change in document["changes"]
        ),
        reasons=tuple(document["reasons"]),
        refusal=document["refused"],
        create_body=document["createBody"],
        update=None
        if update is None
        else UpdateRequest(update["priority"], update["labels"], update["annotations"]),
        live_status=document["status"],
        location=_location(document["source"]),
        error=document["error"],
        notes=tuple(document["notes"]),
    )
