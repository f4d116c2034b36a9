"""The files an input names, and reading them: paths, directories (``-R``) and stdin (``-``).

Only regular files are read, and never more than ``MAX_FILE_BYTES`` of them: a FIFO would block
the read and a device (a symlink to ``/dev/zero``) would never end. A path named on the command
line that is neither a regular file nor a directory, a missing path, a directory without
manifest files and unreadable stdin raise ``InputError``. Inside a directory, an entry that is
not a regular file is skipped with a warning and a sub-directory that cannot be listed is an
error (``InputList.problems``); a file that cannot be read is a problem of its outcome.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from pfctl.errors import InputError
from pfctl.manifests.model import DOCUMENT_PATH, Problem

__all__ = [
    "MANIFEST_SUFFIXES",
    "MAX_FILE_BYTES",
    "STDIN",
    "STDIN_NAME",
    "InputList",
    "NotRead",
    "find_inputs",
    "list_inputs",
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
#: Opening a FIFO for reading waits for a writer unless non-blocking (no such flag on Windows).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_READ_CHUNK = 1024 * 1024


class NotRead(Exception):
    """A file that was not read: not a regular file, or larger than ``MAX_FILE_BYTES``."""


@dataclass
class InputList:
    """The files to read in order (``-`` for stdin), and what listing the directories found:
    a warning per entry skipped (not a regular file), an error per directory that could not
    be listed."""

    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    """One warning per directory whose sub-directories were not read (no ``-R``): a manifest
    there must not pass unseen. Unlike ``problems``, these inputs were left out by choice."""


def find_inputs(paths: Sequence[str], *, recursive: bool) -> list[str]:
    """The files to read, in order, without repeats; ``-`` stands for stdin."""
    return list_inputs(paths, recursive=recursive).files


def list_inputs(paths: Sequence[str], *, recursive: bool) -> InputList:
    """The files to read, in order, without repeats, and the problems of listing them."""
    found = InputList()
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            candidates = [STDIN]
        else:
            mode = _mode(given)
            if stat.S_ISDIR(mode):
                candidates = _directory_files(given, recursive=recursive, problems=found.problems)
                if not recursive:
                    found.notices.extend(_unread_subdirectories(given))
            elif stat.S_ISREG(mode):
                candidates = [given]
            else:
                raise InputError(
                    f"{given}: not a regular file ({file_kind(mode)}); "
                    "only regular files are read (use '-' to read stdin)"
                )
        for candidate in candidates:
            key = candidate if candidate == STDIN else os.path.abspath(candidate)
            if key not in seen:
                seen.add(key)
                found.files.append(candidate)
    return found


def _mode(path: str) -> int:
    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def file_kind(mode: int) -> str:
    """What a file of ``mode`` is, in words: ``a FIFO``, ``a character device`` ..."""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a file"


def _directory_files(directory: str, *, recursive: bool, problems: list[Problem]) -> list[str]:
    files: list[str] = []
    try:
        _walk(directory, recursive, files, problems, set())
    except OSError as exc:
        raise InputError(f"{directory}: cannot read directory: {exc.strerror or exc}") from None
    if not files and not problems:
        hint = "" if recursive else " (use -R to read its subdirectories)"
        raise InputError(f"{directory}: no *.yaml, *.yml or *.json files{hint}")
    return files


def _unread_subdirectories(directory: str) -> list[Problem]:
    """A warning naming the sub-directories of ``directory`` that are not read without ``-R``
    (hidden ones aside), or nothing."""
    try:
        with os.scandir(directory) as listing:
            names = sorted(
                entry.name
                for entry in listing
                if not entry.name.startswith(".") and _is_directory(entry)
            )
    except OSError:
        return []
    if not names:
        return []
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    count = f"{len(names)} sub-director{'ies' if len(names) != 1 else 'y'}"
    message = f"{count} not read ({shown}); use -R to read them too"
    return [Problem(directory, 1, 1, DOCUMENT_PATH, message, "warning")]


def _is_directory(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _walk(
    directory: str,
    recursive: bool,
    files: list[str],
    problems: list[Problem],
    visited: set[tuple[int, int]],
) -> None:
    """The manifest files of ``directory`` in name order, then (``recursive``) those of its
    sub-directories, each read once even when symlinks lead to it again."""
    info = os.stat(directory)
    identity = (info.st_dev, info.st_ino)
    if identity in visited:
        return  # reached again through a symlink: its files are listed already
    visited.add(identity)
    with os.scandir(directory) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    subdirectories: list[str] = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_directory = entry.is_dir()
        except OSError:
            is_directory = False
        if is_directory:
            if recursive:
                subdirectories.append(entry.path)
        elif name.endswith(MANIFEST_SUFFIXES):
            _add_file(entry, files, problems)
    for path in subdirectories:
        try:
            _walk(path, recursive, files, problems, visited)
        except OSError as exc:
            message = f"cannot read directory: {exc.strerror or exc}"
            problems.append(Problem(path, 1, 1, DOCUMENT_PATH, message))


def _add_file(entry: os.DirEntry[str], files: list[str], problems: list[Problem]) -> None:
    try:
        regular = entry.is_file()
    except OSError:
        regular = False
    if regular:
        files.append(entry.path)
        return
    try:
        mode = os.stat(entry.path).st_mode
    except OSError:
        files.append(entry.path)  # a dangling symlink: checking it reports why it is unreadable
        return
    message = f"not a regular file ({file_kind(mode)}); skipped"
    problems.append(Problem(entry.path, 1, 1, DOCUMENT_PATH, message, "warning"))


def read_stdin() -> str:
    """Up to one byte more than ``MAX_FILE_BYTES`` of stdin, each byte as one character."""
    try:
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read stdin: {exc.strerror or exc}") from exc
    return data.decode("latin-1")  # bytes carried losslessly; decoded as UTF-8 when checked


def read_bytes(path: str) -> bytes:
    """The bytes of the regular file at ``path``.

    Raises ``NotRead`` for a file that is not a regular one (without waiting on a FIFO) or is
    larger than ``MAX_FILE_BYTES`` (however its size is reported), ``OSError`` when it cannot
    be read (``IsADirectoryError`` for a directory).
    """
    # Not pathlib: it interns every part of every path it parses, a table that only grows.
    descriptor = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if not stat.S_ISREG(info.st_mode):
            raise NotRead(f"not a regular file ({file_kind(info.st_mode)})")
        if info.st_size > MAX_FILE_BYTES:
            raise NotRead(f"file is too large: {info.st_size} bytes (limit {size_limit()})")
        # The whole file in one read when its size is right, up to the limit if it grew.
        chunks = [os.read(descriptor, info.st_size + 1)]
        total = len(chunks[0])
        while chunks[-1] and total <= MAX_FILE_BYTES:
            chunks.append(os.read(descriptor, min(_READ_CHUNK, MAX_FILE_BYTES + 1 - total)))
            total += len(chunks[-1])
    finally:
        os.close(descriptor)
    if total > MAX_FILE_BYTES:
        raise NotRead(f"file is too large: more than {size_limit()}")
    return chunks[0] if len(chunks) <= 2 else b"".join(chunks)


def size_limit() -> str:
    """``MAX_FILE_BYTES`` for messages: ``10 MiB``."""
    return f"{MAX_FILE_BYTES // (1024 * 1024)} MiB"
