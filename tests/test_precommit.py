"""The `pfctl-validate` pre-commit hook, installed by pre-commit itself from a git repository
holding this project, run in another real git repository on good and bad manifests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
#: What pre-commit needs to install the hook: the package, its build config and the hook list.
HOOK_SOURCE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "pfctl", "schemas")

GOOD_MANIFEST = """\
type: single
id: hook-good
image: python:3.11
command: echo ok
"""
# `imagee` is misspelt: an unknown key, reported with its line and the closest known key.
BAD_MANIFEST = """\
type: single
id: hook-bad
imagee: python:3.11
command: echo bad
"""


def _git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def _pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _hook_distributions() -> set[str]:
    """The distributions in the Python environments pre-commit made for hooks."""
    cache = os.environ.get("PRE_COMMIT_HOME") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pre-commit"
    )
    found = Path(cache).glob("repo*/py_env-*/lib/python*/site-packages/*.dist-info")
    return {path.name.split("-")[0].lower() for path in found}


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("GIT_AUTHOR", "GIT_COMMITTER"):
        monkeypatch.setenv(f"{variable}_NAME", "pfctl tests")
        monkeypatch.setenv(f"{variable}_EMAIL", "tests@example.com")


@pytest.fixture
def hook_repo(tmp_path: Path, git_identity: None) -> tuple[Path, str]:
    """A git copy of this project with one commit; returns its path and the commit's sha."""
    source = tmp_path / "pfctl-source"
    source.mkdir()
    for name in HOOK_SOURCE_FILES:
        path = ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    _git(source, "init", "-q")
    _git(source, "add", ".")
    _git(source, "commit", "-q", "-m", "pfctl")
    return source, _git(source, "rev-parse", "HEAD")


def test_hook_definition_is_what_pre_commit_expects() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "pfctl-validate"
    assert hook["language"] == "python"
    assert hook["entry"].split()[:2] == ["pfctl", "validate"]


@pytest.mark.slow
def test_hook_accepts_good_manifests_and_blocks_a_commit_of_a_bad_one(
    tmp_path: Path, hook_repo: tuple[Path, str]
) -> None:
    source, sha = hook_repo
    work = tmp_path / "team-jobs"
    (work / "jobs").mkdir(parents=True)
    _git(work, "init", "-q")
    config = {"repos": [{"repo": str(source), "rev": sha, "hooks": [{"id": "pfctl-validate"}]}]}
    (work / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    (work / "jobs" / "good.yaml").write_text(GOOD_MANIFEST)
    # Not under jobs/ or manifests/: outside the hook's default `files:` pattern.
    (work / "ci.yaml").write_text("not: [a, manifest\n")
    _git(work, "add", ".")

    installed = _pre_commit(work, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    # A real commit runs the hook (pre-commit installs pfctl into its own environment here).
    _git(work, "commit", "-q", "-m", "good jobs")
    # This project, under its own distribution name; never PyPI's unrelated `pfctl`.
    installed_names = _hook_distributions()
    assert "pfctl_paddleflow" in installed_names and "pfctl" not in installed_names

    (work / "jobs" / "bad.yaml").write_text(BAD_MANIFEST)
    _git(work, "add", "jobs/bad.yaml")
    refused = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "bad job"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "pfctl validate" in output and "Failed" in output
    assert "jobs/bad.yaml:3:1" in output and "image" in output
    assert "hook-good" not in output  # --quiet: only problems are listed
    assert _git(work, "log", "--format=%s") == "good jobs"

    fixed = BAD_MANIFEST.replace("imagee", "image")
    (work / "jobs" / "bad.yaml").write_text(fixed)
    rerun = _pre_commit(work, "run", "--all-files")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "Passed" in rerun.stdout


@pytest.mark.parametrize(
    ("path", "checked"),
    [
        ("jobs/train.yaml", True),
        ("manifests/team/a.json", True),
        ("platform/jobs/b.yml", True),
        ("ci.yaml", False),
        (".github/workflows/pfctl.yml", False),
        ("jobs/README.md", False),
    ],
)
def test_default_files_pattern_picks_manifest_directories(path: str, checked: bool) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert bool(re.search(hook["files"], path)) is checked
