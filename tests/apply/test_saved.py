"""Plan files without a server: what is written reads back as the same plan, and a file that
is not an unedited plan of this format is refused before anything is sent."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from pfctl.apply.model import PlanOptions
from pfctl.apply.planner import plan_changes
from pfctl.apply.saved import (
    PlanContext,
    PlanFileError,
    manifest_digest,
    read_saved_plan,
    write_saved_plan,
)
from pfctl.apply.saved_check import StalePlanError, job_differences
from pfctl.apply.selection import selection_from_options
from pfctl.errors import ExitCode

from .helpers import applied, desired, listed

OPTIONS = PlanOptions(
    apply_set="team",
    prune=True,
    force_replace=True,
    selection=selection_from_options("stage!=dev,gpu", ["a", "b", "c", "gone"], ["x"]),
)


def context(options: PlanOptions = OPTIONS) -> PlanContext:
    return PlanContext("http://127.0.0.1:8999", "root", ("jobs/",), "/work", False, options)


def saved_example(tmp_path: Path) -> tuple[Path, object]:
    jobs = [
        desired("a", labels={"gpu": "1"}),
        desired("b", labels={"gpu": "1"}, image="python:3.12"),
        desired("c", labels={"gpu": "1", "team": "x"}),
        desired("d", labels={"stage": "dev"}),
    ]
    live = listed(
        applied(desired("b", labels={"gpu": "1"}), "running", "team"),
        applied(desired("c", labels={"gpu": "1"}), "pending", "team"),
        applied(desired("gone", labels={"gpu": "1"}), "running", "team"),
    )
    plan = plan_changes(jobs, live, OPTIONS)
    path = tmp_path / "plan.json"
    write_saved_plan(str(path), plan, jobs, context())
    return path, plan


def test_a_plan_reads_back_as_written(tmp_path: Path) -> None:
    path, plan = saved_example(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = read_saved_plan(str(path))
    assert saved.plan == plan
    assert [a.action.value for a in saved.plan.actions] == ["create", "replace", "update", "stop"]
    assert saved.plan.left_out == 1
    assert saved.context == context()
    assert saved.context.options.selection == OPTIONS.selection
    assert [job.id for job in saved.desired] == ["a", "b", "c"]
    assert saved.manifests["d"][1] == manifest_digest(desired("d", labels={"stage": "dev"}))
    assert saved.observed["a"] is None  # to be created: it did not exist
    assert saved.observed["b"] is not None
    assert saved.observed["b"]["status"] == "running"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text[:-40], "not complete JSON"),
        (lambda text: b"\xff\xfe".decode("latin-1") + text, "not complete JSON"),
        (lambda text: "kind: pfctl-plan\nformatVersion: 1\n", "not complete JSON"),
        (lambda text: "[" * 100_000 + "]" * 100_000, "not complete JSON"),
        (lambda text: json.dumps({"kind": "other"}), "not a plan file"),
        (lambda text: json.dumps([text]), "not a plan file"),
        (
            lambda text: text.replace('"formatVersion": 1', '"formatVersion": 2'),
            "plan format 2 is a newer format, from a later pfctl; this pfctl reads format 1",
        ),
        (
            lambda text: text.replace('"formatVersion": 1', '"formatVersion": 0'),
            "plan format 0 is an older format, from an earlier pfctl",
        ),
        (
            lambda text: text.replace('"formatVersion": 1', '"formatVersion": "1"'),
            "plan format '1' is an unknown format",
        ),
        (lambda text: text.replace('"leftOut": 1', '"leftOut": 0'), "was edited or damaged"),
        (lambda text: text.replace('"python:3.12"', '"python:3.13"'), "was edited or damaged"),
        (lambda text: text.replace('"checksum": "sha256:', '"checksum": "sha256:0'), "was edited"),
        (lambda text: text.replace('"running"', '"pending"', 1), "was edited or damaged"),
    ],
)
def test_unusable_files_are_refused_as_usage_errors(
    tmp_path: Path, damage: object, message: str
) -> None:
    path, _ = saved_example(tmp_path)
    assert callable(damage)
    path.write_text(damage(path.read_text()), encoding="latin-1")
    with pytest.raises(PlanFileError) as raised:
        read_saved_plan(str(path))
    assert message in str(raised.value)
    assert raised.value.exit_code is ExitCode.USAGE
    assert "\n" not in str(raised.value)


def test_the_checksum_covers_the_content_not_its_layout(tmp_path: Path) -> None:
    path, plan = saved_example(tmp_path)
    path.write_text(json.dumps(json.loads(path.read_text()), indent=None, sort_keys=True))
    assert read_saved_plan(str(path)).plan == plan


def test_a_plan_replaces_an_older_file_atomically_and_privately(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("an older, world-readable file")
    path.chmod(0o644)
    jobs = [desired("a")]
    write_saved_plan(str(path), plan_changes(jobs, [], PlanOptions()), jobs, context())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left
    assert read_saved_plan(str(path)).plan.actions[0].create_body is not None


def test_a_plan_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    jobs = [desired("a")]
    plan = plan_changes(jobs, [], PlanOptions())
    with pytest.raises(PlanFileError, match="cannot write") as raised:
        write_saved_plan(str(tmp_path / "missing" / "plan.json"), plan, jobs, context())
    assert raised.value.exit_code is ExitCode.USAGE


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="cannot read the plan file") as raised:
        read_saved_plan(str(tmp_path / "nope.json"))
    assert raised.value.exit_code is ExitCode.USAGE


def test_a_file_that_passes_the_checksum_still_meets_the_schema(tmp_path: Path) -> None:
    from pfctl.apply.saved import digest

    path, _ = saved_example(tmp_path)
    content = json.loads(path.read_text())
    content.pop("checksum")
    content["plan"]["actions"][0]["action"] = "explode"
    content["checksum"] = digest(content)
    path.write_text(json.dumps(content))
    with pytest.raises(PlanFileError, match=r"not a valid plan file: \$.plan.actions\[0\].action"):
        read_saved_plan(str(path))


def test_a_change_to_an_existing_job_must_record_what_it_saw(tmp_path: Path) -> None:
    from pfctl.apply.saved import digest

    path, _ = saved_example(tmp_path)
    content = json.loads(path.read_text())
    content.pop("checksum")
    assert content["plan"]["actions"][1]["action"] == "replace"
    content["plan"]["actions"][1]["observed"] = None
    content["checksum"] = digest(content)
    path.write_text(json.dumps(content))
    with pytest.raises(PlanFileError, match=r"\$.plan.actions\[1\].observed: None is not of type"):
        read_saved_plan(str(path))


def test_job_differences_name_what_changed() -> None:
    job = desired("a", labels={"team": "x"})
    seen_live = listed(applied(job, "running"))[0]
    from pfctl.apply.saved import observed_state

    seen = observed_state(seen_live)
    assert job_differences("a", seen, seen_live) == []
    now = listed(
        {
            **applied(job, "succeeded"),
            "labels": {**seen_live.labels, "owner": "ana"},
            "schedulingPolicy": {"priority": "HIGH"},
        }
    )[0]
    assert job_differences("a", seen, now) == [
        "job a: status running -> succeeded",
        "job a: priority NORMAL -> HIGH",
        "job a: labels['owner'] (absent) -> 'ana'",
    ]
    reapplied = listed(applied(desired("a", labels={"team": "y"}), "running"))[0]
    assert job_differences("a", seen, reapplied) == [
        "job a: labels['team'] 'x' -> 'y'",
        "job a: its pfctl/last-applied record changed (applied since)",
    ]
    assert job_differences("a", seen, None) == ["job a is gone (the plan saw it running)"]
    assert job_differences("a", None, now) == [
        "job a exists now (succeeded); the plan would create it"
    ]
    assert job_differences("a", None, None) == []


def test_a_stale_plan_names_every_difference_one_per_line() -> None:
    error = StalePlanError("plan.json", ["jobs.yaml:1:1: manifest a changed", "job b: x\ny"])
    assert error.exit_code is ExitCode.FAILURE
    assert error.differences == ("jobs.yaml:1:1: manifest a changed", "job b: x\ny")
    assert error.lines() == [
        "the saved plan plan.json is stale: 2 differences since it was made; nothing was sent",
        "  jobs.yaml:1:1: manifest a changed",
        "  job b: x\\ny",  # a value cannot start a line of its own
        "  make a new plan with `pfctl diff --out` and review it",
    ]
    text = str(error)
    assert "manifest a changed; job b: x" in text
    assert text.startswith("the saved plan plan.json is stale: 2 differences")
