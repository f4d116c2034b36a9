"""Values a job body may hold only within limits: what PaddleFlow's Go decoder and a process can
take. ``pfctl.spec.rules`` runs these on the body of a single job and on each member.

A number with a fraction or an exponent (``1e20``) where PaddleFlow decodes a Go ``int``
(``replicas``, ``port``), or one beyond 64 bits, fails the whole request on a real server; a NUL
character cannot be passed to a process (image, command, args, env), nor can an env name with
``=``, which ends the name in the environment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pfctl.spec.paths import Path

__all__ = [
    "GO_INT_MAX",
    "GO_INT_MIN",
    "MAX_REPLICAS",
    "Finding",
    "env_name_error",
    "go_int_findings",
    "process_field_findings",
]

#: (path, message, whether the key at the path is at fault rather than its value)
Finding = tuple[Path, str, bool]

#: The most replicas of one member: Kubernetes counts replicas in 32 bits.
MAX_REPLICAS = 2**31 - 1
#: PaddleFlow decodes ``replicas`` and ``port`` into Go's 64-bit ``int``.
GO_INT_MIN, GO_INT_MAX = -(2**63), 2**63 - 1
_NUL_MESSAGE = "{what} must not contain a NUL character (\\u0000)"


def go_int_findings(path: Path, spec: Mapping[str, Any]) -> Iterator[Finding]:
    """``replicas`` and ``port`` of one member (or single job) at ``path`` that PaddleFlow
    cannot decode into a Go ``int``."""
    for key in ("replicas", "port"):
        value = spec.get(key)
        if isinstance(value, float):
            yield (
                (*path, key),
                f"{key} must be an integer without a fraction or an exponent "
                f"(PaddleFlow reads it as a Go int), got {value!r}",
                False,
            )
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not GO_INT_MIN <= value <= GO_INT_MAX
        ):
            yield (*path, key), f"{key} {value} is beyond the range of a 64-bit integer", False


def process_field_findings(path: Path, spec: Mapping[str, Any]) -> Iterator[Finding]:
    """What the process of one member (or single job) at ``path`` could not be given: a NUL
    in ``image``, ``command``, ``args`` or an env value, an env name that is not one."""
    for key in ("image", "command"):
        value = spec.get(key)
        if isinstance(value, str) and "\0" in value:
            yield (*path, key), _NUL_MESSAGE.format(what=key), False
    args = spec.get("args")
    for index, arg in enumerate(args if isinstance(args, list) else []):
        if isinstance(arg, str) and "\0" in arg:
            yield (*path, "args", index), _NUL_MESSAGE.format(what="an argument"), False
    env = spec.get("env")
    for name, value in (env if isinstance(env, Mapping) else {}).items():
        if not isinstance(name, str):
            continue
        message = env_name_error(name)
        if message:
            yield (*path, "env", name), message, True
        if isinstance(value, str) and "\0" in value:
            yield (*path, "env", name), _NUL_MESSAGE.format(what="an env value"), False


def env_name_error(name: str) -> str | None:
    """Why ``name`` cannot name an environment variable, or None: it must be non-empty
    printable ASCII without ``=`` (Kubernetes' rule; older clusters allow fewer)."""
    if not name:
        return "an env name must not be empty"
    if "=" in name:
        return f"env name {name!r} must not contain '=': it would end the name in the environment"
    if not (name.isascii() and name.isprintable()):
        return f"env name {name!r} must consist of printable ASCII characters"
    return None
