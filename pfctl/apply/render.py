"""Plans as text a reviewer reads and as JSON a program reads (the format is in docs/apply.md).

Secret-looking env values are masked in both unless the caller asks for them (DESIGN.md §4.11).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pfctl.apply.applier import ApplyReport, JobResult, Outcome
from pfctl.apply.model import Action, FieldChange, JobAction, Plan
from pfctl.spec.paths import escape_text, format_field_path
from pfctl.spec.secrets import MASK, mask_value

if TYPE_CHECKING:
    from pfctl.apply.wait import WaitReport

#: Version of the JSON plan document; bumped on incompatible changes.
PLAN_FORMAT_VERSION = 1
ABSENT = "(absent)"

_SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.STOP: "-",
    Action.NOOP: "=",
}
_COLORS = {
    Action.CREATE: "32",  # green
    Action.UPDATE: "33",  # yellow
    Action.REPLACE: "35",  # magenta
    Action.STOP: "31",  # red
    Action.NOOP: "0",
}
_WARNING_COLOR = "33"
_RESET = "\x1b[0m"


def shown_change(change: FieldChange, show_secrets: bool) -> FieldChange:
    """The change as it may be shown: masked unless ``show_secrets``."""
    if show_secrets:
        return change
    return FieldChange(
        change.path,
        mask_value(change.path, change.before),
        mask_value(change.path, change.after),
        change.forces_replacement,
    )


def summary_line(plan: Plan) -> str:
    """``Plan: 1 to create, ...`` or ``No changes: N unchanged.``"""
    counts = plan.counts()
    if not plan.has_changes:
        left_out = f"; {plan.left_out} left out by the selection" if plan.left_out else ""
        return f"No changes: {counts['noop']} unchanged{left_out}."
    text = (
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['replace']} to replace, {counts['stop']} to stop, {counts['noop']} unchanged"
    )
    extra = []
    if counts["refused"]:
        extra.append(f"{counts['refused']} refused")
    if counts["errors"]:
        extra.append(f"{counts['errors']} {'error' if counts['errors'] == 1 else 'errors'}")
    if extra:
        text += f" ({', '.join(extra)})"
    if plan.left_out:
        text += f"; {plan.left_out} manifest{'s' if plan.left_out != 1 else ''} left out"
    return text + "."


def warning_lines(plan: Plan, *, color: bool = False) -> list[str]:
    """The plan's warnings, one line each: ``warning: job-a: why`` (``warning: why`` for a
    warning about the whole plan)."""
    return [
        _paint(
            escape_text(
                f"warning: {warning.job_id}: {warning.message}"
                if warning.job_id
                else f"warning: {warning.message}"
            ),
            _WARNING_COLOR,
            color,
        )
        for warning in plan.warnings
    ]


def render_text(plan: Plan, *, color: bool = False, show_secrets: bool = False) -> str:
    """The per-job diff: changed jobs with their fields, warnings, then the summary line.

    Every line is escaped (``escape_text``): a manifest's text never starts a line of its own.
    """
    lines: list[str] = []
    for action in plan.actions:
        if action.is_change:
            lines.extend(_job_lines(action, color=color, show_secrets=show_secrets))
    lines.extend(warning_lines(plan, color=color))
    if lines:
        lines.append("")
    lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"


def plan_document(plan: Plan, *, show_secrets: bool = False) -> dict[str, Any]:
    """The machine plan: every job with its action, changes and reasons, warnings, summary."""
    return {
        "formatVersion": PLAN_FORMAT_VERSION,
        "changed": plan.has_changes,
        "jobs": [_job_document(action, show_secrets) for action in plan.actions],
        "errors": [{"id": a.id, "message": a.error} for a in plan.errors],
        "warnings": [{"id": w.job_id or None, "message": w.message} for w in plan.warnings],
        "summary": plan.counts(),
        "leftOut": plan.left_out,
    }


def render_json(plan: Plan, *, show_secrets: bool = False) -> str:
    """:func:`plan_document` as indented JSON text."""
    return json.dumps(plan_document(plan, show_secrets=show_secrets), indent=2) + "\n"


def format_value(value: Any) -> str:
    """A JSON value on one line; ``(absent)`` for a missing field."""
    if value is None:
        return ABSENT
    if value == MASK:
        return MASK
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _job_lines(action: JobAction, *, color: bool, show_secrets: bool) -> list[str]:
    symbol = _SYMBOLS[action.action]
    head = f"{symbol} {action.id}"
    if action.job_type:
        head += f" ({action.job_type})"
    if action.live_status:
        head += f" [{action.live_status}]"
    if action.location is not None:
        head += f"  {action.location}"
    lines = [_paint(escape_text(head), _COLORS[action.action], color)]
    if action.error:
        error = escape_text(f"    # error: {action.error}")
        lines.append(_paint(error, _COLORS[Action.STOP], color))
    if action.refusal:
        refusal = escape_text(f"    # refused: {action.refusal}")
        lines.append(_paint(refusal, _WARNING_COLOR, color))
    for note in action.notes:
        lines.append(escape_text(f"    # {note}"))
    for reason in action.reasons:
        if action.action is not Action.CREATE:
            lines.append(escape_text(f"    # {reason}"))
    for change in action.changes:
        shown = shown_change(change, show_secrets)
        if action.action is Action.CREATE:
            text = f"{format_field_path(shown.path)}: {format_value(shown.after)}"
        else:
            text = (
                f"{format_field_path(shown.path)}: {format_value(shown.before)} -> "
                f"{format_value(shown.after)}"
            )
        if shown.forces_replacement:
            text += "  # forces replacement"
        lines.append(f"    {escape_text(text)}")
    return lines


def _job_document(action: JobAction, show_secrets: bool) -> dict[str, Any]:
    changes = []
    for change in action.changes:
        shown = shown_change(change, show_secrets)
        changes.append(
            {
                "path": format_field_path(shown.path),
                "segments": list(shown.path),
                "before": shown.before,
                "after": shown.after,
                "forcesReplacement": shown.forces_replacement,
            }
        )
    return {
        "id": action.id,
        "type": action.job_type,
        "action": action.action.value,
        "status": action.live_status,
        "source": str(action.location) if action.location is not None else None,
        "changes": changes,
        "reasons": list(action.reasons),
        "refused": action.refusal,
        "error": action.error,
        "notes": list(action.notes),
    }


def _paint(text: str, code: str, color: bool) -> str:
    if not color or code == "0":
        return text
    return f"\x1b[{code}m{text}{_RESET}"


def result_line(result: JobResult) -> str:
    """One line per job an apply changed or failed: ``created job-a``, ``failed job-b: why``."""
    text = f"{result.outcome.value} {result.id}"
    if result.message and result.outcome is not Outcome.UNCHANGED:
        text += f": {result.message}"
    return escape_text(text)


def apply_summary_line(report: ApplyReport) -> str:
    """``Apply complete: N created, ..., N failed.`` (``Apply failed`` when any job failed)."""
    head = "Apply complete" if report.ok else "Apply failed"
    return f"{head}: {report.summary()}."


def wait_lines(waited: WaitReport) -> list[str]:
    """What a wait found, job by job: each job that ended unsuccessfully with its message
    (``failed train-c: job is failed, replica worker-0 exited with code 3``), each job that
    disappeared, then the jobs still running at the timeout (the first 20 named)."""
    named_at_most = 20
    lines = []
    for job_id in waited.unsuccessful:
        message = waited.messages.get(job_id, "")
        line = f"{waited.statuses.get(job_id, 'unsuccessful')} {job_id}"
        lines.append(f"{line}: {message}" if message else line)
    lines.extend(f"gone {job_id}: the job no longer exists" for job_id in waited.gone)
    if waited.pending:
        named = ", ".join(waited.pending[:named_at_most])
        more = len(waited.pending) - named_at_most
        lines.append(
            f"still running at the timeout: {named}" + (f" and {more} more" if more > 0 else "")
        )
    return [escape_text(line) for line in lines]


def wait_document(waited: WaitReport) -> dict[str, Any]:
    """The result of ``--wait`` in the machine report of an apply."""
    return {
        "ok": waited.ok,
        "statuses": dict(waited.statuses),
        "counts": waited.counts(),
        "unsuccessful": list(waited.unsuccessful),
        "messages": dict(waited.messages),
        "gone": list(waited.gone),
        "pending": list(waited.pending),
    }


def apply_document(
    report: ApplyReport, plan: Plan, waited: WaitReport | None = None
) -> dict[str, Any]:
    """The machine report of an apply: each job's outcome, the warnings, the summary, and the
    result of ``--wait`` (``None`` without it)."""
    return {
        "formatVersion": PLAN_FORMAT_VERSION,
        "ok": report.ok,
        "jobs": [
            {
                "id": result.id,
                "outcome": result.outcome.value,
                "action": result.action.action.value,
                "message": result.message or None,
            }
            for result in report.results
        ],
        "warnings": [{"id": w.job_id or None, "message": w.message} for w in plan.warnings],
        "summary": report.counts(),
        "wait": wait_document(waited) if waited is not None else None,
    }
