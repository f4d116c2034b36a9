"""The values a plan is made of: desired and live jobs in, one action per job out.

The planner (:mod:`pfctl.apply.planner`) builds these, the renderers (:mod:`pfctl.apply.render`)
show them and the applier (:mod:`pfctl.apply.applier`) executes them. They carry no behaviour
beyond small queries, so a plan can be built in a test from plain data and compared field by field.
A live job is read from the server's JSON once, into a :class:`LiveJob`, where it enters pfctl.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pfctl.apply.selection import Selection
from pfctl.spec.rules import DEFAULT_PRIORITY
from pfctl.spec.statuses import TERMINATING

#: Label pfctl writes on every job it creates or updates.
MANAGED_BY_LABEL = "pfctl/managed-by"
MANAGED_BY_VALUE = "pfctl"
#: Label naming the apply-set a job belongs to (only written when an apply-set is given).
APPLY_SET_LABEL = "pfctl/apply-set"
#: Annotation holding the compact JSON of the manifest last applied to the job.
LAST_APPLIED_ANNOTATION = "pfctl/last-applied"

OWN_LABELS = frozenset({MANAGED_BY_LABEL, APPLY_SET_LABEL})
OWN_ANNOTATIONS = frozenset({LAST_APPLIED_ANNOTATION})

#: The status of a job that is being stopped and needs no further stop request.
STOPPING_STATUS = TERMINATING


class Action(str, Enum):
    """What the applier does to one job."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    STOP = "stop"
    NOOP = "noop"


@dataclass(frozen=True)
class SourceLocation:
    """Where a manifest was read from, for messages."""

    source: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.source}:{self.line}:{self.column}"
        return self.source


@dataclass(frozen=True)
class DesiredJob:
    """One manifest: the job as it should be.

    ``body`` is the create request body (camelCase JobSpec keys, unset values removed,
    including ``id``); ``stopped`` is the manifest's ``stopped`` flag.

    ``record`` is optional and trusted: the ``pfctl/last-applied`` text of this manifest, as
    ``pfctl.manifests.plain_record_text(type, body)`` makes it, for a body of plain JSON values
    only. A loader may compute it where it builds the body, so that planning an unchanged job
    only compares texts; when it is ``None`` the planner computes it.
    """

    id: str
    type: str
    body: Mapping[str, Any]
    stopped: bool = False
    location: SourceLocation | None = None
    record: str | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class LiveJob:
    """A job as the server reports it (PADDLEFLOW_API.md §5.2), read once into what planning needs.

    Made by :meth:`from_wire` where jobs come from the client (a listing, or a job read again);
    the planner reads these attributes, never the server's JSON. ``wire`` is that JSON, kept for
    the few echoed fields compared when adopting a job pfctl did not create.
    """

    id: str
    status: str
    """The job's status; ``""`` when the server gave none."""
    labels: Mapping[str, str]
    """Labels as strings (a null value is ``""``, which counts as absent)."""
    annotations: Mapping[str, str]
    priority: str
    """``schedulingPolicy.priority`` in upper case; ``DEFAULT_PRIORITY`` when unset."""
    record: str | None
    """The ``pfctl/last-applied`` text; ``None`` when absent or empty (not pfctl's job)."""
    wire: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, job: Mapping[str, Any]) -> LiveJob:
        """The live job of a job object as the server returns it."""
        annotations = string_map(job.get("annotations"))
        priority = as_mapping(job.get("schedulingPolicy")).get("priority")
        return cls(
            id=str(job.get("id")),
            status=str(job.get("status") or ""),
            labels=string_map(job.get("labels")),
            annotations=annotations,
            priority=str(priority).upper() if priority else DEFAULT_PRIORITY,
            record=annotations.get(LAST_APPLIED_ANNOTATION) or None,
            wire=job,
        )

    def last_applied(self) -> dict[str, Any] | None:
        """The decoded last-applied record; ``None`` when the job has none that decodes to an
        object (then pfctl did not create it)."""
        if self.record is None:
            return None
        try:
            record = json.loads(self.record)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None


def as_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    # ``type(...) is dict`` first: the ABC check costs more, and plans check many objects.
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def string_map(value: Any) -> dict[str, str]:
    """A labels/annotations object as ``str -> str`` (``None`` values become ``""``)."""
    if value is None or (type(value) is not dict and not isinstance(value, Mapping)):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


