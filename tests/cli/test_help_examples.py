"""Every example in the commands' help parses: its options and arguments exist as written."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from pfctl.cli.main import app


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    # Typer's click classes (typer vendors click): groups are what has sub-commands.
    if hasattr(group, "commands"):
        for name, command in group.commands.items():
            yield from commands(command, (*path, name))
    else:
        yield path


ROOT = typer.main.get_command(app)
ALL = list(commands(ROOT))


def example_lines(command: Any) -> list[str]:
    epilog = command.epilog or ""
    return [line.strip() for line in epilog.splitlines()[2:] if line.strip()]


def pfctl_words(line: str) -> list[str]:
    """The words after `pfctl` of an example, without a pipe before it or a redirection after."""
    command = line.rsplit("|", maxsplit=1)[-1].split(">", maxsplit=1)[0]
    words = shlex.split(command)
    assert words[0] == "pfctl", line
    return words[1:]


def test_the_main_commands_have_examples() -> None:
    with_examples = {path for path in ALL if example_lines(_command(path))}
    for path in [("validate",), ("diff",), ("apply",), ("job", "create"), ("job", "list")]:
        assert path in with_examples


def _command(path: tuple[str, ...]) -> Any:
    command: Any = ROOT
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", ALL, ids=[" ".join(path) for path in ALL])
def test_each_example_parses(path: tuple[str, ...]) -> None:
    command = _command(path)
    for line in example_lines(command):
        words = pfctl_words(line)
        assert tuple(words[: len(path)]) == path, line
        context = command.make_context(" ".join(path), words[len(path) :])
        assert context.params is not None
