"""The keys of a manifest that PaddleFlow accepts and ignores, each with its warning.

The rule and the key lists are ``pfctl.spec.fields``: a field of one of PaddleFlow's job request
structs written where the struct decoded there lacks it (``image`` at the top of a distributed
job) is valid, and warned about where it is written; a key of no struct stays an error (the
schema's "unknown key").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pfctl.spec.fields import ignored_keys
from pfctl.spec.paths import Path

__all__ = ["ignored_key_warnings"]


def ignored_key_warnings(kind: str, body: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    """The path and warning of each ignored key of a ``kind`` job's body (unset values already
    stripped), at the top level and in each member."""
    yield from _in_part(kind, (), body)
    members = body.get("members")
    if kind == "single" or not isinstance(members, list):
        return  # a single job's members are ignored as a whole
    for index, member in enumerate(members):
        if isinstance(member, Mapping):
            yield from _in_part("member", ("members", index), member)


def _in_part(part: str, path: Path, spec: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    ignored = ignored_keys(part)
    for key in spec:
        if key in ignored:
            yield (*path, key), ignored[key]