@dataclass(frozen=True)
class PlanOptions:
    """The choices that change a plan (the matching ``pfctl apply`` flags)."""

    apply_set: str | None = None
    prune: bool = False
    adopt: bool = False
    force_replace: bool = False
    #: Prune even when the input holds no manifest (every job of the set is then stopped).
    allow_empty: bool = False
    #: The jobs the plan covers (``-l``, ``--target``, ``--exclude``); prune stays inside it.
    selection: Selection = field(default_factory=Selection)


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: ``before`` and ``after`` are ``None`` when the field is absent.

    ``path`` is a sequence of keys and list indexes from the job body's root, for example
    ``("members", 0, "image")`` or ``("labels", "team")``.
    """

    path: tuple[str | int, ...]
    before: Any
    after: Any
    forces_replacement: bool = False


@dataclass(frozen=True)
class UpdateRequest:
    """The body of one ``update_job`` call; an empty value in labels/annotations deletes the key."""

    priority: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when the request would change nothing."""
        return self.priority is None and not self.labels and not self.annotations


@dataclass(frozen=True)
class PlanWarning:
    """Something a reviewer should know that is not a failure (e.g. an unchangeable priority)."""

    job_id: str
    message: str


@dataclass(frozen=True)
class JobAction:
    """The plan for one job.

    ``changes`` are the differences a reviewer sees (pfctl's own labels and annotation never
    appear there); ``create_body`` (create, replace) and ``update`` (update, stop) are what the
    applier sends. ``refusal`` says why the applier will not execute a change without a flag
    (``--force-replace``, ``--adopt``). ``error`` is a plan error: the change can never succeed
    as planned (the server preflight found that the job cannot run: a missing or closed queue,
    an unknown flavour, a request larger than the queue), so the applier sends nothing for it.
    ``notes`` are information for the reviewer (whether the job fits its queue's free capacity
    now).
    """

    id: str
    action: Action
    job_type: str | None = None
    changes: tuple[FieldChange, ...] = ()
    reasons: tuple[str, ...] = ()
    refusal: str | None = None
    create_body: Mapping[str, Any] | None = None
    update: UpdateRequest | None = None
    live_status: str | None = None
    location: SourceLocation | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    live: LiveJob | None = field(default=None, repr=False, compare=False)
    """The live job this action was planned against (``None``: the server had none)."""

    @property
    def is_change(self) -> bool:
        """True for every action but ``noop``."""
        return self.action is not Action.NOOP


def noop_action(
    job_id: str, job_type: str | None, location: SourceLocation | None, live: LiveJob | None
) -> JobAction:
    """``JobAction(id=job_id, action=Action.NOOP, job_type=job_type, location=location,
    live_status=live.status, live=live)``, built several times faster.

    A plan of thousands of unchanged jobs makes one of these per job, and a frozen dataclass's
    ``__init__`` sets every field through ``object.__setattr__``; this sets them all at once.
    """
    action = object.__new__(JobAction)
    object.__setattr__(
        action,
        "__dict__",
        {
            "id": job_id,
            "action": Action.NOOP,
            "job_type": job_type,
            "changes": (),
            "reasons": (),
            "refusal": None,
            "create_body": None,
            "update": None,
            "live_status": live.status if live is not None else None,
            "location": location,
            "error": None,
            "notes": (),
            "live": live,
        },
    )
    return action


SUMMARY_KEYS = ("create", "update", "replace", "stop", "noop", "refused", "errors")


@dataclass(frozen=True)
class Plan:
    """One action per job, in manifest order then pruned jobs, plus warnings.

    ``left_out`` counts the manifests a selection (``-l``, ``--target``, ``--exclude``) left
    out of the plan. A warning whose ``job_id`` is empty is about the whole plan (a preflight
    that could not run).
    """

    actions: tuple[JobAction, ...]
    warnings: tuple[PlanWarning, ...] = ()
    left_out: int = 0

    @property
    def has_changes(self) -> bool:
        """True when applying would send anything (refused changes count as changes)."""
        return any(action.is_change for action in self.actions)

    @property
    def refused(self) -> tuple[JobAction, ...]:
        """The changes the applier will refuse with the options the plan was made with."""
        return tuple(action for action in self.actions if action.refusal is not None)

    @property
    def errors(self) -> tuple[JobAction, ...]:
        """The changes that cannot succeed (plan errors, :attr:`JobAction.error`)."""
        return tuple(action for action in self.actions if action.error is not None)

    @property
    def can_be_carried_out(self) -> bool:
        """True when no change would be refused and none is a plan error."""
        return not any(a.refusal is not None or a.error is not None for a in self.actions)

    def counts(self) -> dict[str, int]:
        """Number of jobs per action (``refused`` and ``errors`` also count within their
        action)."""
        counts = dict.fromkeys(SUMMARY_KEYS, 0)
        for action in self.actions:
            counts[action.action.value] += 1
            if action.refusal is not None:
                counts["refused"] += 1
            if action.error is not None:
                counts["errors"] += 1
        return counts
