"""Help text shared by the commands."""

from __future__ import annotations

from typing import Any


def examples(*command_lines: str) -> str:
    """An ``Examples:`` epilog, kept line by line (click rewraps paragraphs not marked ``\\b``)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in command_lines)


def use_plain_argument_metavars() -> None:
    """Usage lines in one style, as docs/reference/commands.md prints them: a required argument
    is ``PATH``, an optional one ``[NAME]``, one that takes several ``JOBID...``.

    Typer writes a required argument as ``{PATH}`` and drops the ``...`` of a repeatable one
    whose metavar is given; this wraps its ``make_metavar`` once to write them as above.
    """
    from typer.core import TyperArgument

    original = TyperArgument.make_metavar
    if getattr(original, "_pfctl_plain", False):
        return

    def make_metavar(self: TyperArgument, ctx: Any, *, usage: bool = False) -> str:
        text = original(self, ctx, usage=usage)
        if not usage:
            return text
        optional = text.startswith("[") and text.endswith("]")
        inner = text[1:-1] if optional or (text.startswith("{") and text.endswith("}")) else text
        if self.nargs != 1 and not inner.endswith("..."):
            inner += "..."
        return f"[{inner}]" if optional else inner

    make_metavar._pfctl_plain = True  # type: ignore[attr-defined]
    TyperArgument.make_metavar = make_metavar  # type: ignore[method-assign]
