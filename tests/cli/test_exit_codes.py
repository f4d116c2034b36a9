"""One rule for exit codes, checked for every command and every cause (docs/exit-codes.md):

* 1: the command ran and the answer is "no" (invalid manifests or job files, a job that does
  not exist, changes pending for diff);
* 2: the command could not run (usage, unreadable input, configuration, no server, the login
  refused); ``pfctl diff`` reports every error as 2, since its 1 means "changes".

Each row runs the real entry point in this process against the real local server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import Result, in_process_pfctl
from tests.helpers.jobs import single_manifest, write_manifests
from tests.helpers.server import free_port

OK, NO, CANNOT = 0, 1, 2
MISSING_JOB = "job-does-not-exist"
MISSING_NAME = "does-not-exist"

#: Every command that talks to a server, with arguments that are fine apart from the cause.
SERVER_COMMANDS: dict[str, list[str]] = {
    "diff": ["diff", "-f", "{good}"],
    "apply": ["apply", "-f", "{good}"],
    "apply --dry-run": ["apply", "--dry-run", "-f", "{good}"],
    "delete": ["delete", "-f", "{good}"],
    "job create": ["job", "create", "single", "{jobfile}"],
    "job show": ["job", "show", MISSING_JOB],
    "job list": ["job", "list"],
    "job update": ["job", "update", MISSING_JOB, "--priority", "HIGH"],
    "job stop": ["job", "stop", MISSING_JOB],
    "job delete": ["job", "delete", MISSING_JOB],
    "job logs": ["job", "logs", MISSING_JOB],
    "job wait": ["job", "wait", MISSING_JOB, "--timeout", "5"],
    "queue list": ["queue", "list"],
    "queue show": ["queue", "show", MISSING_NAME],
    "queue create": ["queue", "create", MISSING_NAME, "default", "1", "1Gi"],
    "queue update": ["queue", "update", MISSING_NAME, "--maxcpu", "1"],
    "queue delete": ["queue", "delete", MISSING_NAME],
    "queue grant": ["queue", "grant", MISSING_NAME, "default-queue"],
    "queue ungrant": ["queue", "ungrant", MISSING_NAME, "default-queue"],
    "queue grantlist": ["queue", "grantlist"],
    "flavour list": ["flavour", "list"],
    "flavour show": ["flavour", "show", MISSING_NAME],
    "flavour create": ["flavour", "create", MISSING_NAME, "-c", "1", "-m", "1Gi"],
    "flavour update": ["flavour", "update", MISSING_NAME, "-c", "1"],
    "flavour delete": ["flavour", "delete", MISSING_NAME],
}
#: Commands naming a queue, flavour or user that does not exist.
NAMED_COMMANDS = ("queue show", "queue update", "queue delete", "queue grant", "queue ungrant")
NAMED_COMMANDS += ("flavour show", "flavour update", "flavour delete")
#: Commands that read manifests or a job file.
INPUT_COMMANDS: dict[str, list[str]] = {
    "validate": ["validate", "{input}"],
    "diff": ["diff", "-f", "{input}"],
    "apply": ["apply", "-f", "{input}"],
    "apply --dry-run": ["apply", "--dry-run", "-f", "{input}"],
    "delete": ["delete", "-f", "{input}"],
    "job create": ["job", "create", "single", "{input}"],
}
ALL_COMMANDS = sorted({*SERVER_COMMANDS, *INPUT_COMMANDS, "server status", "config view", "schema"})
EXTRA_ARGS = {"server status": ["server", "status"], "config view": ["config", "view"]}


def rows() -> list[tuple[str, str, int]]:
    table: list[tuple[str, str, int]] = []
    for command in ALL_COMMANDS:
        table.append(("unknown flag", command, CANNOT))
    for command in INPUT_COMMANDS:
        table.append(("missing input", command, CANNOT))
        table.append(("invalid input", command, CANNOT if command == "diff" else NO))
    for command in SERVER_COMMANDS:
        table.append(("no server", command, CANNOT))
        table.append(("wrong password", command, CANNOT))
        table.append(("bad configuration", command, CANNOT))
    for command in SERVER_COMMANDS:
        if command.startswith("job ") and command not in {"job create", "job list"}:
            table.append(("job not found", command, NO))
    for command in NAMED_COMMANDS:
        table.append(("queue, flavour or user not found", command, NO))
    table.append(("changes pending", "diff", NO))
    return table


def command_args(command: str, files: dict[str, str], table: dict[str, list[str]]) -> list[str]:
    template = table.get(command) or EXTRA_ARGS.get(command) or command.split()
    return [part.format(**files) for part in template]


@pytest.fixture
def run(
    pf_server: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Result]:
    return in_process_pfctl(pf_server, capsys, monkeypatch)


@pytest.mark.parametrize(("cause", "command", "expected"), rows())
def test_the_same_cause_gives_the_same_code(  # noqa: PLR0917 - fixtures and the row
    run: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    prefix: str,
    cause: str,
    command: str,
    expected: int,
) -> None:
    good = write_manifests(tmp_path / "good.yaml", [single_manifest(f"{prefix}-a")])
    jobfile = tmp_path / "job.json"
    jobfile.write_text('{"image": "busybox", "command": "true"}')
    invalid = tmp_path / "invalid.json"
    invalid.write_text('{"type": "single", "id": "Not_Valid", "image": 3}')
    files = {"good": str(good), "jobfile": str(jobfile), "input": ""}
    extra: list[str] = []
    table = SERVER_COMMANDS
    if cause == "unknown flag":
        table = {**INPUT_COMMANDS, **SERVER_COMMANDS}
        files["input"] = str(good if command != "job create" else jobfile)
        extra = ["--no-such-flag"]
    elif cause == "missing input":
        table, files["input"] = INPUT_COMMANDS, str(tmp_path / "nope.yaml")
    elif cause == "invalid input":
        table, files["input"] = INPUT_COMMANDS, str(invalid)
    elif cause == "no server":
        monkeypatch.setenv("PFCTL_SERVER", f"http://127.0.0.1:{free_port()}")
    elif cause == "wrong password":
        extra = ["--password", "not-the-password"]
    elif cause == "bad configuration":
        monkeypatch.setenv("PFCTL_REQUEST_TIMEOUT", "soon")
    result = run(*command_args(command, files, table), *extra)
    assert result.code == expected, (result.out, result.err)
    if expected != OK:
        assert "Traceback" not in result.err
        assert (result.err + result.out).strip(), "a negative answer says why"


@pytest.mark.parametrize(
    "args",
    [
        ["job", "wait", MISSING_JOB, "--timeout"],
        ["job", "wait", MISSING_JOB, "--interval"],
        ["apply", "-f", "jobs.yaml", "--timeout"],
        ["delete", "-f", "jobs.yaml", "--timeout"],
    ],
)
def test_every_timeout_and_interval_reads_durations(
    run: Callable[..., Result], args: list[str]
) -> None:
    refused = run(*args, "1h30x")
    assert refused.code == CANNOT
    assert f"Invalid value for '{args[-1]}': invalid duration '1h30x'" in refused.err
    if args[0] == "job":
        accepted = run(*args, "1m30s")
        assert accepted.code == NO, accepted.err  # parsed; the job does not exist
