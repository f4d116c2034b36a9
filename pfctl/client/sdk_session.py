"""What every method of the SDK facade shares: the constructor, ``login``, the exception, and
the rule turning the typed client's answers into the SDK's ``(True, result)`` /
``(False, message)`` tuples. :class:`pfctl.client.sdk.Client` is built on :class:`SdkSession`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from pfctl.client.api import PaddleFlowClient
from pfctl.client.config import ClientSettings
from pfctl.client.errors import PaddleFlowError, ServerConnectionError
from pfctl.client.tokens import TokenCache

__all__ = ["PaddleFlowSDKException", "SdkSession"]

_Result = TypeVar("_Result")
_Session = TypeVar("_Session", bound="SdkSession")


class PaddleFlowSDKException(PaddleFlowError):
    """The SDK's exception.

    ``str()`` reads ``[PaddleFlowSDKException] code:.. message:.. requestId:..``.
    """

    def __init__(self, code: str, message: str = "", requestId: str = "") -> None:
        super().__init__(message, code=code, request_id=requestId)

    def __str__(self) -> str:
        return (
            f"[PaddleFlowSDKException] code:{self.code} message:{self.message} "
            f"requestId:{self.request_id}"
        )


class SdkSession:
    """PaddleFlow SDK compatible client: ``Client(host, username, password, port=8999)``."""

    def __init__(
        self,
        paddleflow_server_host: str,
        username: str | None,
        password: str | None,
        paddleflow_server_port: int | str = 8999,
    ) -> None:
        if paddleflow_server_host is None or paddleflow_server_host.strip() == "":
            raise PaddleFlowSDKException(
                "InvalidServer", "paddleflow server should not be none or empty"
            )
        host = paddleflow_server_host.strip().rstrip("/")
        address = host if "://" in host else f"http://{host}"
        self.paddleflow_server = f"{address}:{paddleflow_server_port}"
        self.user_id = username
        self.password = password
        self._api: PaddleFlowClient | None = None

    def __enter__(self: _Session) -> _Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connections."""
        if self._api is not None:
            self._api.close()
            self._api = None

    def login(
        self, user_name: str | None = None, password: str | None = None
    ) -> tuple[bool, str | None]:
        """Log in; ``(True, None)`` or ``(False, message)``. Defaults to the constructor's user."""
        user_name = self.user_id if user_name is None else user_name
        password = self.password if password is None else password
        if user_name is None or user_name.strip() == "":
            raise PaddleFlowSDKException("InvalidUser", "user_name should not be none or empty")
        if password is None or password.strip() == "":
            raise PaddleFlowSDKException("InvalidPassWord", "password should not be none or empty")
        api = self._new_api(user_name, password)
        try:
            api.login()
        except ServerConnectionError as exc:
            api.close()
            raise PaddleFlowSDKException("ConnectionError", str(exc)) from None
        except PaddleFlowError as exc:
            api.close()
            return False, exc.message
        self.close()
        self._api, self.user_id, self.password = api, user_name, password
        return True, None

    def _new_api(self, user: str, password: str) -> PaddleFlowClient:
        settings = ClientSettings.for_server(self.paddleflow_server, user, password)
        return PaddleFlowClient(settings, token_cache=TokenCache.in_memory())

    def _client(self) -> PaddleFlowClient:
        if self._api is None:
            if not self.user_id or not self.password:
                raise PaddleFlowSDKException("InvalidOperator", "should login first")
            self._api = self._new_api(self.user_id, self.password)
        return self._api

    def _run(self, call: Callable[[PaddleFlowClient], _Result]) -> tuple[bool, _Result | str]:
        """``(True, call(api))``, or ``(False, the server's message)`` when it refused."""
        api = self._client()
        try:
            return True, call(api)
        except ServerConnectionError as exc:
            raise PaddleFlowSDKException("ConnectionError", str(exc)) from None
        except PaddleFlowError as exc:
            return False, exc.message or exc.code or f"HTTP {exc.status}"

    def _done(self, call: Callable[[PaddleFlowClient], object]) -> tuple[bool, str | None]:
        """``(True, None)`` once ``call`` is done, or ``(False, message)`` when refused."""
        ok, answer = self._run(call)
        return (True, None) if ok else (False, str(answer))

    def _run_page(
        self, call: Callable[[PaddleFlowClient], tuple[_Result, str | None]]
    ) -> tuple[bool, _Result | str, str | None]:
        """``(True, items, next_marker)``, or ``(False, message, None)`` when refused."""
        ok, answer = self._run(call)
        if not ok or isinstance(answer, str):
            return False, str(answer), None
        items, next_marker = answer
        return True, items, next_marker


def require_text(value: str | None, code: str, message: str) -> None:
    """The SDK's client-side check of a required name: None, or only blanks, is refused."""
    if value is None or str(value).strip() == "":
        raise PaddleFlowSDKException(code, message)


def require_max_size(maxsize: Any) -> int:
    """The SDK's check of ``maxsize``: an int above 0."""
    if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize <= 0:
        raise PaddleFlowSDKException("InvalidRequest", "maxsize should be int and greater than 0")
    return maxsize
