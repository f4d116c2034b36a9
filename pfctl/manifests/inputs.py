"""The files an input names, and reading them: paths, directories (``-R``) and stdin (``-``).

Only input that cannot be used at all (a missing path, a directory without manifest files,
unreadable stdin) raises ``InputError``; a file that cannot be read is a problem of its outcome.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

from pfctl.errors import InputError

__all__ = [
    "MANIFEST_SUFFIXES",
    "MAX_FILE_BYTES",
    "STDIN",
    "STDIN_NAME",
    "find_inputs",
    "read_bytes",
    "read_stdin",
    "size_limit",
]

#: Files larger than this are refused: a manifest is a few kilobytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: The path that stands for stdin, and the name problems of stdin carry.
STDIN = "-"
STDIN_NAME = "<stdin>"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def find_inputs(paths: Sequence[str], *, recursive: bool) -> list[str]:
    """The files to read, in order, without repeats; ``-`` stands for stdin."""
    found: list[str] = []
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            candidates: Iterable[str] = [STDIN]
        elif os.path.isdir(given):
            candidates = _directory_files(given, recursive=recursive)
        elif os.path.exists(given):
            candidates = [given]
        else:
            raise InputError(f"{given}: no such file or directory")
        for candidate in candidates:
            key = candidate if candidate == STDIN else os.path.abspath(candidate)
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _directory_files(directory: str, *, recursive: bool) -> list[str]:
    files: list[str] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(name for name in dirs if not name.startswith(".")) if recursive else []
        files.extend(
            os.path.join(root, name)
            for name in sorted(names)
            if name.endswith(MANIFEST_SUFFIXES) and not name.startswith(".")
        )
    if not files:
        hint = "" if recursive else " (use -R to read its subdirectories)"
        raise InputError(f"{directory}: no *.yaml, *.yml or *.json files{hint}")
    return files


def read_stdin() -> str:
    """Up to one byte more than ``MAX_FILE_BYTES`` of stdin, each byte as one character."""
    try:
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read stdin: {exc.strerror or exc}") from exc
    return data.decode("latin-1")  # bytes carried losslessly; decoded as UTF-8 when checked


def read_bytes(path: str) -> bytes:
    """The bytes of the file at ``path`` (``OSError`` when it cannot be read)."""
    # Not pathlib: it interns every part of every path it parses, a table that only grows.
    with open(path, "rb") as stream:
        return stream.read()


def size_limit() -> str:
    """``MAX_FILE_BYTES`` for messages: ``10 MiB``."""
    return f"{MAX_FILE_BYTES // (1024 * 1024)} MiB"
