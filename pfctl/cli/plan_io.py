"""What `pfctl diff` and `pfctl apply` share on the command line: reading the manifests,
printing a plan and saving it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer

from pfctl.cli.plan_options import PlanFormat
from pfctl.errors import PfctlError, UsageError

if TYPE_CHECKING:
    from pfctl.apply.model import DesiredJob, Plan, PlanOptions


def require_inputs(filename: list[str] | None) -> list[str]:
    """The ``-f`` paths; :class:`UsageError` when there are none."""
    if not filename:
        raise UsageError("no manifests given: pass -f PATH (a file, a directory or '-')")
    return filename


def save_plan(  # noqa: PLR0917 - the parts of one plan, in the order they were made
    out: str,
    client: Any,
    plan: Plan,
    desired: Sequence[DesiredJob],
    paths: list[str],
    recursive: bool,
    options: PlanOptions,
) -> None:
    """Write the plan to ``out`` with what it was computed from (:mod:`pfctl.apply.saved`)."""
    from pfctl.apply.saved import PlanContext, write_saved_plan

    context = PlanContext.for_client(client, inputs=paths, recursive=recursive, options=options)
    write_saved_plan(out, plan, desired, context)
    typer.echo(f"Saved the plan to {out}; carry it out with: pfctl apply {out}", err=True)


def load_desired(paths: list[str], recursive: bool, options: PlanOptions) -> list[DesiredJob]:
    """Load and check the manifests, printing their problems; the desired jobs, or an error
    (nothing is sent when any manifest is invalid)."""
    from pfctl.apply.selection import check_targets
    from pfctl.apply.steps import check_prune_input, load_manifest_files, require_valid
    from pfctl.cli.color import severity
    from pfctl.manifests.report import problem_line

    result = load_manifest_files(paths, recursive)
    for problem in result.problems:
        typer.echo(severity(problem_line(problem), stream=sys.stderr), err=True, color=True)
    check_prune_input(result, options)
    desired = require_valid(result)
    check_targets(options.selection, (job.id for job in desired))
    return desired


def print_plan(plan: Plan, output: PlanFormat, show_secrets: bool) -> None:
    """The plan on stdout, as text (coloured on a terminal) or JSON."""
    from pfctl.apply.render import render_json, render_text

    if output is PlanFormat.JSON:
        typer.echo(render_json(plan, show_secrets=show_secrets), nl=False)
    else:
        text = render_text(plan, color=use_color(), show_secrets=show_secrets)
        typer.echo(text, nl=False, color=True)


def use_color() -> bool:
    """Colour for stdout, as ``--color``, ``NO_COLOR`` and ``FORCE_COLOR`` say."""
    from pfctl.cli.color import enabled

    return enabled(sys.stdout)


def narrate(line: str) -> None:
    """One line of progress on stderr (a replace or a stop waiting for its job), escaped."""
    from pfctl.spec.paths import escape_text

    typer.echo(escape_text(line), err=True)


def confirm_once(question: str, *, yes: bool, what: str) -> None:
    """Ask ``question`` once on a terminal (stdin a TTY) unless ``yes``; anything but ``y``
    cancels with exit 1. Without a terminal the flags given are the consent.

    Asked on stderr and read from stdin by hand: click's prompt writes to stdout, which a
    script may be reading.
    """
    if yes or not sys.stdin.isatty():
        return
    sys.stderr.write(f"{question} [y/N]: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in {"y", "yes"}:
        raise PfctlError(f"{what} cancelled: nothing was changed")
