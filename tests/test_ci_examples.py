"""The CI examples in docs/ci/ run their pfctl steps for real: the shell of each step, as GitHub
Actions and GitLab CI would run it, against the session's local server, in a checkout holding
manifests in jobs/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "docs" / "ci" / "github-actions.yml"
GITLAB = ROOT / "docs" / "ci" / "gitlab-ci.yml"


def _manifest(job_id: str) -> str:
    return f"type: single\nid: {job_id}\nimage: python:3.11\ncommand: 'true'\n"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A working copy with one new job manifest in jobs/."""
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "train.yaml").write_text(_manifest(f"ci-{uuid.uuid4().hex[:10]}"))
    return tmp_path


def _environment(pf_server: Any, variables: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        **variables,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PFCTL_SERVER": pf_server.url,
        "PFCTL_USER": pf_server.user,
        "PFCTL_PASSWORD": pf_server.password,
        **extra,
    }


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub's default shell on Linux is `bash -e {0}`; GitLab stops at the first failing line.
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def _github_step(job: str, name: str) -> str:
    workflow = yaml.safe_load(GITHUB.read_text())
    (step,) = [step for step in workflow["jobs"][job]["steps"] if step.get("name") == name]
    return str(step["run"])


def _github_env() -> dict[str, str]:
    return {key: str(value) for key, value in yaml.safe_load(GITHUB.read_text())["env"].items()}


def _apply(checkout: Path, env: dict[str, str]) -> None:
    subprocess.run(
        ["pfctl", "apply", "-R", "-f", "jobs/", "--apply-set", env["APPLY_SET"]],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
    )


def _distribution_name() -> str:
    match = re.search(r'^name = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert match is not None
    return match.group(1)


#: An install command naming `pfctl` itself: on PyPI that is an unrelated project.
FOREIGN_INSTALL = re.compile(r"\b(pip|pipx|uv pip) install\b[^\n;&|]*?(?<![\w@/.-])pfctl(?![\w-])")


def test_the_distribution_is_not_pypis_pfctl() -> None:
    assert _distribution_name() == "pfctl-paddleflow"
    assert FOREIGN_INSTALL.search("pip install -q pfctl") is not None
    assert FOREIGN_INSTALL.search('pipx install "pfctl"') is not None
    assert FOREIGN_INSTALL.search("pip install pfctl-paddleflow==1") is None
    assert FOREIGN_INSTALL.search("pipx install pfctl-paddleflow && pfctl version") is None
    assert (
        FOREIGN_INSTALL.search("pip install 'pfctl-paddleflow @ git+https://x/o/pfctl@v1'") is None
    )


def test_every_example_installs_this_project_pinned() -> None:
    from pfctl import __version__

    pinned = f"{_distribution_name()}=={__version__}"
    assert _github_env()["PFCTL_PACKAGE"] == pinned
    assert _gitlab()["variables"]["PFCTL_PACKAGE"] == pinned
    workflow = yaml.safe_load(GITHUB.read_text())
    installs = [
        step["run"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "install" in str(step.get("run", ""))
    ]
    assert installs and set(installs) == {'pip install "$PFCTL_PACKAGE"'}
    assert _gitlab()[".pfctl"]["before_script"] == ['pip install --quiet "$PFCTL_PACKAGE"']
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), GITHUB, GITLAB]
    pages.append(ROOT / ".pre-commit-hooks.yaml")
    foreign = [
        f"{page.relative_to(ROOT)}: {match.group(0)}"
        for page in pages
        for match in FOREIGN_INSTALL.finditer(page.read_text(encoding="utf-8"))
    ]
    assert foreign == []


