"""The keys of PaddleFlow's job request structs, and the keys each part of a request ignores.

PaddleFlow decodes a create body into one Go struct per route (``pkg/apiserver/controller/job/
job.go`` at the pinned commit): ``CreateSingleJobRequest`` (CommonJobInfo + JobSpec),
``CreateDisJobRequest`` and ``CreateWfJobRequest`` (CommonJobInfo + framework, members,
extensionTemplate), each member a ``MemberSpec`` (CommonJobInfo + JobSpec + role, replicas).
Go's decoder skips a key its struct lacks, whatever its value.

pfctl's rule: a key that is a field of *some* of these structs but not of the one a part of the
request decodes into (``image`` at the top of a distributed job, as in PaddleFlow's own spark
example) is accepted with a warning that PaddleFlow ignores it; a key of no struct at all is a
typo and stays an error. ``UserName`` (CommonJobInfo's one key without a JSON name) is decoded
but never used: the server sets the job's user to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "COMMON_KEYS",
    "JOBSPEC_KEYS",
    "REQUEST_KEYS",
    "REQUEST_STRUCTS",
    "ignored_keys",
]

#: Keys of CommonJobInfo (PADDLEFLOW_API.md §4.0), at the top level and in every member.
COMMON_KEYS = ("id", "name", "labels", "annotations", "schedulingPolicy")
#: Keys of JobSpec (§4.0b): the top level of a single job, and every member.
JOBSPEC_KEYS = (
    "flavour",
    "limitFlavour",
    "fs",
    "extraFS",
    "image",
    "env",
    "command",
    "args",
    "port",
    "extensionTemplate",
)
_USER_NAME = "UserName"
_JOB_KEYS = ("framework", "members", "extensionTemplate")
_MEMBER_KEYS = ("role", "replicas")
#: The keys each part of a create request decodes: ``single``, ``distributed`` and ``workflow``
#: name the top level of that job type, ``member`` each element of ``members``.
REQUEST_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "single": (*COMMON_KEYS, *JOBSPEC_KEYS),
        "distributed": (*COMMON_KEYS, *_JOB_KEYS),
        "workflow": (*COMMON_KEYS, *_JOB_KEYS),
        "member": (*COMMON_KEYS, *JOBSPEC_KEYS, *_MEMBER_KEYS),
    }
)
#: The Go struct each part decodes into.
REQUEST_STRUCTS: Mapping[str, str] = MappingProxyType(
    {
        "single": "CreateSingleJobRequest",
        "distributed": "CreateDisJobRequest",
        "workflow": "CreateWfJobRequest",
        "member": "MemberSpec",
    }
)
_EVERY_KEY = tuple(dict.fromkeys(key for keys in REQUEST_KEYS.values() for key in keys))


def _where_instead(part: str, key: str) -> str:
    """What to do instead of writing ``key`` in ``part``."""
    if key in _MEMBER_KEYS:
        return "only a member of a distributed job has it"
    if part == "single":
        return "a distributed job has it; use `type: distributed` for members"
    if part == "member":
        return "members do not nest" if key == "members" else "set it on the job"
    if part == "workflow":
        return "the Argo Workflow in `extensionTemplate` says what runs"
    return "set it in each member"


def _ignored(part: str) -> Mapping[str, str]:
    own = REQUEST_KEYS[part]
    struct = REQUEST_STRUCTS[part]
    reasons = {
        key: f"`{key}` is ignored by PaddleFlow: {struct} has no such field; "
        + _where_instead(part, key)
        for key in _EVERY_KEY
        if key not in own
    }
    reasons[_USER_NAME] = (
        f"`{_USER_NAME}` is ignored by PaddleFlow: the server sets the job's user to the caller"
    )
    return MappingProxyType(reasons)


_IGNORED = {part: _ignored(part) for part in REQUEST_KEYS}


def ignored_keys(part: str) -> Mapping[str, str]:
    """The keys PaddleFlow accepts and ignores in ``part`` (``single``, ``distributed``,
    ``workflow`` or ``member``), each with the warning that says so."""
    return _IGNORED[part]
