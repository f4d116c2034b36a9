"""Error classification from PaddleFlow's error bodies, and what the user reads."""

from __future__ import annotations

import pytest

from pfctl.client.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PaddleFlowError,
    PermissionDeniedError,
    ServerConnectionError,
    ServerError,
    error_from_response,
)
from pfctl.errors import ExitCode, PfctlError


def body(code: str, message: str, request_id: str = "rid-1") -> dict[str, str]:
    return {"requestID": request_id, "code": code, "message": message}


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (400, "AuthFailed", "Username or password not correct", AuthenticationError),
        (400, "UserNotExist", "User not exist", AuthenticationError),
        (400, "AuthInvalidToken", "Invalid token. Please re-login", AuthenticationError),
        (400, "AuthIllegalUser", "The user does not have permission", PermissionDeniedError),
        (
            403,
            "ActionNotAllowed",
            "user[a] has no access to resource[job] with ID[j]",
            PermissionDeniedError,
        ),
        (
            403,
            "ActionNotAllowed",
            "delete job failed, err: job j status is init, please stop it first.",
            ConflictError,
        ),
        (404, "JobNotFound", "resouceType[job] with ID[j] not found", NotFoundError),
        (404, "PathNotFound", "", NotFoundError),
        (
            400,
            "JobCreateFailed",
            "create job[x] in database faield, err: UNIQUE constraint",
            ConflictError,
        ),
        (
            400,
            "JobCreateFailed",
            "invalid job priority VERY_HIGH, should be in [LOW, NORMAL, HIGH]",
            InvalidRequestError,
        ),
        (400, "InvalidArguments", "the priorty X is invalid", InvalidRequestError),
        (409, "", "exists", ConflictError),
        (
            500,
            "",
            "stop job failed, err: job j status is already terminated, and job cannot be stopped",
            ConflictError,
        ),
        (500, "InternalError", "We encountered an internal error. Please try again.", ServerError),
        (502, "", "bad gateway", ServerError),
    ],
)
def test_classification(
    status: int, code: str, message: str, expected: type[PaddleFlowError]
) -> None:
    error = error_from_response(status, body(code, message))
    assert type(error) is expected
    assert (error.status, error.code, error.message, error.request_id) == (
        status,
        code,
        message,
        "rid-1",
    )
    assert isinstance(error, PfctlError)
    # A refused login could not run the command (2); any other answer of the server is "no" (1).
    could_not_run = expected is AuthenticationError
    assert error.exit_code == (ExitCode.USAGE if could_not_run else ExitCode.FAILURE)


def test_str_shows_code_message_status_and_request_id() -> None:
    error = error_from_response(404, body("JobNotFound", "resouceType[job] with ID[j] not found"))
    assert str(error) == (
        "JobNotFound: resouceType[job] with ID[j] not found (HTTP 404, request id rid-1)"
    )


def test_empty_code_shows_the_message_first_and_the_http_status_after() -> None:
    error = error_from_response(500, body("", "boom"))
    assert str(error) == "boom (HTTP 500, request id rid-1)"
    assert str(error_from_response(502, "")) == "HTTP 502"


def test_non_json_body_keeps_text_and_header_request_id() -> None:
    error = error_from_response(503, "<html>upstream down</html>", request_id="hdr-9")
    assert isinstance(error, ServerError)
    assert error.message == "<html>upstream down</html>"
    assert error.request_id == "hdr-9"


def test_connection_error_text_carries_the_hint() -> None:
    error = ServerConnectionError(
        "cannot reach x: connection refused", hint='run "pfctl server start"'
    )
    assert str(error) == 'cannot reach x: connection refused; run "pfctl server start"'
    assert not error.sent
