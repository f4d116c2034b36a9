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
from pfctl.apply.saved_check import job_differences
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
        (lambda text: json.dumps({"kind": "other"}), "not a plan file"),
        (lambda text: text.replace('"formatVersion": 1', '"formatVersion": 2'), "plan format 2"),
        (lambda text: text.replace('"leftOut": 1', '"leftOut": 0'), "was edited or damaged"),
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


def test_job_differences_name_what_changed() -> None:
    job = desired("a", labels={"team": "x"})
    seen_live = listed(applied(job, "running"))[0]
    from pfctl.apply.saved import observed_state

    seen = observed_state(seen_live)
    assert job_differences("a", seen, seen_live) == []
    now = listed({**applied(job, "succeeded"), "labels": {**seen_live.labels, "owner": "ana"}})[0]
    assert job_differences("a", seen, now) == [
        "job a: status running -> succeeded",
        "job a: labels['owner'] (absent) -> 'ana'",
    ]
    assert job_differences("a", seen, None) == ["job a is gone (the plan saw it running)"]
    assert job_differences("a", None, now) == [
        "job a exists now (succeeded); the plan would create it"
    ]
    assert job_differences("a", None, None) == []
