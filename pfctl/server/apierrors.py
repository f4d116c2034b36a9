"""PaddleFlow's error codes, their HTTP statuses and default messages, and ``ApiError``.

The tables follow ``pkg/apiserver/common/errors.go`` of PaddleFlow: a code missing from the
status table (``""``, ``UpdateDatabaseFailed``) is answered with HTTP 500, and a code without a
default text (``PathNotFound``, ``JobNotFound``...) has the message ``""``.

pfctl adds one code PaddleFlow lacks: ``InsufficientStorage`` (HTTP 507), for a request the
server could not carry out because its disk or database is full (``storage_error``), so that a
client is told so instead of ``InternalError``.
"""

from __future__ import annotations

import errno
import sqlite3

HTTP_STATUS: dict[str, int] = {
    "AccessDenied": 403,
    "ActionNotAllowed": 403,
    "InternalError": 500,
    "InvalidHTTPRequest": 400,
    "InvalidURI": 400,
    "MalformedJSON": 400,
    "InvalidNamePattern": 400,
    "OnlyRootAllowed": 403,
    "InvalidMarker": 400,
    "CPUNotFound": 400,
    "MemoryNotFound": 400,
    "PathNotFound": 404,
    "MethodNotAllowed": 405,
    "DuplicatedName": 400,
    "InvalidArguments": 400,
    "RecordNotFound": 404,
    "RequiredFieldEmpty": 400,
    "UserNameDuplicated": 403,
    "UserNotExist": 400,
    "UserPasswordWeak": 400,
    "AuthWithoutToken": 400,
    "AuthInvalidToken": 400,
    "AuthFailed": 400,
    "AuthIllegalUser": 400,
    "QueueNameDuplicated": 403,
    "QueueActionIsNotSupported": 400,
    "QueueQuotaTypeIsNotSupported": 400,
    "QueueNameNotFound": 400,
    "QueueResourceNotMatch": 400,
    "QueueIsNotClosed": 400,
    "QueueIsInUse": 400,
    "GrantResourceTypeNotFound": 400,
    "GrantNotFound": 400,
    "GrantAlreadyExist": 400,
    "GrantRootActionNotSupport": 400,
    "FlavourNotFound": 404,
    "FlavourNameEmpty": 400,
    "FlavourInvalidField": 400,
    "JobInvalidField": 400,
    "JobCreateFailed": 400,
    "JobNotFound": 404,
    "InsufficientStorage": 507,
}

DEFAULT_MESSAGE: dict[str, str] = {
    "AccessDenied": "Access denied",
    "ActionNotAllowed": "The operation cannot be executed at this phase/stage",
    "InternalError": "We encountered an internal error. Please try again.",
    "InvalidHTTPRequest": "One or more errors in HTTP request body",
    "InvalidURI": "Could not parse the specified URI.",
    "MalformedJSON": "The JSON provided was not well-formatted",
    "InvalidNamePattern": "Name pattern does not match regex rule",
    "OnlyRootAllowed": "This operation is only allowed for root user",
    "InvalidMarker": "The marker is invalid",
    "CPUNotFound": "CPU is not set",
    "MemoryNotFound": "Memory is not set",
    "DuplicatedName": "Name has existed. Duplicated name is not allowed",
    "InvalidArguments": "invalid arguments",
    "RecordNotFound": "record not found",
    "RequiredFieldEmpty": "Field is not set",
    "UserNameDuplicated": "The user name already exists",
    "UserNotExist": "User not exist",
    "UserPasswordWeak": "Password must consist of at least one number and one letter, "
    "and length must be greater than 6",
    "AuthWithoutToken": "Request should login first",
    "AuthInvalidToken": "Invalid token. Please re-login",
    "AuthFailed": "Username or password not correct",
    "AuthIllegalUser": "The user does not have permission to operate other users",
    "QueueNameDuplicated": "The queue name already exists",
    "QueueActionIsNotSupported": "Queue action not supported",
    "QueueQuotaTypeIsNotSupported": "Queue quota type not supported",
    "QueueNameNotFound": "QueueName does not exist",
    "QueueResourceNotMatch": "Queue resource is not match",
    "QueueIsNotClosed": "Queue should be closed before delete",
    "GrantResourceTypeNotFound": "This kind of resource is not exist",
    "GrantNotFound": "Grant not found. check the user and resource",
    "GrantAlreadyExist": "This user already have the grant of the resource",
    "GrantRootActionNotSupport": "Can not delete or create root's grant",
    "FlavourNameEmpty": "flavour name should not be empty",
    "JobInvalidField": "job field invalid",
    "JobCreateFailed": "job create failed",
    "InsufficientStorage": "the server's disk is full (database or disk is full): the request "
    "was not carried out and nothing was written; free space where the server keeps its data, "
    "then try again",
}

# How many causes of an error ``storage_error`` looks through.
_CAUSE_DEPTH = 8
# SQLite's result code for "database or disk is full" (``sqlite3.SQLITE_FULL`` from Python 3.11).
_SQLITE_FULL = 13


def status_for(code: str) -> int:
    """The HTTP status PaddleFlow answers ``code`` with (500 for unknown or empty codes)."""
    return HTTP_STATUS.get(code, 500)


class ApiError(Exception):
    """An error answered in PaddleFlow's form ``{"requestID", "code", "message"}``.

    ``message`` defaults to the code's fixed text; ``status`` defaults to the code's HTTP status.
    """

    def __init__(self, code: str, message: str | None = None, *, status: int | None = None):
        self.code = code
        self.message = DEFAULT_MESSAGE.get(code, "") if message is None else message
        self.status = status_for(code) if status is None else status
        super().__init__(f"{self.code}: {self.message}")


def storage_error(error: BaseException) -> ApiError | None:
    """``InsufficientStorage`` when ``error`` (or what caused it) is a full disk or database:
    SQLite's ``SQLITE_FULL`` ("database or disk is full") or an ``OSError`` ENOSPC/EDQUOT;
    None for any other error."""
    seen: BaseException | None = error
    for _ in range(_CAUSE_DEPTH):
        if seen is None:
            break
        if _is_full(seen):
            return ApiError("InsufficientStorage")
        seen = seen.__cause__ or seen.__context__
    return None


def _is_full(error: BaseException) -> bool:
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return code == _SQLITE_FULL or "database or disk is full" in str(error)
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
