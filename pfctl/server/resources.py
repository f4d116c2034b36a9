"""Resource arithmetic: a job's request, a queue's capacity, and their wire form.

Amounts are ``Decimal`` values keyed by resource name: ``cpu``, ``mem`` and any scalar resource
(``nvidia.com/gpu`` ...). A name missing from a mapping counts as zero, as in PaddleFlow's
``resources.LessEqual``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

Resources = dict[str, Decimal]

#: Looks up a registered flavour by name: ``{"cpu", "mem", "scalarResources"}`` or None.
FlavourLookup = Callable[[str], "Mapping[str, Any] | None"]

_CUSTOM_FLAVOUR_NAMES = {"", "customFlavour"}


def _parse(text: object) -> Decimal:
    from pfctl.spec.quantity import parse_quantity

    return parse_quantity(str(text))


def flavour_amounts(
    flavour: Mapping[str, Any] | None, lookup: FlavourLookup | None = None
) -> Resources:
    """The amounts one replica of ``flavour`` requests.

    A named flavour with no cpu/mem of its own is resolved through ``lookup`` (the server
    normally stores flavours already resolved). A flavour with nothing set requests nothing.
    """
    flavour = dict(flavour or {})
    name = str(flavour.get("name") or "")
    if name not in _CUSTOM_FLAVOUR_NAMES and not (flavour.get("cpu") or flavour.get("mem")):
        registered = lookup(name) if lookup is not None else None
        if registered is not None:
            flavour = {**flavour, **registered}
    amounts: Resources = {}
    cpu = flavour.get("cpu")
    mem = flavour.get("mem", flavour.get("memory"))
    if cpu:
        amounts["cpu"] = _parse(cpu)
    if mem:
        amounts["mem"] = _parse(mem)
    for scalar_name, value in (flavour.get("scalarResources") or {}).items():
        if value not in (None, ""):
            amounts[str(scalar_name)] = _parse(value)
    return amounts


def job_request(
    members: Iterable[Mapping[str, Any]], lookup: FlavourLookup | None = None
) -> Resources:
    """The sum over members of flavour x replicas."""
    total: Resources = {}
    for member in members:
        replicas = int(member.get("replicas") or 1)
        for resource_name, amount in flavour_amounts(member.get("flavour"), lookup).items():
            total[resource_name] = total.get(resource_name, Decimal(0)) + amount * replicas
    return total


def queue_capacity(max_resources: Mapping[str, Any] | None) -> Resources:
    """A queue's ``maxResources`` (``cpu``, ``mem``/``memory``, ``scalarResources``) as amounts."""
    return flavour_amounts({"name": "", **dict(max_resources or {})})


def add(left: Mapping[str, Decimal], right: Mapping[str, Decimal]) -> Resources:
    """``left + right``, name by name."""
    total = dict(left)
    for resource_name, amount in right.items():
        total[resource_name] = total.get(resource_name, Decimal(0)) + amount
    return total


def subtract(left: Mapping[str, Decimal], right: Mapping[str, Decimal]) -> Resources:
    """``left - right`` name by name, never below zero."""
    result = dict(left)
    for resource_name, amount in right.items():
        result[resource_name] = max(Decimal(0), result.get(resource_name, Decimal(0)) - amount)
    return result


def fits(request: Mapping[str, Decimal], available: Mapping[str, Decimal]) -> bool:
    """Whether every positive amount of ``request`` is within ``available`` (missing = 0)."""
    return all(
        amount <= available.get(resource_name, Decimal(0))
        for resource_name, amount in request.items()
        if amount > 0
    )


def _format_amount(amount: Decimal) -> str:
    normalized = amount.normalize()
    if normalized == normalized.to_integral_value():
        return str(int(normalized))
    return format(normalized, "f")


def _format_memory(amount: Decimal) -> str:
    units = (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024))
    for suffix, size in units:
        if amount >= size and amount % size == 0:
            return f"{int(amount // size)}{suffix}"
    return _format_amount(amount)


def to_wire(amounts: Mapping[str, Decimal]) -> dict[str, Any]:
    """The PaddleFlow response form: ``{"cpu", "memory", "scalarResources"?}``."""
    wire: dict[str, Any] = {
        "cpu": _format_amount(amounts.get("cpu", Decimal(0))),
        "memory": _format_memory(amounts.get("mem", Decimal(0))),
    }
    scalars = {
        name: _format_amount(amount)
        for name, amount in sorted(amounts.items())
        if name not in ("cpu", "mem")
    }
    if scalars:
        wire["scalarResources"] = scalars
    return wire


def to_strings(amounts: Mapping[str, Decimal]) -> dict[str, str]:
    """Quantity strings keyed by resource name (``{"cpu": "3", "mem": "6Gi", ...}``), every
    name present; ``cpu`` and ``mem`` always."""
    strings = {
        "cpu": _format_amount(amounts.get("cpu", Decimal(0))),
        "mem": _format_memory(amounts.get("mem", Decimal(0))),
    }
    for name, amount in sorted(amounts.items()):
        if name not in strings:
            strings[name] = _format_amount(amount)
    return strings
