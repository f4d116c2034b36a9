"""The queue routes of PaddleFlow's ``router/v1/queue.go``: create, list, show, update, delete.

A non-root user lists and shows only the queues granted to them (``pfctl.server.routes.grants``),
as PaddleFlow's ``QueueStore.ListQueue`` and ``GetQueueByName`` (``ActionNotAllowed`` 403, checked
before the queue's existence). Differences from a PaddleFlow cluster: a new queue is ``open`` at
once (there is no cluster to sync with).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.routing import Route

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import API_PREFIX, Call, endpoint
from pfctl.server.paging import max_keys
from pfctl.server.store.catalog import DEFAULT_CLUSTER, NameTaken, QueueRecord
from pfctl.server.store.grants import RESOURCE_QUEUE
from pfctl.server.store.timefmt import format_time
from pfctl.spec import resources

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
QUOTA_TYPES = ("elasticQuota", "volcanoCapabilityQuota")


def resources_view(stored: Mapping[str, Any]) -> dict[str, Any]:
    """``{"cpu", "memory", "scalarResources"?}`` as PaddleFlow shows queue resources (the
    strings the client sent, as sent)."""
    view: dict[str, Any] = {
        "cpu": str(stored.get("cpu") or "0"),
        "memory": str(stored.get("mem") or stored.get("memory") or "0"),
    }
    if stored.get("scalarResources"):
        view["scalarResources"] = dict(stored["scalarResources"])
    return view


def _idle(queue: QueueRecord) -> dict[str, Any]:
    """Max minus used, memory in bytes (``usedResources`` uses binary units)."""
    idle = {
        name: resources.amount_text(amount)
        for name, amount in resources.remaining(queue.max_amounts, queue.used_amounts).items()
    }
    view: dict[str, Any] = {"cpu": idle.pop("cpu", "0"), "memory": idle.pop("mem", "0")}
    if idle:
        view["scalarResources"] = idle
    return view


def queue_view(queue: QueueRecord) -> dict[str, Any]:
    """The queue object (keys in PaddleFlow's order)."""
    view: dict[str, Any] = {
        "id": queue.id,
        "createTime": format_time(queue.created_at),
        "updateTime": format_time(queue.updated_at),
        "name": queue.name,
        "namespace": queue.namespace,
        "clusterName": queue.cluster_name,
        "quotaType": queue.quota_type,
        "minResources": resources_view(queue.min_resources),
        "maxResources": resources_view(queue.max_resources),
        "location": queue.location,
    }
    if queue.scheduling_policy:
        view["schedulingPolicy"] = queue.scheduling_policy
    used = resources.to_wire(queue.used_amounts)
    view |= {"status": queue.status, "usedResources": used, "idleResources": _idle(queue)}
    return view


def _resources_arg(body: Mapping[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    value = body.get(key)
    if value is None:
        if required:
            raise ApiError("CPUNotFound" if key == "maxResources" else "MalformedJSON")
        return {}
    if not isinstance(value, Mapping):
        raise ApiError("MalformedJSON")
    given: dict[str, Any] = {
        "cpu": str(value.get("cpu", "")),
        "mem": str(value.get("mem", value.get("memory", ""))),
    }
    scalars = value.get("scalarResources")
    if isinstance(scalars, Mapping) and scalars:
        given["scalarResources"] = {str(k): str(v) for k, v in scalars.items()}
    if required and not given["cpu"]:
        raise ApiError("CPUNotFound")
    if required and not given["mem"]:
        raise ApiError("MemoryNotFound")
    try:
        amounts = resources.amounts(given)
    except ValueError as exc:
        raise ApiError("InvalidArguments", f"{key} is invalid: {exc}") from exc
    if any(amount < 0 for amount in amounts.values()):
        raise ApiError("InvalidArguments", f"negative resources not permitted: {value}")
    return given


def _queue_or_404(call: Call, name: str) -> QueueRecord:
    queue = call.state.store.get_queue(name)
    if queue is None:
        raise ApiError("QueueNameNotFound", f"queue[{name}] not found")
    return queue


def create_queue(call: Call) -> dict[str, Any]:
    """Create a queue (root only); ``{"name": NAME}``."""
    body = call.json_object()
    call.require_root()
    name = body.get("name")
    if not isinstance(name, str) or not _DNS1123_LABEL.fullmatch(name) or len(name) > 63:
        raise ApiError("InvalidNamePattern", f"queue name[{name}] is invalid")
    if name == "default":
        raise ApiError("InvalidNamePattern", "queue name[default] is reserved")
    quota_type = body.get("quotaType") or "elasticQuota"
    if quota_type not in QUOTA_TYPES:
        raise ApiError("QueueQuotaTypeIsNotSupported")
    maximum = _resources_arg(body, "maxResources", required=True)
    minimum = _resources_arg(body, "minResources", required=False) or dict(maximum)
    location = body.get("location") or {}
    policy = body.get("schedulingPolicy") or []
    if not isinstance(location, Mapping) or not isinstance(policy, list):
        raise ApiError("MalformedJSON")
    try:
        call.state.store.catalog.create_queue(
            name=name,
            namespace=str(body.get("namespace") or "default"),
            cluster_name=str(body.get("clusterName") or DEFAULT_CLUSTER),
            quota_type=quota_type,
            max_resources=maximum,
            min_resources=minimum,
            location=dict(location),
            scheduling_policy=[str(item) for item in policy],
            status="open",
        )
    except NameTaken as exc:
        raise ApiError("QueueNameDuplicated") from exc
    return {"name": name}


def list_queues(call: Call) -> dict[str, Any]:
    """A page of queues in creation order (``name`` filters by a part of the name); a non-root
    user sees only the queues granted to them."""
    limit = max_keys(call.query)
    queues = call.state.store.catalog.list_queues(
        after_pk=call.state.markers.position(call.query),
        limit=limit + 1,
        name_like=call.query.get("name") or None,
        granted_to=None if call.is_root else call.user_name,
    )
    return call.state.markers.envelope(queues, limit, "queueList", queue_view)


def show_queue(call: Call) -> dict[str, Any]:
    """One queue, with used and idle resources (a non-root user: only a queue granted to them)."""
    name = call.path_params["queueName"]
    if not call.state.store.grants.has_access(call.user_name, RESOURCE_QUEUE, name):
        raise ApiError("ActionNotAllowed")
    return queue_view(_queue_or_404(call, name))


def update_queue(call: Call) -> dict[str, Any]:
    """Change a queue's resources, location or scheduling policy (root only)."""
    body = call.json_object()
    call.require_root()
    name = call.path_params["queueName"]
    _queue_or_404(call, name)
    changes: dict[str, Any] = {}
    if body.get("maxResources") is not None:
        changes["max_resources"] = _resources_arg(body, "maxResources", required=True)
    if body.get("minResources") is not None:
        changes["min_resources"] = _resources_arg(body, "minResources", required=False)
    if body.get("location") is not None:
        if not isinstance(body["location"], Mapping):
            raise ApiError("MalformedJSON")
        changes["location"] = dict(body["location"])
    if body.get("schedulingPolicy") is not None:
        if not isinstance(body["schedulingPolicy"], list):
            raise ApiError("MalformedJSON")
        changes["scheduling_policy"] = [str(item) for item in body["schedulingPolicy"]]
    queue = call.state.store.catalog.update_queue(name, changes)
    assert queue is not None
    return queue_view(queue)


def delete_queue(call: Call) -> None:
    """Delete a queue without live jobs (root only); its grants go with it."""
    call.require_root()
    name = call.path_params["queueName"]
    _queue_or_404(call, name)
    if call.state.store.queue_has_live_jobs(name):
        raise ApiError("QueueIsInUse", f"queue[{name}] is in use by jobs that are not finished")
    call.state.store.catalog.delete_queue(name)


def routes() -> list[Route]:
    """The queue routes."""
    queue = f"{API_PREFIX}/queue"
    return [
        Route(queue, endpoint(create_queue), methods=["POST"]),
        Route(queue, endpoint(list_queues), methods=["GET"]),
        Route(f"{queue}/{{queueName}}", endpoint(show_queue), methods=["GET"]),
        Route(f"{queue}/{{queueName}}", endpoint(update_queue), methods=["PUT"]),
        Route(f"{queue}/{{queueName}}", endpoint(delete_queue), methods=["DELETE"]),
    ]
