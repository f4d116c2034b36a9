"""A member's limit flavour, from its env ``PF_JOB_LIMIT_FLAVOUR``, as PaddleFlow reads it at
create (``validateMembersResource`` in ``pkg/apiserver/controller/job/create.go``).

``NONE`` (any case) means no limits: the limit flavour is only that name. Any other name must be
a registered flavour (``get flavour[NAME] failed, err:record not found`` otherwise), and the
member's request must fit in it. PaddleFlow then sets the containers' limits from it; the local
executor, which runs no containers, records it (``limitFlavour`` of ``GET /job``) and does not
enforce it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pfctl.server.apierrors import ApiError
from pfctl.spec import resources
from pfctl.spec.framework_env import LIMIT_FLAVOUR, NO_LIMITS

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def limit_flavour(
    env: Mapping[str, Any] | None,
    request_flavour: Mapping[str, Any],
    resolve: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any] | None:
    """The member's limit flavour (None when its env names none); ``resolve`` looks a flavour
    up as the create path does. ``JobCreateFailed`` when the request exceeds it."""
    name = str((env or {}).get(LIMIT_FLAVOUR) or "")
    if not name:
        return None
    if name.upper() == NO_LIMITS:
        return {"name": name}
    limit = resolve({"name": name})
    request = resources.amounts(request_flavour)
    maximum = resources.amounts(limit)
    if not resources.fits(request, maximum):
        raise ApiError(
            "JobCreateFailed",
            f"request {resources.describe(request)} is greater than limit "
            f"{resources.describe(maximum)}",
        )
    return limit
