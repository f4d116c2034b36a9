"""Errors of the PaddleFlow client, all under ``pfctl.errors.PfctlError``.

Hierarchy::

    PaddleFlowError              any failure talking to a PaddleFlow server
    ├── ServerConnectionError    no usable HTTP response (refused, DNS, timeout, reset, the
    │                            request timeout passed, a redirect, an answer too large)
    ├── AuthenticationError      login failed or the token was refused (AuthFailed, UserNotExist)
    ├── PermissionDeniedError    the user may not touch this resource (403 "has no access")
    ├── NotFoundError            404: JobNotFound, PathNotFound, FlavourNotFound, ...
    ├── ConflictError            the request clashes with the resource's state: id already used,
    │                            job not stoppable/deletable in its status (including PaddleFlow's
    │                            500 with an empty code for a stop of a finished job)
    ├── InvalidRequestError      any other 4xx: the server rejected the request as invalid
    └── ServerError              5xx, including PaddleFlow's 500 with an empty ``code``

Every error carries the HTTP ``status`` (0 when no response arrived), PaddleFlow's ``code`` and
``message``, and the ``request_id`` of the failed request; ``str()`` shows all of them.
"""

from __future__ import annotations

from typing import Any

from pfctl.errors import ExitCode, PfctlError

#: Codes PaddleFlow uses for a refused login or token (all HTTP 400 on the real server).
AUTH_CODES = frozenset(
    {"AuthWithoutToken", "AuthInvalidToken", "AuthFailed", "UserNotExist", "InvalidToken"}
)
#: Codes that mean the caller may not act on another user's resource.
PERMISSION_CODES = frozenset(
    {"AuthIllegalUser", "OnlyRootAllowed", "AccessDenied", "PermissionDenied"}
)
#: Codes of a request that collides with existing state.
CONFLICT_CODES = frozenset(
    {"DuplicatedName", "UserNameDuplicated", "QueueNameDuplicated", "AlreadyExists", "Conflict"}
)
_NO_ACCESS_TEXT = "has no access"
_CANNOT_STOP_TEXT = "cannot be stopped"
_DUPLICATE_TEXTS = ("already exist", "duplicate", "unique constraint", "in database faield")


class PaddleFlowError(PfctlError):
    """A request to a PaddleFlow server failed."""

    exit_code = ExitCode.FAILURE

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str = "",
        request_id: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.hint = hint

    def __str__(self) -> str:
        # The server's own words first: its code (when it gave one) and message. The HTTP
        # status is a detail after them, so that a business error never reads as a crash.
        if self.code:
            text = f"{self.code}: {self.message}" if self.message else self.code
        else:
            text = self.message or (f"HTTP {self.status}" if self.status else type(self).__name__)
        details = []
        if self.status and (self.code or self.message):
            details.append(f"HTTP {self.status}")
        if self.request_id:
            details.append(f"request id {self.request_id}")
        if details:
            text += f" ({', '.join(details)})"
        if self.hint:
            text += f"; {self.hint}"
        return text


class ServerConnectionError(PaddleFlowError):
    """No usable HTTP response: the server is unreachable, timed out or dropped the connection,
    redirected the request elsewhere, or sent more than the client reads."""

    #: The command could not run: exit 2, as for usage and configuration errors.
    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str = "", sent: bool = False) -> None:
        super().__init__(message, hint=hint)
        #: True when the request may have reached the server (its outcome is unknown).
        self.sent = sent

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class AuthenticationError(PaddleFlowError):
    """The server refused the credentials or the token."""

    #: The command could not run: exit 2, as for usage and configuration errors.
    exit_code = ExitCode.USAGE


class PermissionDeniedError(PaddleFlowError):
    """The authenticated user may not act on this resource."""


class NotFoundError(PaddleFlowError):
    """The job, queue, flavour or route does not exist."""


class ConflictError(PaddleFlowError):
    """The request clashes with the resource's current state (id taken, wrong job status)."""


class InvalidRequestError(PaddleFlowError):
    """The server rejected the request as malformed or invalid."""


class ServerError(PaddleFlowError):
    """The server failed (HTTP 5xx)."""


def error_from_response(status: int, body: Any, *, request_id: str = "") -> PaddleFlowError:
    """Build the typed error for an HTTP error response.

    ``body`` is the decoded JSON body, or the raw text when it was not JSON. PaddleFlow's error
    body is ``{"requestID", "code", "message"}``; anything else is kept as the message.
    """
    if isinstance(body, dict):
        code = str(body.get("code") or "")
        message = str(body.get("message") or "")
        request_id = str(body.get("requestID") or request_id)
    else:
        code = ""
        message = str(body or "").strip()[:500]
    error_class = _classify(status, code, message)
    return error_class(message, status=status, code=code, request_id=request_id)


def _classify(status: int, code: str, message: str) -> type[PaddleFlowError]:
    lowered = message.lower()
    if code in AUTH_CODES or status == 401:
        return AuthenticationError
    if code in PERMISSION_CODES:
        return PermissionDeniedError
    if code in CONFLICT_CODES or status == 409:
        return ConflictError
    if status == 403:
        # PaddleFlow says ActionNotAllowed both for another user's job and for a wrong status.
        return PermissionDeniedError if _NO_ACCESS_TEXT in lowered else ConflictError
    if status == 404:
        return NotFoundError
    if status >= 500:
        # PaddleFlow's stop of a finished job is a 500 with an empty code: a state clash.
        return ConflictError if _CANNOT_STOP_TEXT in lowered else ServerError
    if code == "JobCreateFailed" and any(text in lowered for text in _DUPLICATE_TEXTS):
        return ConflictError
    return InvalidRequestError
