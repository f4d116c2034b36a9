"""The server preflight: every job a plan creates (or re-creates) checked against the server's
queues and flavours before anything is sent.

A PaddleFlow server refuses a create whose queue does not exist or is not ``open``, whose named
flavour is not registered, or whose request (the sum over members of flavour x replicas) is
larger than the queue's ``maxResources`` (PADDLEFLOW_API.md §7). Comparing manifests with live
jobs cannot see that; the preflight can. Such a job gets a plan error (``JobAction.error``) in
the server's own words, so that a dry run fails and apply sends nothing for it. Whether a job
fits its queue's free capacity now, or will wait for running jobs, is a note
(``JobAction.notes``): information, not a failure.

:func:`check_plan` is the pure part (the plan and a :class:`ServerCatalog` in, the checked plan
out); :func:`preflight` reads the catalog through a client: ``GET /queue`` once, ``GET /flavour``
once when some job names a registered flavour, and ``GET /queue/{name}`` only for a queue the
listing lacks (a non-root PaddleFlow user lists only the queues granted to them) or shows without
its capacity. A plan with no create or replace costs no request. What the user may not read
(HTTP 403) is skipped with a plan warning instead of failing the plan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from pfctl.apply.model import Action, JobAction, Plan, PlanWarning, as_mapping
from pfctl.spec import resources
from pfctl.spec.resources import Resources
from pfctl.spec.rules import CUSTOM_FLAVOURS, DEFAULT_QUEUE
from pfctl.spec.statuses import PREEMPTING, RUNNING, TERMINATING

if TYPE_CHECKING:
    from pfctl.client.errors import PaddleFlowError

__all__ = ["CatalogClient", "ServerCatalog", "check_plan", "preflight", "read_catalog"]

#: The only queue status that accepts jobs.
OPEN = "open"
#: A queue of this quota type whose maximum is all zero is not checked (PaddleFlow's rule).
_CAPABILITY_QUOTA = "volcanoCapabilityQuota"
#: Statuses in which the job a replace stops holds room in its queue until it has stopped.
_HOLDING_ROOM = frozenset({RUNNING, TERMINATING, PREEMPTING})
#: Queue keys the checks and the note need; a listed queue without them is read on its own.
_QUEUE_KEYS = ("status", "maxResources", "usedResources")


class CatalogClient(Protocol):
    """What the preflight reads through :class:`pfctl.client.api.PaddleFlowClient`."""

    def list_queues(self) -> list[dict[str, Any]]: ...

    def get_queue(self, name: str) -> dict[str, Any]: ...

    def list_flavours(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class ServerCatalog:
    """What the preflight knows of the server, as the server's JSON objects.

    ``queues`` holds every queue read, by name: a queue a job names that is neither there nor in
    ``unreadable_queues`` (the user may not read it) does not exist. ``flavours`` holds the
    registered flavours by name, or is ``None`` when they were not read; then named flavours
    are not checked.
    """

    queues: Mapping[str, Mapping[str, Any]]
    flavours: Mapping[str, Mapping[str, Any]] | None = None
    unreadable_queues: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Checked:
    """One job against the catalog: the plan error, or its queue and request for the note."""

    error: str | None = None
    queue: str = DEFAULT_QUEUE
    request: Resources | None = None


def checked_actions(plan: Plan) -> list[JobAction]:
    """The actions the preflight checks: those that send a create (create, replace)."""
    return [action for action in plan.actions if _sends_create(action)]


def _sends_create(action: JobAction) -> bool:
    return action.action in (Action.CREATE, Action.REPLACE) and action.create_body is not None


def queue_name(body: Mapping[str, Any]) -> str:
    """The queue a create body goes to (``default-queue`` when it names none)."""
    return str(as_mapping(body.get("schedulingPolicy")).get("queue") or DEFAULT_QUEUE)


def _members(job_type: str | None, body: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The members whose flavours the server resolves; ``None`` when it checks no resources
    (a workflow, or a job with an ``extensionTemplate`` and no members)."""
    if job_type == "workflow":
        return None
    if job_type == "single":
        return [{"flavour": body.get("flavour"), "replicas": 1}]
    members = [as_mapping(member) for member in body.get("members") or ()]
    if not members and body.get("extensionTemplate"):
        return None
    return members


def _template_only(body: Mapping[str, Any]) -> bool:
    """The server skips the queue-size check: an ``extensionTemplate`` and no ``members`` (a
    single job's own flavour is still resolved, so an unknown one is still an error)."""
    return bool(body.get("extensionTemplate")) and not body.get("members")


def named_flavours(actions: Iterable[JobAction]) -> set[str]:
    """The registered (not custom) flavour names the actions' create bodies use."""
    names = set()
    for action in actions:
        assert action.create_body is not None
        for member in _members(action.job_type, action.create_body) or ():
            name = str(as_mapping(member.get("flavour")).get("name") or "")
            if name not in CUSTOM_FLAVOURS:
                names.add(name)
    return names


