"""No silent skips: without ``-R``, validate, diff and apply say once which sub-directories of a
directory they did not read, so that a manifest there cannot pass CI unseen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers.jobs import single_manifest, write_manifests

from .apply_helpers import RunPfctl

HINT = "2 sub-directories not read (nested, team-b); use -R to read them too"


def tree(root: Path, prefix: str) -> Path:
    jobs = root / "jobs"
    for folder in ("nested", "team-b", ".git"):
        (jobs / folder).mkdir(parents=True)
    write_manifests(jobs / "top.yaml", [single_manifest(f"{prefix}-top")])
    # Invalid, in a sub-directory: only -R finds it.
    write_manifests(jobs / "team-b" / "bad.yaml", [{"type": "single", "id": "Bad_Id"}])
    return jobs


def test_validate_says_once_what_it_did_not_read(
    pfctl: RunPfctl, tmp_path: Path, prefix: str
) -> None:
    jobs = tree(tmp_path, prefix)
    flat = pfctl("validate", str(jobs), server=None)
    assert flat.returncode == 0, flat.stderr
    assert flat.stderr.count("not read") == 1
    assert f"{jobs}:1:1: warning: $: {HINT}" in flat.stderr
    assert ".git" not in flat.stderr

    document = json.loads(pfctl("validate", str(jobs), "-o", "json", server=None).stdout)
    warnings = [p for p in document["problems"] if p["severity"] == "warning"]
    assert [w["message"] for w in warnings] == [HINT]

    deep = pfctl("validate", "-R", str(jobs), server=None)
    assert deep.returncode == 1  # the manifest in team-b is now read, and is invalid
    assert "not read" not in deep.stderr
    assert "bad.yaml" in deep.stdout


def test_diff_and_apply_say_it_too(
    pfctl: RunPfctl, tmp_path: Path, pf_server: Any, prefix: str
) -> None:
    jobs = tmp_path / "jobs"
    (jobs / "nested").mkdir(parents=True)
    (jobs / "team-b").mkdir()
    write_manifests(jobs / "top.yaml", [single_manifest(f"{prefix}-top")])
    for command in (["diff"], ["apply", "--dry-run"]):
        result = pfctl(*command, "-f", str(jobs), server=pf_server)
        assert result.returncode in {0, 1}, result.stderr
        assert result.stderr.count("not read") == 1
        assert f"{jobs}:1:1: warning: $: {HINT}" in result.stderr
