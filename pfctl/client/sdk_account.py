"""The user, log and version methods of the SDK facade (PaddleFlow SDK's ``client.py``,
``user/user_api.py``, ``log/log_api.py`` and ``version/version_api.py``): the same names,
parameters, defaults, client-side checks and ``(ok, result)`` returns. Mixed into
:class:`pfctl.client.sdk.Client`.
"""

from __future__ import annotations

from typing import Any

from pfctl.client.sdk_models import LogInfoByLimit, UserInfo
from pfctl.client.sdk_session import SdkSession, require_max_size, require_text

__all__ = ["AccountMethods"]

_USER_NAME = ("InvalidUser", "user_name should not be none or empty")
_PASSWORD = ("InvalidPassWord", "password should not be none or empty")
#: What the SDK reports as the limits of a log answer when the call gave none.
SDK_DEFAULT_LINE_LIMIT = 1000
SDK_DEFAULT_SIZE_LIMIT = "100KB"


class AccountMethods(SdkSession):
    """Users, logs by limit, and the server's version."""

    def get_version(self) -> tuple[bool, Any]:
        """The server's version answer as it is (PaddleFlow's list of ``"Name: value"``
        lines); ``(True, answer)`` or ``(False, message)``."""
        return self._run(lambda api: api.get_version())

    # --- users ----------------------------------------------------------------------------

    def add_user(self, user_name: str, password: str) -> tuple[bool, str | None]:
        """Add a user (root only); ``(True, None)`` or ``(False, message)``."""
        require_text(user_name, *_USER_NAME)
        require_text(password, *_PASSWORD)
        return self._done(lambda api: api.create_user(user_name, password))

    def del_user(self, user_name: str) -> tuple[bool, str | None]:
        """Delete a user (root only); ``(True, None)`` or ``(False, message)``."""
        require_text(user_name, *_USER_NAME)
        return self._done(lambda api: api.delete_user(user_name))

    def list_user(self, maxsize: int = 100) -> tuple[bool, list[UserInfo] | str]:
        """At most ``maxsize`` users (root only); ``(True, [UserInfo, ...])`` or
        ``(False, message)``."""
        size = require_max_size(maxsize)

        def users(api: Any) -> list[UserInfo]:
            listed = api.user_page(max_keys=size)
            return [
                UserInfo(str(user.get("name", "")), str(user.get("createTime", "")))
                for user in listed.items
            ]

        return self._run(users)

    def update_password(self, name: str, password: str) -> tuple[bool, str | None]:
        """Set a password (root: anyone's; a user: its own); ``(True, None)`` or
        ``(False, message)``."""
        require_text(name, *_USER_NAME)
        require_text(password, *_PASSWORD)
        return self._done(lambda api: api.update_password(name, password))

    # --- logs -----------------------------------------------------------------------------

    def show_log_by_limit(  # noqa: PLR0917 (the SDK's positional signature)
        self,
        job_id: str | None = None,
        name: str | None = None,
        namespace: str | None = None,
        cluster_name: str | None = None,
        read_from_tail: Any = None,
        line_limit: int | str | None = None,
        size_limit: str | None = None,
        type: str | None = None,
        framework: str | None = None,
    ) -> tuple[bool, dict[str, Any] | str]:
        """A job's logs: ``(True, {"eventList": [...], "logs": [LogInfoByLimit, ...]})`` or
        ``(False, message)``. Only the arguments given (and not empty) are sent, as by the SDK;
        the server defaults ``lineLimit`` to 1000."""
        sent = {
            "jobID": job_id,
            "name": name,
            "namespace": namespace,
            "clusterName": cluster_name,
            "readFromTail": read_from_tail,
            "lineLimit": str(line_limit) if line_limit else None,
            "sizeLimit": str(size_limit) if size_limit else None,
            "type": type,
            "framework": framework,
        }
        params = {key: value for key, value in sent.items() if value}
        lines = int(line_limit) if line_limit is not None else SDK_DEFAULT_LINE_LIMIT
        size = size_limit if size_limit is not None else SDK_DEFAULT_SIZE_LIMIT

        def logs(api: Any) -> dict[str, Any]:
            data = api.job_logs_as_sent(params)
            infos = [
                LogInfoByLimit(
                    job_id=data.get("jobID", ""),
                    task_id=task.get("taskID", ""),
                    name=data.get("name", ""),
                    has_next_page=bool((task.get("logInfo") or {}).get("hasNextPage")),
                    truncated=bool((task.get("logInfo") or {}).get("truncated")),
                    line_limit=lines,
                    size_limit=str(size),
                    log_content=(task.get("logInfo") or {}).get("logContent", ""),
                )
                for task in data.get("taskList") or []
            ]
            return {"eventList": data.get("eventList"), "logs": infos}

        return self._run(logs)
