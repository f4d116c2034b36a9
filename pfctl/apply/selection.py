"""Which manifests a plan covers: ``-l/--selector``, ``--target`` and ``--exclude``.

The selector speaks kubectl's equality syntax: requirements separated by commas, each
``key=value``, ``key==value``, ``key!=value``, ``key`` (the label is set) or ``!key`` (it is not).
A job is selected when it meets every requirement, its id is among the targets (when any are
given) and it is not excluded. As in kubectl, ``key!=value`` also selects a job without the key,
and a label whose value is empty counts as absent (pfctl deletes a label by emptying it).

Prune only considers live jobs that the selection would select, by their live labels; a live
job whose manifest was read but left out is never pruned (:func:`pfctl.apply.planner.plan_changes`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from pfctl.errors import UsageError

# A Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name of at most 63
# characters. A real PaddleFlow server copies labels onto Kubernetes objects.
_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_PREFIX = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_KEY = re.compile(rf"({_PREFIX}/)?{_NAME}\Z")
_PREFIX_MAX = 253
_VALUE = re.compile(rf"({_NAME})?\Z")
_OPERATOR = re.compile(r"(==|!=|=)")


class Operator(str, Enum):
    """How one requirement compares a label."""

    EQUALS = "="
    NOT_EQUALS = "!="
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"


@dataclass(frozen=True)
class Requirement:
    """One comma-separated part of a selector."""

    key: str
    operator: Operator
    value: str = ""

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` meet this requirement (an empty value counts as absent)."""
        present = bool(labels.get(self.key))
        if self.operator is Operator.EXISTS:
            return present
        if self.operator is Operator.DOES_NOT_EXIST:
            return not present
        equal = present and labels.get(self.key) == self.value
        if self.operator is Operator.EQUALS:
            return equal
        return not equal

    def __str__(self) -> str:
        if self.operator is Operator.EXISTS:
            return self.key
        if self.operator is Operator.DOES_NOT_EXIST:
            return f"!{self.key}"
        return f"{self.key}{self.operator.value}{self.value}"


def parse_selector(text: str) -> tuple[Requirement, ...]:
    """The requirements of ``text``; :class:`UsageError` naming the part that does not parse."""
    requirements = []
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            raise UsageError(f"invalid selector {text!r}: an empty requirement")
        requirements.append(_requirement(part, text))
    return tuple(requirements)


def _requirement(part: str, text: str) -> Requirement:
    def invalid(why: str) -> UsageError:
        return UsageError(f"invalid selector {text!r}: {part!r} {why}")

    found = _OPERATOR.search(part)
    if found is None:
        negated = part.startswith("!")
        key = part[1:].strip() if negated else part
        _check_key(key, invalid)
        return Requirement(key, Operator.DOES_NOT_EXIST if negated else Operator.EXISTS)
    key, value = part[: found.start()].strip(), part[found.end() :].strip()
    _check_key(key, invalid)
    if _OPERATOR.search(value) or not _VALUE.match(value):
        raise invalid(
            "has an invalid value: use at most 63 letters, digits, '-', '_' or '.', starting "
            "and ending with a letter or digit"
        )
    operator = Operator.NOT_EQUALS if found.group() == "!=" else Operator.EQUALS
    return Requirement(key, operator, value)


def _check_key(key: str, invalid: Callable[[str], UsageError]) -> None:
    if not key:
        raise invalid("has no label key")
    prefix = key.rpartition("/")[0]
    if not _KEY.match(key) or len(prefix) > _PREFIX_MAX:
        raise invalid(
            "has an invalid label key: a name of at most 63 letters, digits, '-', '_' or '.', "
            "optionally after a DNS prefix and '/'"
        )


@dataclass(frozen=True)
class Selection:
    """The jobs a plan covers; the default selects every job."""

    requirements: tuple[Requirement, ...] = ()
    targets: frozenset[str] = frozenset()
    excludes: frozenset[str] = frozenset()

    @property
    def selects_everything(self) -> bool:
        """True when no selector, target or exclusion was given."""
        return not (self.requirements or self.targets or self.excludes)

    def selects(self, job_id: str, labels: Mapping[str, str]) -> bool:
        """Whether the job ``job_id`` with ``labels`` is in the selection."""
        if job_id in self.excludes:
            return False
        if self.targets and job_id not in self.targets:
            return False
        return all(requirement.matches(labels) for requirement in self.requirements)

    def describe(self) -> dict[str, object]:
        """The selection as JSON values: ``selector`` text (or None), ``targets``, ``excludes``."""
        return {
            "selector": ",".join(str(r) for r in self.requirements) or None,
            "targets": sorted(self.targets),
            "excludes": sorted(self.excludes),
        }


def selection_from_options(
    selector: str | None, targets: Iterable[str] = (), excludes: Iterable[str] = ()
) -> Selection:
    """The selection of ``-l``, ``--target`` and ``--exclude`` (:class:`UsageError` for a
    selector that does not parse or an empty id)."""
    targets, excludes = list(targets), list(excludes)
    for flag, ids in (("--target", targets), ("--exclude", excludes)):
        if any(not job_id.strip() for job_id in ids):
            raise UsageError(f"{flag} needs a job id")
    requirements = parse_selector(selector) if selector is not None else ()
    return Selection(requirements, frozenset(targets), frozenset(excludes))


def check_targets(selection: Selection, manifest_ids: Iterable[str]) -> None:
    """:class:`UsageError` when a ``--target`` names no manifest (a typo would otherwise plan
    nothing and report success)."""
    missing = sorted(selection.targets - set(manifest_ids))
    if missing:
        names = ", ".join(missing)
        raise UsageError(
            f"--target {names}: no manifest has {'this id' if len(missing) == 1 else 'these ids'}"
        )
