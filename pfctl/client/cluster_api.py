"""The queue, flavour, user and grant calls of :class:`pfctl.client.api.PaddleFlowClient` (and
the SDK's unchecked log call).

The routes are PaddleFlow's ``router/v1/queue.go``, ``flavour.go``, ``user.go`` and ``grant.go``;
each method sends what PaddleFlow's own SDK sends for the same operation (the arguments left as
None are not sent) and returns the decoded answer. Changes are root's business on a PaddleFlow
server; other users get :class:`pfctl.client.errors.PermissionDeniedError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pfctl.client.errors import AuthenticationError, NotFoundError, ServerError
from pfctl.client.transport import RetryPolicy
from pfctl.errors import UsageError

__all__ = ["QUEUE_RESOURCE", "ClusterCalls", "Page"]

#: PaddleFlow's ``resourceType`` of a queue grant (``common.ResourceTypeQueue``).
QUEUE_RESOURCE = "queue"


@dataclass(frozen=True)
class Page:
    """One page of a list route: its objects, the marker of the next page, and whether the
    server says there are more."""

    items: list[dict[str, Any]]
    next_marker: str | None
    truncated: bool


class ClusterCalls:
    """Queue, flavour, user and grant calls; mixed into ``PaddleFlowClient``, which supplies
    ``_call`` (an authenticated request returning the decoded JSON body)."""

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        policy: RetryPolicy = RetryPolicy.IDEMPOTENT,
    ) -> Any:
        raise NotImplementedError  # PaddleFlowClient's

    def _current_token(self) -> tuple[str, bool]:
        raise NotImplementedError  # PaddleFlowClient's: logs in when there is no token yet

    def _call_naming_user(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        policy: RetryPolicy = RetryPolicy.IDEMPOTENT,
    ) -> Any:
        """``_call`` of a route that names a user: logged in first (a refused login stays an
        authentication error), then PaddleFlow's ``UserNotExist`` is about the named user, a
        :class:`NotFoundError`."""
        self._current_token()
        try:
            return self._call(method, path, params=params, json_body=json_body, policy=policy)
        except AuthenticationError as error:
            if error.code != "UserNotExist":
                raise
            raise NotFoundError(
                error.message or "the user does not exist",
                status=error.status,
                code=error.code,
                request_id=error.request_id,
            ) from None

    # --- queues ---------------------------------------------------------------------------

    def get_queue(self, name: str) -> dict[str, Any]:
        """The queue object of ``GET /queue/{name}`` (with ``usedResources``, ``idleResources``)."""
        return _object(self._call("GET", _path("queue", name, "queue name")))

    def queue_page(self, *, max_keys: int | None = None, marker: str | None = None) -> Page:
        """One page of ``GET /queue``."""
        return self._page("/queue", "queueList", {"maxKeys": max_keys, "marker": marker})

    def list_queues(self, *, name: str | None = None, page_size: int = 500) -> list[dict[str, Any]]:
        """Every queue visible to the user (all pages of ``GET /queue``)."""
        return self._all_pages("/queue", "queueList", {"name": name}, page_size)

    def create_queue(
        self,
        name: str,
        *,
        namespace: str,
        max_resources: Mapping[str, Any],
        cluster_name: str | None = None,
        min_resources: Mapping[str, Any] | None = None,
        scheduling_policy: Sequence[str] | None = None,
        location: Mapping[str, str] | None = None,
        quota_type: str | None = None,
    ) -> None:
        """Create a queue (``POST /queue``). Resources are ``{"cpu", "mem",
        "scalarResources"?}`` as PaddleFlow takes them."""
        body: dict[str, Any] = {
            "namespace": namespace,
            "name": name,
            "clusterName": cluster_name,
            "maxResources": dict(max_resources),
        }
        optional = {
            "minResources": dict(min_resources) if min_resources else None,
            "schedulingPolicy": list(scheduling_policy) if scheduling_policy else None,
            "location": dict(location) if location else None,
            "quotaType": quota_type or None,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        self._call("POST", "/queue", json_body=body, policy=RetryPolicy.UNSENT_ONLY)

    def update_queue(
        self,
        name: str,
        *,
        max_resources: Mapping[str, Any] | None = None,
        min_resources: Mapping[str, Any] | None = None,
        scheduling_policy: Sequence[str] | None = None,
        location: Mapping[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """Change a queue (``PUT /queue/{name}``); only what is given and not empty is sent.
        Returns the queue the server answers with (None if it answers nothing)."""
        changes = {
            "maxResources": dict(max_resources) if max_resources else None,
            "minResources": dict(min_resources) if min_resources else None,
            "schedulingPolicy": list(scheduling_policy) if scheduling_policy else None,
            "location": dict(location) if location else None,
        }
        body = {key: value for key, value in changes.items() if value is not None}
        data = self._call("PUT", _path("queue", name, "queue name"), json_body=body)
        return data if isinstance(data, dict) else None

    def delete_queue(self, name: str) -> None:
        """Delete a queue (``DELETE /queue/{name}``)."""
        path = _path("queue", name, "queue name")
        self._call("DELETE", path, policy=RetryPolicy.UNSENT_ONLY)

    # --- flavours -------------------------------------------------------------------------

    def get_flavour(self, name: str) -> dict[str, Any]:
        """The flavour object of ``GET /flavour/{name}``."""
        return _object(self._call("GET", _path("flavour", name, "flavour name")))

    def flavour_page(
        self,
        *,
        max_keys: int | None = None,
        marker: str | None = None,
        name: str | None = None,
        cluster_name: str | None = None,
    ) -> Page:
        """One page of ``GET /flavour`` (``name`` filters by a part of the name)."""
        params = {"maxKeys": max_keys, "marker": marker, "name": name, "clusterName": cluster_name}
        return self._page("/flavour", "flavourList", params)

    def list_flavours(
        self, *, name: str | None = None, cluster_name: str | None = None, page_size: int = 500
    ) -> list[dict[str, Any]]:
        """Every flavour (all pages of ``GET /flavour``; PaddleFlow's null list reads as [])."""
        filters = {"name": name, "clusterName": cluster_name}
        return self._all_pages("/flavour", "flavourList", filters, page_size)

    def create_flavour(
        self,
        name: str,
        *,
        cpu: str,
        mem: str,
        scalar_resources: Mapping[str, str] | None = None,
        cluster_name: str | None = None,
    ) -> None:
        """Register a flavour (``POST /flavour``)."""
        body: dict[str, Any] = {"name": name, "cpu": cpu, "mem": mem}
        if cluster_name:
            body["clusterName"] = cluster_name
        if scalar_resources is not None:
            body["scalarResources"] = dict(scalar_resources)
        self._call("POST", "/flavour", json_body=body, policy=RetryPolicy.UNSENT_ONLY)

    def update_flavour(
        self,
        name: str,
        *,
        cpu: str | None = None,
        mem: str | None = None,
        scalar_resources: Mapping[str, str] | None = None,
        cluster_name: str | None = None,
    ) -> dict[str, Any]:
        """Change a flavour (``PUT /flavour/{name}``); returns the flavour as changed."""
        changes = {
            "cpu": cpu or None,
            "mem": mem or None,
            "scalarResources": dict(scalar_resources) if scalar_resources else None,
            "clusterName": cluster_name or None,
        }
        body = {key: value for key, value in changes.items() if value is not None}
        return _object(self._call("PUT", _path("flavour", name, "flavour name"), json_body=body))

    def delete_flavour(self, name: str) -> None:
        """Delete a flavour (``DELETE /flavour/{name}``)."""
        path = _path("flavour", name, "flavour name")
        self._call("DELETE", path, policy=RetryPolicy.UNSENT_ONLY)

    # --- users ----------------------------------------------------------------------------

    def create_user(self, name: str, password: str) -> None:
        """Add a user (``POST /user``, root only)."""
        body = {"username": name, "password": password}
        self._call("POST", "/user", json_body=body, policy=RetryPolicy.UNSENT_ONLY)

    def user_page(self, *, max_keys: int | None = None, marker: str | None = None) -> Page:
        """One page of ``GET /user`` (root only): ``{"name", "createTime"}`` objects."""
        return self._page("/user", "userList", {"maxKeys": max_keys, "marker": marker})

    def update_password(self, name: str, password: str) -> None:
        """Set a user's password (``PUT /user/{name}``: root for anyone, a user for itself)."""
        path = _path("user", name, "user name")
        self._call_naming_user("PUT", path, json_body={"password": password})

    def delete_user(self, name: str) -> None:
        """Delete a user (``DELETE /user/{name}``, root only)."""
        path = _path("user", name, "user name")
        self._call_naming_user("DELETE", path, policy=RetryPolicy.UNSENT_ONLY)

    # --- grants ---------------------------------------------------------------------------

    def create_grant(
        self, user_name: str, resource_id: str, *, resource_type: str = QUEUE_RESOURCE
    ) -> str | None:
        """Grant a user a resource (``POST /grant``, root only); the grant's id, if answered."""
        body = {"username": user_name, "resourceType": resource_type, "resourceID": resource_id}
        unsent = RetryPolicy.UNSENT_ONLY
        data = self._call_naming_user("POST", "/grant", json_body=body, policy=unsent)
        grant_id = data.get("grantID") if isinstance(data, dict) else None
        return str(grant_id) if grant_id else None

    def grant_page(
        self,
        *,
        user_name: str | None = None,
        max_keys: int | None = None,
        marker: str | None = None,
    ) -> Page:
        """One page of ``GET /grant`` (root only): ``{"grantID", "userName", "resourceType",
        "resourceID", "createTime", ...}`` objects, of one user when ``user_name`` is given."""
        params = {"username": user_name, "maxKeys": max_keys, "marker": marker}
        return self._page("/grant", "grantList", params)

    def delete_grant(
        self, user_name: str, resource_id: str, *, resource_type: str = QUEUE_RESOURCE
    ) -> None:
        """Take a grant back (``DELETE /grant?username=&resourceType=&resourceID=``)."""
        params = {"username": user_name, "resourceType": resource_type, "resourceID": resource_id}
        unsent = RetryPolicy.UNSENT_ONLY
        self._call_naming_user("DELETE", "/grant", params=params, policy=unsent)

    # --- logs -----------------------------------------------------------------------------

    def job_logs_as_sent(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``GET /log/job`` with exactly ``params`` (wire names), as the PaddleFlow SDK's
        ``show_log_by_limit`` sends them; :meth:`PaddleFlowClient.job_logs` is the checked form."""
        return _object(self._call("GET", "/log/job", params=params))

    # --- paging ---------------------------------------------------------------------------

    def _page(self, path: str, list_key: str, params: Mapping[str, Any]) -> Page:
        data = _object(self._call("GET", path, params=params))
        items = data.get(list_key) or []
        if not isinstance(items, list):
            raise ServerError(f"the server's {list_key} is not a list")
        return Page(list(items), data.get("nextMarker") or None, bool(data.get("isTruncated")))

    def _all_pages(
        self, path: str, list_key: str, filters: dict[str, Any], page_size: int
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        marker: str | None = None
        while True:
            page = self._page(path, list_key, {**filters, "maxKeys": page_size, "marker": marker})
            items.extend(page.items)
            if not page.truncated or not page.next_marker or page.next_marker == marker:
                return items
            marker = page.next_marker


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ServerError("the server's answer is not a JSON object")
    return data


def _path(collection: str, name: str, what: str) -> str:
    if not name:
        raise UsageError(f"the {what} must not be empty")
    return f"/{collection}/{quote(name, safe='')}"
