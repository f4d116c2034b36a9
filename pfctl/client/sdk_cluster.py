"""The queue, grant and flavour methods of the SDK facade (PaddleFlow SDK's ``client.py``,
``queue/queue_api.py`` and ``flavour/flavour_api.py``): the same names, parameters, defaults,
client-side checks and ``(ok, result)`` returns. Mixed into :class:`pfctl.client.sdk.Client`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pfctl.client.cluster_api import QUEUE_RESOURCE
from pfctl.client.sdk_models import FlavourInfo, GrantInfo, QueueInfo
from pfctl.client.sdk_session import (
    PaddleFlowSDKException,
    SdkSession,
    require_max_size,
    require_text,
)

__all__ = ["ClusterMethods"]

_QUEUE_NAME = ("InvalidQueueName", "queuename should not be none or empty")
_USER_NAME = ("InvalidName", "name should not be none or empty")
_FLAVOUR_NAME = ("InvalidFlavourName", "name should not be none or empty")


class ClusterMethods(SdkSession):
    """Queues, their grants, and flavours."""

    # --- queues ---------------------------------------------------------------------------

    def add_queue(  # noqa: PLR0917 (the SDK's positional signature)
        self,
        name: str,
        namespace: str,
        clusterName: str | None,
        maxResources: Mapping[str, Any],
        minResources: Mapping[str, Any] | None = None,
        schedulingPolicy: Sequence[str] | None = None,
        location: Mapping[str, str] | None = None,
        quotaType: str | None = None,
    ) -> tuple[bool, str | None]:
        """Create a queue; ``(True, None)`` or ``(False, message)``."""
        require_text(namespace, "InvalidNameSpace", "namespace should not be none or empty")
        require_text(name, *_QUEUE_NAME)
        if (
            not isinstance(maxResources, Mapping)
            or maxResources.get("cpu") is None
            or maxResources.get("mem") is None
        ):
            raise PaddleFlowSDKException(
                "InvalidQueueMaxResources",
                "queue maxResources cpu or mem should not be none or empty",
            )
        return self._done(
            lambda api: api.create_queue(
                name,
                namespace=namespace,
                cluster_name=clusterName,
                max_resources=maxResources,
                min_resources=minResources,
                scheduling_policy=schedulingPolicy,
                location=location,
                quota_type=quotaType,
            )
        )

    def update_queue(
        self,
        queuename: str,
        maxResources: Mapping[str, Any] | None,
        minResources: Mapping[str, Any] | None = None,
        schedulingPolicy: Sequence[str] | None = None,
        location: Mapping[str, str] | None = None,
    ) -> tuple[bool, str | None]:
        """Change a queue (what is empty is not sent); ``(True, None)`` or ``(False, message)``."""
        require_text(queuename, *_QUEUE_NAME)
        return self._done(
            lambda api: api.update_queue(
                queuename,
                max_resources=maxResources,
                min_resources=minResources,
                scheduling_policy=schedulingPolicy,
                location=location,
            )
        )

    def del_queue(self, queuename: str) -> tuple[bool, str | None]:
        """Delete a queue; ``(True, None)`` or ``(False, message)``."""
        require_text(queuename, *_QUEUE_NAME)
        return self._done(lambda api: api.delete_queue(queuename))

    def list_queue(
        self, maxsize: int = 100, marker: str | None = None
    ) -> tuple[bool, list[QueueInfo] | str, str | None]:
        """One page of queues: ``(True, [QueueInfo, ...], next_marker)`` or
        ``(False, message, None)``."""
        size = require_max_size(maxsize)

        def page(api: Any) -> tuple[list[QueueInfo], str | None]:
            listed = api.queue_page(max_keys=size, marker=marker or None)
            return [QueueInfo.from_wire(q, detail=False) for q in listed.items], listed.next_marker

        return self._run_page(page)

    def show_queue(self, queuename: str) -> tuple[bool, QueueInfo | str]:
        """One queue, with its used and idle resources; ``(True, QueueInfo)`` or
        ``(False, message)``."""
        require_text(queuename, *_QUEUE_NAME)
        return self._run(lambda api: QueueInfo.from_wire(api.get_queue(queuename)))

    # --- grants ---------------------------------------------------------------------------

    def grant_queue(self, username: str, queuename: str) -> tuple[bool, str | None]:
        """Let a user submit to a queue; ``(True, None)`` or ``(False, message)``."""
        require_text(username, *_USER_NAME)
        require_text(queuename, *_QUEUE_NAME)
        return self._done(lambda api: api.create_grant(username, queuename))

    def ungrant_queue(self, username: str, queuename: str) -> tuple[bool, str | None]:
        """Take a queue grant back; ``(True, None)`` or ``(False, message)``."""
        require_text(username, *_USER_NAME)
        require_text(queuename, *_QUEUE_NAME)
        return self._done(lambda api: api.delete_grant(username, queuename))

    def show_queue_grant(
        self, username: str | None = None, maxsize: int = 100
    ) -> tuple[bool, list[GrantInfo] | str]:
        """The queue grants (of one user when ``username`` is given), at most ``maxsize``:
        ``(True, [GrantInfo, ...])`` or ``(False, message)``."""
        if username is not None and username != "" and username.strip() == "":
            raise PaddleFlowSDKException(*_USER_NAME)
        size = require_max_size(maxsize)

        def grants(api: Any) -> list[GrantInfo]:
            listed = api.grant_page(user_name=username or None, max_keys=size)
            return [
                GrantInfo(str(grant.get("userName", "")), str(grant.get("resourceID", "")))
                for grant in listed.items
                if grant.get("resourceType") == QUEUE_RESOURCE
            ]

        return self._run(grants)

    # --- flavours -------------------------------------------------------------------------

    def list_flavour(
        self, maxsize: int = 100, marker: str | None = None, clustername: str = "", key: str = ""
    ) -> tuple[bool, list[FlavourInfo] | str, str | None]:
        """One page of flavours (``key``: a part of the name): ``(True, [FlavourInfo, ...],
        next_marker)`` or ``(False, message, None)``."""
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize <= 0:
            raise PaddleFlowSDKException(
                "InvalidRequest", f"invalid maxsize {maxsize} should be int and greater than 0"
            )

        def page(api: Any) -> tuple[list[FlavourInfo], str | None]:
            listed = api.flavour_page(
                max_keys=maxsize,
                marker=marker or None,
                name=key or None,
                cluster_name=clustername or None,
            )
            return [FlavourInfo.from_wire(f) for f in listed.items], listed.next_marker

        return self._run_page(page)

    def show_flavour(self, name: str) -> tuple[bool, FlavourInfo | str]:
        """One flavour; ``(True, FlavourInfo)`` or ``(False, message)``."""
        require_text(name, *_FLAVOUR_NAME)
        return self._run(lambda api: FlavourInfo.from_wire(api.get_flavour(name)))

    def add_flavour(
        self,
        name: str,
        cpu: str,
        memory: str,
        scalar_resources: Mapping[str, str] | None = None,
        cluster_name: str | None = None,
    ) -> tuple[bool, str | None]:
        """Register a flavour; ``(True, None)`` or ``(False, "requestBody=...\\nerror
        message=...")`` as the SDK words it."""
        require_text(name, *_FLAVOUR_NAME)
        require_text(cpu, "InvalidFlavourName", "cpu should not be none or empty")
        require_text(memory, "InvalidFlavourName", "memory should not be none or empty")
        ok, answer = self._done(
            lambda api: api.create_flavour(
                name,
                cpu=str(cpu),
                mem=str(memory),
                scalar_resources=scalar_resources,
                cluster_name=cluster_name,
            )
        )
        if ok:
            return True, None
        body: dict[str, Any] = {"name": name, "cpu": cpu, "mem": memory}
        if cluster_name:
            body["clusterName"] = cluster_name
        if scalar_resources is not None:
            body["scalarResources"] = scalar_resources
        return False, f"requestBody={body}\nerror message={answer}"

    def del_flavour(self, name: str) -> tuple[bool, str | None]:
        """Delete a flavour; ``(True, None)`` or ``(False, message)``."""
        require_text(name, "InvalidFlavourName", "flavourname should not be none or empty")
        return self._done(lambda api: api.delete_flavour(name))

    def update_flavour(
        self,
        name: str,
        cpu: str | None = None,
        memory: str | None = None,
        scalar_resources: Mapping[str, str] | None = None,
        cluster_name: str | None = None,
    ) -> tuple[bool, str]:
        """Change a flavour (what is empty is not sent); ``(True, name)`` or
        ``(False, message)``."""
        require_text(name, *_FLAVOUR_NAME)
        ok, answer = self._run(
            lambda api: api.update_flavour(
                name,
                cpu=None if cpu is None else str(cpu),
                mem=None if memory is None else str(memory),
                scalar_resources=scalar_resources,
                cluster_name=cluster_name,
            )
        )
        if ok and isinstance(answer, dict):
            return True, str(answer.get("name", name))
        return False, str(answer)