def _amounts(value: Any) -> Resources | None:
    """A wire resources object as amounts; ``None`` when absent or unreadable."""
    if not isinstance(value, Mapping):
        return None
    try:
        return resources.amounts(value)
    except (ValueError, AttributeError):
        return None


def _text(amounts: Mapping[str, Decimal]) -> str:
    """``cpu: 4, mem: 8Gi`` (the server's resource words, without its trailing comma)."""
    shown = {name: max(amount, Decimal(0)) for name, amount in amounts.items()}
    return resources.describe(shown).removesuffix(", ") or "nothing"


def _quantity(name: str, amount: Decimal) -> str:
    """One amount as the server words it: ``40``, ``16Gi``."""
    return _text({name: amount}).partition(": ")[2]


def _request(queue: str, members: list[Mapping[str, Any]], catalog: ServerCatalog) -> _Checked:
    """The job's request with its flavours resolved as the server resolves them, or the error
    the server would give for a flavour; ``request=None`` when a flavour could not be read."""
    resolved_members = []
    known = True
    for member in members:
        flavour = as_mapping(member.get("flavour"))
        name = str(flavour.get("name") or "")
        if name in CUSTOM_FLAVOURS:
            resolved: Mapping[str, Any] = resources.custom_flavour(flavour)
        elif catalog.flavours is None:
            known = False
            continue
        elif name not in catalog.flavours:
            return _Checked(f"get flavour[{name}] failed, err:record not found", queue)
        else:
            resolved = catalog.flavours[name]
        amounts = _amounts(resolved)
        if amounts is None:
            known = False
        elif not amounts.get("cpu") or not amounts.get("mem"):
            return _Checked(f"flavour[{name}] cpu or memory is empty", queue)
        resolved_members.append({"replicas": member.get("replicas"), "flavour": resolved})
    if not known:
        return _Checked(queue=queue)
    return _Checked(queue=queue, request=resources.job_request(resolved_members))


def check_job(action: JobAction, catalog: ServerCatalog) -> _Checked:
    """One create body against the catalog, in the order the server checks it: the queue
    exists and is open, every named flavour is registered, the request fits the queue's
    maximum."""
    body = action.create_body
    assert body is not None
    name = queue_name(body)
    queue = catalog.queues.get(name)
    if queue is None and name not in catalog.unreadable_queues:
        return _Checked(
            error=f"queue[{name}] does not exist: "
            "get queue failed when creating job, err=record not found",
            queue=name,
        )
    status = str(queue.get("status") or "") if queue is not None else ""
    if status and status != OPEN:
        return _Checked(
            error=f"queue[{name}] status is {status}, "
            "and only queue with open status can submit jobs",
            queue=name,
        )
    members = _members(action.job_type, body)
    if members is None:
        return _Checked(queue=name)
    checked = _request(name, members, catalog)
    request = checked.request
    maximum = _amounts(queue.get("maxResources")) if queue is not None else None
    if request is None or maximum is None or queue is None or _template_only(body):
        return checked
    if queue.get("quotaType") == _CAPABILITY_QUOTA and not any(maximum.values()):
        return checked
    if not resources.fits(request, maximum):
        over = ", ".join(
            f"{key} {_quantity(key, amount)} > {_quantity(key, maximum.get(key, Decimal(0)))}"
            for key, amount in request.items()
            if amount > maximum.get(key, Decimal(0))
        )
        error = (
            f"the flavour[{resources.describe(request)}] is larger than queue's "
            f"[{resources.describe(maximum)}] (queue {name}: {over})"
        )
        return dataclasses.replace(checked, error=error)
    return checked


def check_plan(plan: Plan, catalog: ServerCatalog, warnings: Iterable[PlanWarning] = ()) -> Plan:
    """``plan`` with every create and replace checked against ``catalog``: a plan error for a
    job the server would refuse, a note on whether each other job fits its queue's free
    capacity now; ``warnings`` (about the preflight itself) are added to the plan's.

    Free capacity is the queue's ``maxResources`` minus its ``usedResources`` (what running
    jobs hold), taken by the plan's new jobs in plan order; a queue shown without
    ``usedResources`` gets no note.
    """
    rooms: dict[str, _Room | None] = {}
    actions = tuple(
        _checked_action(action, catalog, rooms) if _sends_create(action) else action
        for action in plan.actions
    )
    return dataclasses.replace(plan, actions=actions, warnings=(*plan.warnings, *warnings))


def _checked_action(
    action: JobAction, catalog: ServerCatalog, rooms: dict[str, _Room | None]
) -> JobAction:
    """One create or replace with its plan error, or its note on the queue's room."""
    checked = check_job(action, catalog)
    if checked.error is not None:
        return action if action.error else dataclasses.replace(action, error=checked.error)
    if checked.request is None or _holds_room(action):
        return action
    if checked.queue not in rooms:
        rooms[checked.queue] = _Room.of(catalog.queues.get(checked.queue))
    room = rooms[checked.queue]
    if room is None:
        return action
    note = room.take(checked.queue, checked.request)
    return dataclasses.replace(action, notes=(*action.notes, note))


