"""Job creation: PaddleFlow's create rules (PADDLEFLOW_API.md §7) and the job as stored.

The rules that need no database come from ``pfctl.spec.rules`` (shared with ``pfctl validate``);
this module adds the ones that do: the queue exists and is open, a named flavour is registered
(and is replaced by its registered resources), and the job's total request fits the queue's
maximum. Every failure is ``JobCreateFailed`` 400 with PaddleFlow's bare error text.
"""

from __future__ import annotations

import uuid
from typing import Any

from pfctl.server.apierrors import ApiError
from pfctl.server.jobs.limit_flavour import limit_flavour
from pfctl.server.store.catalog import QueueRecord
from pfctl.server.store.jobrecords import NewJob
from pfctl.server.store.storage import Store
from pfctl.spec import resources
from pfctl.spec.rules import CUSTOM_FLAVOURS, DEFAULT_PRIORITY, DEFAULT_QUEUE, JOBSPEC_KEYS

_MEMBER_SPEC_KEYS = ("id", "name", *JOBSPEC_KEYS)


def _fail(message: str) -> ApiError:
    return ApiError("JobCreateFailed", message)


def new_job_id() -> str:
    """``job-`` and 16 hex characters, as PaddleFlow generates ids."""
    return f"job-{uuid.uuid4().hex[:16]}"


def build_new_job(store: Store, job_type: str, body: dict[str, Any], user_name: str) -> NewJob:
    """Check ``body`` (already decoded) against every create rule and build the job to store."""
    from pfctl.spec.rules import check_create_body

    violations = check_create_body(job_type, body)
    early = [v for v in violations if v.path[:1] in (("id",), ("name",))]
    if early:
        raise _fail(early[0].message)
    policy = body.get("schedulingPolicy") or {}
    queue_name = policy.get("queue") or DEFAULT_QUEUE
    queue = store.get_queue(queue_name)
    if queue is None:
        raise _fail("get queue failed when creating job, err=record not found")
    if queue.status != "open":
        raise _fail(
            f"queue[{queue_name}] status is {queue.status}, "
            "and only queue with open status can submit jobs"
        )
    if violations:
        raise _fail(violations[0].message)
    if job_type != "workflow":
        _check_kind_and_template(job_type, body)
    priority = (policy.get("priority") or DEFAULT_PRIORITY).upper()
    labels = dict(body.get("labels") or {})
    annotations = dict(body.get("annotations") or {})
    spec = _json_copy(body)
    spec.pop("UserName", None)
    spec["schedulingPolicy"] = {"queue": queue_name, "priority": priority}
    if job_type == "single":
        framework = "standalone"
        member_bodies = [{**body, "role": "worker", "replicas": 1}]
    elif job_type == "distributed":
        framework = str(body.get("framework", ""))
        member_bodies = list(body.get("members") or [])
    else:
        framework = ""
        member_bodies = []
    skip_resources = bool(body.get("extensionTemplate")) and not body.get("members")
    if job_type != "workflow":
        members = [
            _member(
                store,
                member,
                job_type=job_type,
                queue=queue_name,
                priority=priority,
                labels=labels,
                annotations=annotations,
            )
            for member in member_bodies
        ]
        if not skip_resources:
            _check_queue_capacity(queue, members)
        spec["members"] = members
        spec["framework"] = framework
    else:
        _check_workflow_template(body.get("extensionTemplate"))
    return NewJob(
        id=str(body.get("id") or new_job_id()),
        name=str(body.get("name", "")),
        type=job_type,
        framework=framework,
        user_name=user_name,
        queue=queue_name,
        priority=priority,
        labels=labels,
        annotations=annotations,
        spec=spec,
    )


def _member(
    store: Store,
    body: dict[str, Any],
    *,
    job_type: str,
    queue: str,
    priority: str,
    labels: dict[str, str],
    annotations: dict[str, str],
) -> dict[str, Any]:
    """One member as stored: its spec, the job's policy, labels and annotations (PaddleFlow
    overwrites the member's own), ``pworker`` read as ``worker``, the flavour resolved."""
    member: dict[str, Any] = {
        "role": "worker" if body.get("role") == "pworker" else body.get("role", ""),
        "replicas": body.get("replicas", 1 if job_type == "single" else 0),
    }
    for key in _MEMBER_SPEC_KEYS:
        if key in body and not (job_type == "single" and key in ("id", "name")):
            member[key] = _json_copy(body[key])
    member["flavour"] = resolve_flavour(store, body.get("flavour") or {})
    limit = limit_flavour(body.get("env"), member["flavour"], lambda f: resolve_flavour(store, f))
    if limit is not None:
        member["limitFlavour"] = limit
    member["schedulingPolicy"] = {"queue": queue, "priority": priority}
    member["labels"] = dict(labels)
    member["annotations"] = dict(annotations)
    return member


def resolve_flavour(store: Store, flavour: dict[str, Any]) -> dict[str, Any]:
    """A member's flavour with its resources: a registered flavour's own values, or a custom one
    (cpu 1 / mem 1Gi when either is missing, as PaddleFlow falls back)."""
    name = str(flavour.get("name", ""))
    if name in CUSTOM_FLAVOURS:
        resolved = resources.custom_flavour(flavour)
    else:
        registered = store.catalog.get_flavour(name)
        if registered is None:
            raise _fail(f"get flavour[{name}] failed, err:record not found")
        resolved = {"name": name, "cpu": registered.cpu, "mem": registered.mem}
        if registered.scalar_resources:
            resolved["scalarResources"] = dict(registered.scalar_resources)
    amounts = resources.amounts(resolved)
    if not amounts.get("cpu") or not amounts.get("mem"):
        raise _fail(f"flavour[{name}] cpu or memory is empty")
    return resolved


def _json_copy(value: Any) -> Any:
    """A deep copy of decoded JSON (dicts, lists and scalars): ``copy.deepcopy`` took about a
    tenth of a create's handler time."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value


def _check_queue_capacity(queue: QueueRecord, members: list[dict[str, Any]]) -> None:
    maximum = queue.max_amounts
    if queue.quota_type == "volcanoCapabilityQuota" and not any(maximum.values()):
        return
    request = resources.job_request(members)
    if not resources.fits(request, maximum):
        raise _fail(
            f"the flavour[{resources.describe(request)}] is larger than queue's "
            f"[{resources.describe(maximum)}]"
        )


def _check_workflow_template(template: Any) -> None:
    """Reject a workflow template outside the subset the local executor runs."""
    from pfctl.spec.argo_subset import validate_workflow

    problems = validate_workflow(template)
    if problems:
        raise _fail(str(problems[0]))


def _check_kind_and_template(job_type: str, body: dict[str, Any]) -> None:
    """The kind annotation PaddleFlow refuses at create, and a template the local executor
    cannot run (PaddleFlow fails a template of the wrong kind later, when it submits the job)."""
    from pfctl.spec.template_replicas import local_problems
    from pfctl.spec.templates import KindError, job_kind

    framework = str(body.get("framework") or "standalone")
    try:
        job_kind(job_type, framework, body.get("annotations"))
    except KindError as error:
        raise _fail(str(error)) from None
    problems = local_problems(
        job_type, framework, body.get("annotations"), body.get("extensionTemplate")
    )
    if problems:
        raise _fail(problems[0].message)
