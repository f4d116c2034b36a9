"""Parameter substitution in the Argo Workflow subset the local executor runs.

The subset's check (``validate_workflow``, ``check_workflow``) lives in ``pfctl.spec.argo_subset``,
a light module that ``pfctl validate`` and job creation share; this module adds what only the
executor needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pfctl.spec.argo_subset import EXPRESSION

__all__ = ["parameter_values", "substitute"]


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
