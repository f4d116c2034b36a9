"""Running the real CLI with some of its streams on a pseudo-terminal: what a person at a
terminal sees (progress bars, prompts, tables fitted to the window, page hints)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tests.helpers.cli import pfctl_env


@dataclass(frozen=True)
class TerminalRun:
    """How the run ended: its exit code, its stdout when that was a pipe, and everything the
    terminal showed (``\\r\\n`` read as ``\\n``)."""

    code: int
    stdout: str
    shown: str


def run_on_terminal(
    args: list[str],
    server: Any,
    *,
    on_terminal: Collection[str] = ("stderr",),
    columns: int | None = None,
    prompt: bytes | None = None,
    answer: bytes = b"",
) -> TerminalRun:
    """``pfctl ARGS`` with the streams named in ``on_terminal`` (``stdin``, ``stdout``,
    ``stderr``) on one pseudo-terminal ``columns`` wide (then without ``COLUMNS``); when the
    terminal shows ``prompt``, ``answer`` is typed once."""
    import fcntl
    import pty
    import struct
    import termios

    primary, terminal = pty.openpty()
    env = pfctl_env(server)
    if columns is not None:
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        env.pop("COLUMNS", None)

    def stream(name: str, pipe: int | None) -> int | None:
        return terminal if name in on_terminal else pipe

    process = subprocess.Popen(
        [sys.executable, "-m", "pfctl", *args],
        stdin=stream("stdin", subprocess.DEVNULL),
        stdout=stream("stdout", subprocess.PIPE),
        stderr=stream("stderr", subprocess.PIPE),
        env=env,
    )
    os.close(terminal)
    shown = bytearray()
    answered = False

    def converse() -> None:
        nonlocal answered
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                return
            if not chunk:
                return
            shown.extend(chunk)
            if prompt is not None and not answered and prompt in shown:
                answered = True
                os.write(primary, answer)

    reader = threading.Thread(target=converse)
    reader.start()
    stdout, _ = process.communicate(timeout=240)
    reader.join(timeout=30)
    os.close(primary)
    text = shown.decode(errors="replace").replace("\r\n", "\n")
    return TerminalRun(process.returncode, (stdout or b"").decode(), text)
