"""Help text shared by the commands."""

from __future__ import annotations


def examples(*command_lines: str) -> str:
    """An ``Examples:`` epilog, kept line by line (click rewraps paragraphs not marked ``\\b``)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in command_lines)
