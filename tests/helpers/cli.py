"""Running the CLI: in a subprocess as a user runs it (``run_pfctl``, ``start_pfctl``), or its entry
point in the test's own process (``in_process_pfctl``, fast, for many small calls).

``server`` is a handle with a ``url`` (or the URL itself) and becomes ``PFCTL_SERVER``; ``env``
adds to (or overrides) the test's environment. ``NO_COLOR=1`` is always set.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

import pytest


def pfctl_env(server: Any = None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test's environment, ``PFCTL_SERVER`` (when ``server`` is given), ``NO_COLOR`` and
    ``env``."""
    result = {**os.environ, "NO_COLOR": "1"}
    if server is not None:
        result["PFCTL_SERVER"] = server if isinstance(server, str) else server.url
    result.update(env or {})
    return result


def run_pfctl(
    *args: str,
    server: Any = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 240,
) -> subprocess.CompletedProcess[str]:
    """``python -m pfctl ARGS`` to its end, output captured as text; never raises on exit codes."""
    return subprocess.run(
        [sys.executable, "-m", "pfctl", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=pfctl_env(server, env),
        timeout=timeout,
        check=False,
    )


def start_pfctl(
    *args: str,
    server: Any = None,
    env: Mapping[str, str] | None = None,
    stderr: int | IO[Any] = subprocess.PIPE,
) -> subprocess.Popen[str]:
    """``python -m pfctl ARGS`` started, stdout (and by default stderr) piped as text; the caller
    ``communicate()``s with it."""
    return subprocess.Popen(
        [sys.executable, "-m", "pfctl", *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=pfctl_env(server, env),
    )


@dataclass
class Result:
    """What an in-process run of the CLI ended with."""

    code: int
    out: str
    err: str


def in_process_pfctl(
    server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """``run(*args, stdin="")``: ``pfctl ARGS`` through its entry point in this process against
    ``server`` (``PFCTL_SERVER`` set with ``monkeypatch``); a ``Result``."""
    from pfctl.cli.main import main

    monkeypatch.setenv("PFCTL_SERVER", server.url)

    def run(*args: str, stdin: str = "") -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        code = exit_info.value.code
        return Result(code if isinstance(code, int) else 1, captured.out, captured.err)

    return run