def test_github_workflow_runs_on_pull_requests_and_diff_needs_validate() -> None:
    workflow = yaml.safe_load(GITHUB.read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as True
    assert "pull_request" in triggers
    assert workflow["jobs"]["diff"]["needs"] == "validate"


def test_github_validate_step_passes_valid_and_fails_invalid_manifests(
    pf_server: Any, checkout: Path
) -> None:
    env = _environment(pf_server, _github_env())
    script = _github_step("validate", "Validate")
    assert _run(script, checkout, env).returncode == 0
    (checkout / "jobs" / "broken.yaml").write_text("type: single\nid: broken\nimagee: x\n")
    failed = _run(script, checkout, env)
    assert failed.returncode == 1
    assert "::error file=jobs/broken.yaml,line=3,col=1::" in failed.stdout


def test_github_diff_step_reports_changes_then_none(
    pf_server: Any, checkout: Path, tmp_path: Path
) -> None:
    outputs = tmp_path / "github-output"
    env = _environment(pf_server, _github_env(), GITHUB_OUTPUT=str(outputs))
    script = _github_step("diff", "Diff")

    pending = _run(script, checkout, env)
    assert pending.returncode == 0, pending.stderr
    assert "changes pending" in pending.stdout
    assert outputs.read_text().splitlines() == ["changes=true"]

    _apply(checkout, env)
    outputs.unlink()
    clean = _run(script, checkout, env)
    assert clean.returncode == 0, clean.stderr
    assert outputs.read_text().splitlines() == ["changes=false"]


def test_github_diff_step_fails_when_it_cannot_plan(
    pf_server: Any, checkout: Path, tmp_path: Path
) -> None:
    env = _environment(pf_server, _github_env(), GITHUB_OUTPUT=str(tmp_path / "out"))
    (checkout / "jobs" / "broken.yaml").write_text("type: single\nid: broken\nimagee: x\n")
    failed = _run(_github_step("diff", "Diff"), checkout, env)
    assert failed.returncode == 2
    assert "::error title=pfctl diff::could not plan (exit 2)" in failed.stdout


def _gitlab() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(GITLAB.read_text())
    return loaded


def _gitlab_script(job: str) -> str:
    lines = [line for line in _gitlab()[job]["script"] if "pfctl server start" not in line]
    return "\n".join(lines)


def test_gitlab_jobs_run_on_merge_requests() -> None:
    config = _gitlab()
    (rule,) = config[".pfctl"]["rules"]
    assert "merge_request_event" in rule["if"]
    assert config["pfctl-diff"]["allow_failure"] == {"exit_codes": [1]}


def test_gitlab_validate_writes_a_junit_report(pf_server: Any, checkout: Path) -> None:
    env = _environment(pf_server, _gitlab()["variables"])
    (checkout / "jobs" / "broken.yaml").write_text("type: single\nid: broken\nimagee: x\n")
    failed = _run(_gitlab_script("pfctl-validate"), checkout, env)
    assert failed.returncode == 1
    report = (checkout / "pfctl-validate.xml").read_text()
    assert "<testsuites" in report and "unknown key `imagee`" in report


def test_gitlab_diff_exit_codes_are_changes_then_none(pf_server: Any, checkout: Path) -> None:
    env = _environment(pf_server, _gitlab()["variables"])
    script = _gitlab_script("pfctl-diff")
    pending = _run(script, checkout, env)
    assert pending.returncode == 1  # allowed to fail: shown as a warning
    assert "+ " in (checkout / "pfctl-diff.txt").read_text()
    _apply(checkout, env)
    assert _run(script, checkout, env).returncode == 0


def test_every_ci_command_reads_the_sub_folders_of_jobs() -> None:
    for text in (GITHUB.read_text(), GITLAB.read_text()):
        commands = [
            line for line in text.splitlines() if "pfctl validate" in line or "pfctl diff" in line
        ]
        commands = [line for line in commands if "$JOBS_DIR" in line]
        assert len(commands) == 2 and all(" -R " in line for line in commands), commands


def test_a_broken_manifest_in_a_sub_folder_fails_both_validate_steps(
    pf_server: Any, checkout: Path
) -> None:
    nested = checkout / "jobs" / "team-a" / "nightly"
    nested.mkdir(parents=True)
    (nested / "broken.yaml").write_text("type: single\nid: broken\nimagee: x\n")
    github = _run(
        _github_step("validate", "Validate"), checkout, _environment(pf_server, _github_env())
    )
    assert github.returncode == 1, github.stdout + github.stderr
    assert "::error file=jobs/team-a/nightly/broken.yaml,line=3,col=1::" in github.stdout
    gitlab = _run(
        _gitlab_script("pfctl-validate"), checkout, _environment(pf_server, _gitlab()["variables"])
    )
    assert gitlab.returncode == 1
    assert "broken.yaml" in (checkout / "pfctl-validate.xml").read_text()


def test_a_new_manifest_in_a_sub_folder_is_a_pending_change_in_both_diffs(
    pf_server: Any, checkout: Path, tmp_path: Path
) -> None:
    outputs = tmp_path / "github-output"
    env = _environment(pf_server, _github_env(), GITHUB_OUTPUT=str(outputs))
    _apply(checkout, env)
    (checkout / "jobs" / "team-b").mkdir()
    (checkout / "jobs" / "team-b" / "new.yaml").write_text(_manifest(f"ci-{uuid.uuid4().hex[:10]}"))
    pending = _run(_github_step("diff", "Diff"), checkout, env)
    assert pending.returncode == 0, pending.stderr
    assert outputs.read_text().splitlines() == ["changes=true"]
    gitlab = _run(
        _gitlab_script("pfctl-diff"), checkout, _environment(pf_server, _gitlab()["variables"])
    )
    assert gitlab.returncode == 1  # changes pending
