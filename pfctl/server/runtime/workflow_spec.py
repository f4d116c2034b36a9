"""Parameter substitution and node requests in the Argo Workflow subset the local executor runs.

The subset's check (``validate_workflow``, ``check_workflow``) lives in ``pfctl.spec.argo_subset``,
a light module that ``pfctl validate`` and job creation share; this module adds what only the
executor needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pfctl.spec.argo_subset import EXPRESSION
from pfctl.spec.resources import Resources, parse_amount

__all__ = ["node_request", "parameter_values", "substitute"]


def substitute(value: Any, variables: Mapping[str, str]) -> Any:
    """``value`` with every ``{{ name }}`` in its strings replaced from ``variables``.

    Raises KeyError naming the first expression that has no value.
    """
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            return variables[match.group(1)]

        return EXPRESSION.sub(replace, value)
    if isinstance(value, Mapping):
        return {key: substitute(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, variables) for item in value]
    return value


def parameter_values(holder: Any) -> dict[str, str | None]:
    """``{name: value}`` of an ``arguments``/``inputs`` object (value or default; None if unset)."""
    values: dict[str, str | None] = {}
    if not isinstance(holder, Mapping):
        return values
    for parameter in holder.get("parameters") or []:
        if isinstance(parameter, Mapping) and isinstance(parameter.get("name"), str):
            raw = parameter.get("value", parameter.get("default"))
            values[parameter["name"]] = None if raw is None else str(raw)
    return values


def node_request(body: Mapping[str, Any]) -> Resources:
    """What a container or script asks of its queue: its ``resources.requests`` as amounts keyed
    as queues key them (``memory`` is ``mem``). ValueError on a value that is not a quantity."""
    resources = body.get("resources")
    requests = resources.get("requests") if isinstance(resources, Mapping) else None
    if not isinstance(requests, Mapping):
        return {}
    amounts: Resources = {}
    for name, value in requests.items():
        amount = parse_amount(value)
        if amount < 0:
            raise ValueError(f"{name}: {value!r} is negative")
        amounts["mem" if name == "memory" else str(name)] = amount
    return amounts
