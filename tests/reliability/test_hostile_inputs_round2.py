"""Hostile inputs, round 2 (issue 14, items 9 to 12): what pfctl cannot fully read is never pruned
against, values nothing can send are refused where they are written and at the server, and no
text a manifest or a server chooses can start a line of pfctl's output.

Tests run as root in CI, where ``chmod 000`` makes nothing unreadable: input that cannot be read
is made of things that fail for root too (a directory deeper than PATH_MAX, a dangling symlink,
a FIFO, a symlink to a device).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pfctl.client import ClientSettings, PaddleFlowClient, TokenCache
from tests.helpers.api import Api, assert_error
from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import single_manifest, unique_id, write_manifests
from tests.helpers.server import ServerHandle

pytestmark = pytest.mark.timeout(300)


def _deeper_than_path_max(parent: Path) -> Path:
    """A directory under ``parent`` whose deepest sub-directory's path is longer than PATH_MAX,
    holding a manifest there: listing it fails (ENAMETOOLONG) for root as for anyone. Returns
    the first level."""
    component = "d" * 250
    descriptor = os.open(parent, os.O_RDONLY)
    try:
        for _ in range(18):
            os.mkdir(component, dir_fd=descriptor)
            inner = os.open(component, os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        manifest = os.open("deep.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor)
        os.write(manifest, b"type: single\nid: deep\nimage: busybox\n")
        os.close(manifest)
    finally:
        os.close(descriptor)
    return parent / component


def _root_client(server: ServerHandle) -> PaddleFlowClient:
    settings = ClientSettings.for_server(server.url, server.user, server.password)
    return PaddleFlowClient(settings, token_cache=TokenCache.in_memory())


# Each way of making a part of the input unreadable, as root: (its name, make it in a directory
# and return the path the refusal must name, what the refusal says of it).
UNREADABLE: list[tuple[str, Callable[[Path], Path], str]] = [
    (
        "a sub-directory deeper than PATH_MAX",
        _deeper_than_path_max,
        "cannot read directory: File name too long",
    ),
    (
        "a dangling symlink",
        lambda directory: _symlink(directory / "gone.yaml", directory / "nowhere.yaml"),
        "cannot read file: No such file or directory",
    ),
    (
        "a symlink loop",
        lambda directory: _symlink(directory / "loop.yaml", directory / "loop.yaml"),
        "cannot read file: Too many levels of symbolic links",
    ),
    (
        "a symlink to /dev/zero",
        lambda directory: _symlink(directory / "zero.yaml", Path("/dev/zero")),
        "not a regular file (a character device); skipped",
    ),
    (
        "a FIFO",
        lambda directory: _fifo(directory / "fifo.yaml"),
        "not a regular file (a FIFO); skipped",
    ),
]


def _symlink(path: Path, target: Path) -> Path:
    path.symlink_to(target)
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("what", "make", "reason"), UNREADABLE, ids=[case[0] for case in UNREADABLE]
)
def test_prune_is_refused_when_part_of_the_input_cannot_be_read(
    api_server: ServerHandle,
    tmp_path: Path,
    what: str,
    make: Callable[[Path], Path],
    reason: str,
) -> None:
    prefix = unique_id("prune")
    apply_set = f"{prefix}-set"
    jobs = tmp_path / "jobs"
    (jobs / "team").mkdir(parents=True)
    write_manifests(jobs / "top.yaml", [single_manifest(f"{prefix}-top")])
    write_manifests(jobs / "team" / "team.yaml", [single_manifest(f"{prefix}-team")])
    args = ("-R", "-f", str(jobs), "--apply-set", apply_set)
    first = run_pfctl("apply", *args, server=api_server)
    assert first.returncode == 0, first.stderr
    # The team's manifests now live where they cannot be read, next to what breaks the listing.
    (jobs / "team" / "team.yaml").unlink()
    unreadable = make(jobs / "team")
    for command in ("diff", "apply"):
        refused = run_pfctl(command, *args, "--prune", server=api_server, timeout=60)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "Traceback" not in refused.stderr
        last = refused.stderr.splitlines()[-1]
        assert last.startswith(f"error: --prune refused: {unreadable}"), last
        assert reason in last, last
    with _root_client(api_server) as client:
        for job in ("top", "team"):
            assert client.get_job(f"{prefix}-{job}")["status"] == "init", job


def test_a_lone_surrogate_is_a_located_problem_never_a_traceback(
    api_server: ServerHandle, tmp_path: Path
) -> None:
    in_id = tmp_path / "id.json"
    in_id.write_text('{"type": "single", "id": "job-\\ud800", "image": "busybox"}')
    validated = run_pfctl("validate", str(in_id))
    assert validated.returncode == 1, validated.stderr
    assert validated.stdout.splitlines()[0] == (
        f"{in_id}:1:26: error: $.id: the string holds a lone UTF-16 surrogate (\\ud800), which is "
        "not a character: write the character itself or its full surrogate pair"
    )
    job_id = unique_id("surrogate")
    in_label = tmp_path / "label.json"
    in_label.write_text(
        json.dumps(
            {"type": "single", "id": job_id, "image": "busybox", "labels": {"a": "x"}}
        ).replace('"x"', '"x\\udc00"')
    )
    for command in ("diff", "apply"):
        refused = run_pfctl(command, "-f", str(in_label), server=api_server)
        # invalid manifests: apply says "no" (1); diff keeps 1 for "changes pending"
        assert refused.returncode == (2 if command == "diff" else 1), refused.stderr
        assert "Traceback" not in refused.stderr
        assert f"{in_label}:1:" in refused.stderr
        assert "error: $.labels.a: the string holds a lone UTF-16 surrogate (\\udc00)" in (
            refused.stderr
        )
    with _root_client(api_server) as client:
        assert not [job for job in client.iter_jobs() if job["id"] == job_id]


NEEDS_400 = [
    (
        "a number beyond a double in the template",
        "single",
        '{"image": "busybox", "command": "true", "extensionTemplate": '
        '{"apiVersion": "v1", "kind": "Pod", "spec": {"weight": 1e400}}}',
        "MalformedJSON",
        "json: cannot unmarshal number inf into Go struct field "
        "CreateSingleJobRequest.extensionTemplate of type float64",
    ),
    (
        "replicas of 2^63",
        "distributed",
        '{"framework": "paddle", "members": [{"role": "worker", "replicas": 2, "image": "x"}, '
        '{"role": "worker", "replicas": 9223372036854775808, "image": "x"}]}',
        "MalformedJSON",
        "json: cannot unmarshal number 9223372036854775808 into Go struct field "
        "CreateDisJobRequest.members.replicas of type int",
    ),
    (
        "replicas of 1e20",
        "distributed",
        '{"framework": "paddle", "members": [{"role": "worker", "replicas": 2, "image": "x"}, '
        '{"role": "worker", "replicas": 1e20, "image": "x"}]}',
        "MalformedJSON",
        "json: cannot unmarshal number 1e+20 into Go struct field "
        "CreateDisJobRequest.members.replicas of type int",
    ),
    (
        "replicas beyond 32 bits",
        "distributed",
        '{"framework": "paddle", "members": [{"role": "worker", "replicas": 2, "image": "x"}, '
        '{"role": "worker", "replicas": 3000000000, "image": "x"}]}',
        "JobCreateFailed",
        "replicas must be at most 2147483647",
    ),
    (
        "an env name with =",
        "single",
        '{"image": "busybox", "command": "true", "env": {"A=B": "1"}}',
        "JobCreateFailed",
        "env name 'A=B' must not contain '=': it would end the name in the environment",
    ),
    (
        "a NUL in the command",
        "single",
        '{"image": "busybox", "command": "echo a\\u0000b"}',
        "JobCreateFailed",
        "command must not contain a NUL character (\\u0000)",
    ),
    (
        "a NUL in an env value",
        "single",
        '{"image": "busybox", "command": "true", "env": {"A": "\\u0000"}}',
        "JobCreateFailed",
        "an env value must not contain a NUL character (\\u0000)",
    ),
]


@pytest.mark.parametrize("case", NEEDS_400, ids=[case[0] for case in NEEDS_400])
def test_the_server_refuses_what_nothing_can_send_with_a_400(
    root_api: Api, case: tuple[str, str, str, str, str]
) -> None:
    _, job_type, body, code, message = case
    response = root_api.post(
        f"/job/{job_type}", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, code, message)


def test_text_a_manifest_or_a_server_chooses_never_starts_a_line(
    api_server: ServerHandle,
    tmp_path: Path,
    scripted_server: Callable[[list[tuple[int, dict[str, Any] | None]]], tuple[str, list[str]]],
) -> None:
    manifest = tmp_path / "forged.yaml"
    manifest.write_text(
        'type: single\nid: forged\nimage: busybox\n"x\\nother.yaml:1:1: error: forged": 1\n'
        '"zw\\u200b": 2\n'
    )
    for command in ("diff", "apply"):
        result = run_pfctl(command, "-f", str(manifest), server=api_server)
        assert result.returncode == (2 if command == "diff" else 1), result.stderr
        lines = result.stderr.splitlines()
        assert lines[:2] == [
            f'{manifest}:4:1: error: $["x\\nother.yaml:1:1: error: forged"]: unknown key '
            "`x\\nother.yaml:1:1: error: forged`",
            f'{manifest}:5:1: error: $["zw\\u200b"]: unknown key `zw\\u200b`',
        ]
    url, _ = scripted_server(
        [(404, {"requestID": "r", "code": "JobNotFound", "message": "no\nerror: forged\u202e"})]
    )
    shown = run_pfctl("job", "show", "job-a", server=url)
    assert shown.returncode == 1
    assert shown.stderr.splitlines() == [
        "error: JobNotFound: no\\nerror: forged\\u202e (HTTP 404, request id r)"
    ]
