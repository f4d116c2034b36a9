"""The error root and the exit codes of every pfctl command.

Hierarchy::

    PfctlError                 an expected failure: one clean line, no traceback
    ├── UsageError             bad flags or arguments            -> ExitCode.USAGE
    ├── InputError             unreadable input (file, stdin)    -> ExitCode.USAGE
    └── ConfigError            configuration cannot be used      -> ExitCode.USAGE

The SDK client defines its own subtree under ``PfctlError`` (``pfctl.client.errors``).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, shared by all commands (see docs/exit-codes.md)."""

    OK = 0
    #: validate: some manifest invalid; diff: changes pending; apply/job: some operation failed.
    FAILURE = 1
    #: usage error, unreadable input, or (for diff/apply) an error that prevented the run.
    USAGE = 2
    #: an unexpected internal error: a bug in pfctl.
    INTERNAL = 3
    #: interrupted with Ctrl-C.
    INTERRUPTED = 130


class PfctlError(Exception):
    """An expected failure, reported as one line without a traceback."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class UsageError(PfctlError):
    """The command line cannot be acted on."""

    exit_code = ExitCode.USAGE


class InputError(PfctlError):
    """An input file or stream cannot be read at all."""

    exit_code = ExitCode.USAGE


class ConfigError(PfctlError):
    """The configuration in force cannot be used."""

    exit_code = ExitCode.USAGE
