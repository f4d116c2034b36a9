"""The destructive part of a plan: what apply lists, and asks about, before it changes anything.

A replace stops (when the job is still active), deletes and re-creates a job; a stop (a
``stopped: true`` manifest, or prune) ends a running job. Both lose work, so apply lists them
before the first request and, on a terminal, asks once (``--yes`` answers for the user).
Refused changes and plan errors are not carried out, so they are not asked about.
"""

from __future__ import annotations

from pfctl.apply.model import Action, JobAction, Plan
from pfctl.spec.paths import escape_text, format_field_path

DESTRUCTIVE_ACTIONS = frozenset({Action.REPLACE, Action.STOP})


def destructive_actions(plan: Plan) -> tuple[JobAction, ...]:
    """The replaces and stops apply will carry out (not refused, no plan error)."""
    return tuple(
        action
        for action in plan.actions
        if action.action in DESTRUCTIVE_ACTIONS and action.refusal is None and action.error is None
    )


def destructive_lines(actions: tuple[JobAction, ...]) -> list[str]:
    """A heading, then one line per destructive action saying what will happen and why."""
    if not actions:
        return []
    count = len(actions)
    lines = [f"{count} destructive change{'s' if count != 1 else ''}:"]
    for action in actions:
        status = action.live_status or "unknown status"
        if action.action is Action.REPLACE:
            fields = [format_field_path(c.path) for c in action.changes if c.forces_replacement]
            more = f" and {len(fields) - 3} more" if len(fields) > 3 else ""
            shown = ", ".join(fields[:3]) + more
            text = f"  -/+ {action.id} [{status}]: stop, delete and create again ({shown} changed)"
        else:
            why = action.reasons[-1] if action.reasons else "stop"
            text = f"  -   {action.id} [{status}]: stop ({why})"
        lines.append(escape_text(text))
    return lines


def confirmation_question(actions: tuple[JobAction, ...]) -> str:
    """The one question apply asks on a terminal before the first destructive action."""
    replaces = sum(1 for action in actions if action.action is Action.REPLACE)
    stops = len(actions) - replaces
    parts = []
    if replaces:
        parts.append(f"replace {replaces} job{'s' if replaces != 1 else ''}")
    if stops:
        parts.append(f"stop {stops} job{'s' if stops != 1 else ''}")
    return f"Apply will {' and '.join(parts)}. Go ahead?"
