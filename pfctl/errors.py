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
    """Process exit codes, one rule for every command (docs/exit-codes.md)."""

    OK = 0
    #: The command ran and the answer is "no": invalid manifests or job files, changes pending
    #: (diff), a job failed or was refused, the server refused or failed the operation.
    FAILURE = 1
    #: The command could not run: usage, unreadable input, configuration, no answer from the
    #: server, the login refused. (``pfctl diff`` reports every error as 2: its 1 means changes.)
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