def _holds_room(action: JobAction) -> bool:
    """A replace whose job holds room in its queue until it has stopped: what is free now
    says little about when the new one starts."""
    return action.action is Action.REPLACE and action.live_status in _HOLDING_ROOM


@dataclass
class _Room:
    """A queue's free capacity now, and what is left of it after the plan's jobs so far."""

    free: Resources
    left: Resources

    @classmethod
    def of(cls, queue: Mapping[str, Any] | None) -> _Room | None:
        """The room of a queue object; ``None`` when it does not say (no ``usedResources``)
        or sets no limit (a capability quota of all zeros)."""
        if queue is None:
            return None
        maximum = _amounts(queue.get("maxResources"))
        used = _amounts(queue.get("usedResources"))
        if maximum is None or used is None:
            return None
        if queue.get("quotaType") == _CAPABILITY_QUOTA and not any(maximum.values()):
            return None
        free = resources.remaining(maximum, used)
        return cls(free, free)

    def take(self, queue: str, request: Resources) -> str:
        """The note for a job requesting ``request``; its room is taken when it fits."""
        if resources.fits(request, self.left):
            note = (
                f"fits queue {queue}'s free capacity now: requests {_text(request)} of "
                f"{_text(self.left)} free"
            )
            self.left = resources.subtract(self.left, request)
            return note
        if resources.fits(request, self.free):
            return (
                f"will wait: the jobs before it in this plan take queue {queue}'s free "
                f"capacity ({_text(self.left)} left of {_text(self.free)}; requests "
                f"{_text(request)})"
            )
        return (
            f"will wait for running jobs: queue {queue} has {_text(self.free)} free now; "
            f"requests {_text(request)}"
        )


def _unavailable(error: PaddleFlowError) -> bool:
    """The user may not read this (HTTP 403, whatever code the server gave)."""
    from pfctl.client.errors import PermissionDeniedError

    return isinstance(error, PermissionDeniedError) or error.status == 403


def _absent(error: PaddleFlowError) -> bool:
    """The queue does not exist (404, or PaddleFlow's 400 ``QueueNameNotFound``)."""
    from pfctl.client.errors import NotFoundError

    return isinstance(error, NotFoundError) or error.code == "QueueNameNotFound"


def read_catalog(
    client: CatalogClient, queues: Collection[str], flavours: Collection[str]
) -> tuple[ServerCatalog | None, list[PlanWarning]]:
    """Read what checking jobs on ``queues`` naming ``flavours`` needs, in as few requests as
    the server allows; ``None`` when the queues cannot be read at all, with the warnings that
    say what was skipped and why. Other errors (the server failing) are raised."""
    from pfctl.client.errors import NotFoundError, PaddleFlowError

    warnings: list[PlanWarning] = []
    try:
        listed = client.list_queues()
    except PaddleFlowError as error:
        if not (_unavailable(error) or isinstance(error, NotFoundError)):
            raise
        message = f"server preflight skipped: the queues could not be read ({error})"
        return None, [PlanWarning("", message)]
    found = {str(queue.get("name")): queue for queue in listed if queue.get("name") in queues}
    unreadable = set()
    for name in sorted(queues):
        queue = found.get(name)
        if queue is not None and all(key in queue for key in _QUEUE_KEYS):
            continue
        try:
            found[name] = client.get_queue(name)
        except PaddleFlowError as error:
            if queue is not None:
                continue  # listed: check what the listing shows
            if _absent(error):
                continue
            if not _unavailable(error):
                raise
            unreadable.add(name)
            warnings.append(
                PlanWarning(
                    "",
                    f"server preflight: queue {name} could not be read ({error}); the jobs "
                    "on it were not checked against it",
                )
            )
    registered: dict[str, Mapping[str, Any]] | None = None
    if flavours:
        try:
            registered = {str(f.get("name")): f for f in client.list_flavours()}
        except PaddleFlowError as error:
            if not (_unavailable(error) or isinstance(error, NotFoundError)):
                raise
            warnings.append(
                PlanWarning(
                    "",
                    f"server preflight: the flavours could not be read ({error}); the "
                    "registered flavours jobs name, and the size of those jobs, were not checked",
                )
            )
    return ServerCatalog(found, registered, frozenset(unreadable)), warnings


def preflight(client: CatalogClient, plan: Plan) -> Plan:
    """``plan`` checked against the server's queues and flavours (see the module's doc); the
    plan as it is, with no request sent, when it creates nothing."""
    actions = checked_actions(plan)
    if not actions:
        return plan
    queues = {queue_name(action.create_body or {}) for action in actions}
    catalog, warnings = read_catalog(client, queues, named_flavours(actions))
    if catalog is None:
        return dataclasses.replace(plan, warnings=(*plan.warnings, *warnings))
    return check_plan(plan, catalog, warnings)
