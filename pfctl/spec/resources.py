"""Resource arithmetic, the one copy: amounts, a job's request, comparisons, text forms.

The local server (its create check, scheduler and queue views) and apply's preflight (which
checks a plan against the server's queues and flavours) both measure jobs with these functions,
so that a plan and the create it announces agree.

Amounts are ``Decimal`` values keyed by resource name: ``cpu``, ``mem`` and any scalar resource
(``nvidia.com/gpu`` ...). A name missing from a mapping counts as zero, as in PaddleFlow's
``resources.LessEqual``. Quantity syntax itself ("500m", "4Gi") is ``pfctl.spec.quantity``'s.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from pfctl.spec.quantity import parse_quantity
from pfctl.spec.rules import CUSTOM_FLAVOURS

Resources = dict[str, Decimal]

#: Looks up a registered flavour by name: ``{"cpu", "mem", "scalarResources"}`` or None.
FlavourLookup = Callable[[str], "Mapping[str, Any] | None"]


_BINARY_UNITS = (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024))
#: What PaddleFlow gives a custom flavour that lacks cpu or mem (its scalarResources dropped).
CUSTOM_FLAVOUR_FALLBACK = {"cpu": "1", "mem": "1Gi"}


def parse_amount(text: object) -> Decimal:
    """A quantity (``"500m"``, ``"4Gi"``, ``2``) as an amount; ValueError when it is not one."""
    return _parsed(str(text))


# A plan of a thousand jobs names a handful of distinct quantities, each many times.
@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Decimal:
    return parse_quantity(text)


def amounts(resources: Mapping[str, Any]) -> Resources:
    """``{"cpu": "2", "mem": "4Gi", "scalarResources": {"nvidia.com/gpu": "1"}}`` as amounts
    keyed by resource name (``mem`` also read as ``memory``; unset or ``""`` values are left
    out); ValueError on a bad quantity."""
    found: Resources = {}
    cpu = resources.get("cpu")
    mem = resources.get("mem", resources.get("memory"))
    if cpu not in (None, ""):
        found["cpu"] = parse_amount(cpu)
    if mem not in (None, ""):
        found["mem"] = parse_amount(mem)
    for name, value in (resources.get("scalarResources") or {}).items():
        if value not in (None, ""):
            found[str(name)] = parse_amount(value)
    return found


def from_strings(strings: Mapping[str, str]) -> Resources:
    """The inverse of ``to_strings``: ``{"cpu": "3", "mem": "6Gi", ...}`` as amounts."""
    return {name: parse_amount(text) for name, text in strings.items()}


def custom_flavour(flavour: Mapping[str, Any]) -> dict[str, Any]:
    """A custom flavour (name ``""`` or ``customFlavour``) as PaddleFlow resolves it on create:
    its own ``cpu``, ``mem`` and ``scalarResources``, or ``CUSTOM_FLAVOUR_FALLBACK`` when cpu or
    mem is missing (PADDLEFLOW_API.md §7, §13 item 10)."""
    name, cpu, mem = (_text(flavour.get(key)) for key in ("name", "cpu", "mem"))
    if not cpu or not mem:
        return {"name": name, **CUSTOM_FLAVOUR_FALLBACK}
    resolved: dict[str, Any] = {"name": name, "cpu": cpu, "mem": mem}
    if flavour.get("scalarResources"):
        resolved["scalarResources"] = dict(flavour["scalarResources"])
    return resolved


def _text(value: object) -> str:
    return "" if value is None else str(value)


def flavour_amounts(
    flavour: Mapping[str, Any] | None, lookup: FlavourLookup | None = None
) -> Resources:
    """The amounts one replica of ``flavour`` requests.

    A named flavour with no cpu/mem of its own is resolved through ``lookup`` (the server
    stores flavours already resolved, so it passes none). A flavour with nothing set requests
    nothing.
    """
    flavour = dict(flavour or {})
    name = str(flavour.get("name") or "")
    if name not in CUSTOM_FLAVOURS and not (flavour.get("cpu") or flavour.get("mem")):
        registered = lookup(name) if lookup is not None else None
        if registered is not None:
            flavour = {**flavour, **registered}
    return amounts(flavour)


def job_request(
    members: Iterable[Mapping[str, Any]], lookup: FlavourLookup | None = None
) -> Resources:
    """The sum over members of flavour x replicas: what a job asks of its queue.

    A member without ``replicas`` counts zero times, as PaddleFlow counts it (Go's zero value in
    ``validateMembersResource``); only a member of a job with an ``extensionTemplate`` can lack
    one, since every other member is refused below one replica.
    """
    total: Resources = {}
    for member in members:
        replicas = int(member.get("replicas") or 0)
        for name, amount in flavour_amounts(member.get("flavour"), lookup).items():
            total[name] = total.get(name, Decimal(0)) + amount * replicas
    return total


def add(left: Mapping[str, Decimal], right: Mapping[str, Decimal]) -> Resources:
    """``left + right``, name by name."""
    total = dict(left)
    for name, amount in right.items():
        total[name] = total.get(name, Decimal(0)) + amount
    return total


def subtract(left: Mapping[str, Decimal], right: Mapping[str, Decimal]) -> Resources:
    """``left - right`` name by name, never below zero."""
    result = dict(left)
    for name, amount in right.items():
        result[name] = max(Decimal(0), result.get(name, Decimal(0)) - amount)
    return result


def remaining(maximum: Mapping[str, Decimal], used: Mapping[str, Decimal]) -> Resources:
    """``maximum - used`` for each name of ``maximum`` (negative when a lowered maximum is below
    what running jobs use)."""
    return {name: amount - used.get(name, Decimal(0)) for name, amount in maximum.items()}


def fits(request: Mapping[str, Decimal], available: Mapping[str, Decimal]) -> bool:
    """Whether every positive amount of ``request`` is within ``available`` (missing = 0)."""
    return all(
        amount <= available.get(name, Decimal(0)) for name, amount in request.items() if amount > 0
    )


def amount_text(amount: Decimal) -> str:
    """An amount as a plain number: ``2``, ``0.5``, ``21474836480``."""
    normalized = amount.normalize()
    if normalized == normalized.to_integral_value():
        return str(int(normalized))
    return format(normalized, "f")


def _binary_text(amount: Decimal, units: Iterable[tuple[str, int]] = _BINARY_UNITS) -> str:
    """``amount`` in the largest binary unit that divides it (``6Gi``), else a plain number."""
    for suffix, size in units:
        if amount >= size and amount % size == 0:
            return f"{int(amount // size)}{suffix}"
    return amount_text(amount)


def to_strings(amounts_by_name: Mapping[str, Decimal]) -> dict[str, str]:
    """Quantity strings keyed by resource name (``{"cpu": "3", "mem": "6Gi", ...}``), every
    name present; ``cpu`` and ``mem`` always."""
    strings = {
        "cpu": amount_text(amounts_by_name.get("cpu", Decimal(0))),
        "mem": _binary_text(amounts_by_name.get("mem", Decimal(0))),
    }
    for name, amount in sorted(amounts_by_name.items()):
        if name not in strings:
            strings[name] = amount_text(amount)
    return strings


def to_wire(amounts_by_name: Mapping[str, Decimal]) -> dict[str, Any]:
    """The PaddleFlow response form: ``{"cpu", "memory", "scalarResources"?}``."""
    strings = to_strings(amounts_by_name)
    wire: dict[str, Any] = {"cpu": strings.pop("cpu"), "memory": strings.pop("mem")}
    if strings:
        wire["scalarResources"] = strings
    return wire


def describe(amounts_by_name: Mapping[str, Decimal]) -> str:
    """``cpu: 8, mem: 16Gi, `` as the create error names a request and a queue's maximum:
    every name but ``cpu`` in Gi/Mi/Ki when the unit divides it."""
    parts = []
    for name, amount in amounts_by_name.items():
        binary = name != "cpu" and amount >= 1024 and amount == amount.to_integral_value()
        text = (
            _binary_text(amount, _BINARY_UNITS[1:]) if binary else format(amount.normalize(), "f")
        )
        parts.append(f"{name}: {text}, ")
    return "".join(parts)
