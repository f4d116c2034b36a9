"""The `pfctl` Typer application and its top-level error handler.

Every command module is imported here, so each must keep its module-level imports light:
heavy libraries (requests, jsonschema, deepdiff, the server stack) are imported inside the
functions that run a command.
"""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from pfctl import __version__
from pfctl.cli.color import ColorMode, set_mode, severity
from pfctl.errors import ExitCode, PfctlError

app = typer.Typer(
    name="pfctl",
    help="Declarative PaddleFlow jobs: validate, diff and apply job manifests, "
    "run the PaddleFlow job commands, and serve a local PaddleFlow-compatible job server.",
    no_args_is_help=True,
    # Plain help, as click prints it: rich's rendering doubles the time `--help` takes.
    rich_markup_mode=None,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pfctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    color: Annotated[
        ColorMode,
        typer.Option(
            "--color",
            help="Colour the output: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR "
            "forces it), always or never.",
            case_sensitive=False,
        ),
    ] = ColorMode.AUTO,
) -> None:
    """Declarative PaddleFlow jobs."""
    set_mode(color)


def _register_commands() -> None:
    from pfctl.cli import commands
    from pfctl.cli.help import use_plain_argument_metavars

    use_plain_argument_metavars()
    for register in commands.REGISTRARS:
        register(app)


_register_commands()


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI; expected errors print one line on stderr, never a traceback.

    Typer's standalone mode handles usage errors (exit 2), ``typer.Exit`` and Ctrl-C; what
    escapes it is either a ``PfctlError`` (expected) or a bug.
    """
    try:
        app(args=argv, prog_name="pfctl")
    except PfctlError as exc:
        from pfctl.spec.paths import escape_text

        # One line, whatever the message quotes (a manifest's key, a server's answer).
        # color=True: click would strip the colour of a pipe that FORCE_COLOR asks to colour.
        line = severity(f"error: {escape_text(str(exc))}", stream=sys.stderr)
        typer.echo(line, err=True, color=True)
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except BrokenPipeError:
        sys.exit(int(ExitCode.OK))
    except Exception as exc:
        import traceback

        traceback.print_exc()
        typer.echo(
            f"pfctl {__version__}: internal error ({type(exc).__name__}). "
            "This is a bug; please report it with the traceback above.",
            err=True,
        )
        sys.exit(int(ExitCode.INTERNAL))
    sys.exit(int(ExitCode.OK))
