"""The PaddleFlow SDK client: a typed client of the PaddleFlow v1 job API and a drop-in
facade with the PaddleFlow Python SDK's signatures.

``pfctl.client.PaddleFlowClient`` is the client pfctl itself uses; ``pfctl.client.Client`` is the
PaddleFlow-SDK-compatible facade (``Client``, ``JobRequest``, ``JobInfo``, ``(ok, result)``
returns). Names are loaded on first use, so importing a light submodule such as
``pfctl.client.config`` or ``pfctl.client.errors``, or a light name such as ``JobRequest``, does
not import ``requests``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pfctl.client.api import JobPage, PaddleFlowClient, RetryPolicy
    from pfctl.client.config import ClientSettings, resolve_settings
    from pfctl.client.errors import (
        AuthenticationError,
        ConflictError,
        InvalidRequestError,
        NotFoundError,
        PaddleFlowError,
        PermissionDeniedError,
        ServerConnectionError,
        ServerError,
    )
    from pfctl.client.sdk import Client, PaddleFlowSDKException
    from pfctl.client.sdk_models import (
        FileSystem,
        Flavour,
        FlavourInfo,
        GrantInfo,
        JobInfo,
        JobRequest,
        LogInfoByLimit,
        Member,
        QueueInfo,
        UserInfo,
        VersionInfo,
    )
    from pfctl.client.tokens import TokenCache
    from pfctl.client.waiting import WaitResult, wait_for_jobs
    from pfctl.spec.statuses import FINAL_STATUSES, is_final

_EXPORTS = {
    "pfctl.client.api": ("JobPage", "PaddleFlowClient", "RetryPolicy"),
    "pfctl.client.sdk": ("Client", "PaddleFlowSDKException"),
    "pfctl.client.sdk_models": (
        "FileSystem",
        "Flavour",
        "FlavourInfo",
        "GrantInfo",
        "JobInfo",
        "JobRequest",
        "LogInfoByLimit",
        "Member",
        "QueueInfo",
        "UserInfo",
        "VersionInfo",
    ),
    "pfctl.client.config": ("ClientSettings", "resolve_settings"),
    "pfctl.client.errors": (
        "AuthenticationError",
        "ConflictError",
        "InvalidRequestError",
        "NotFoundError",
        "PaddleFlowError",
        "PermissionDeniedError",
        "ServerConnectionError",
        "ServerError",
    ),
    "pfctl.client.tokens": ("TokenCache",),
    "pfctl.client.waiting": ("WaitResult", "wait_for_jobs"),
    "pfctl.spec.statuses": ("FINAL_STATUSES", "is_final"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "FINAL_STATUSES",
    "AuthenticationError",
    "Client",
    "ClientSettings",
    "ConflictError",
    "FileSystem",
    "Flavour",
    "FlavourInfo",
    "GrantInfo",
    "InvalidRequestError",
    "JobInfo",
    "JobPage",
    "JobRequest",
    "LogInfoByLimit",
    "Member",
    "NotFoundError",
    "PaddleFlowClient",
    "PaddleFlowError",
    "PaddleFlowSDKException",
    "PermissionDeniedError",
    "QueueInfo",
    "RetryPolicy",
    "ServerConnectionError",
    "ServerError",
    "TokenCache",
    "UserInfo",
    "VersionInfo",
    "WaitResult",
    "is_final",
    "resolve_settings",
    "wait_for_jobs",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'pfctl.client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
