"""The plan renderers: the text diff a reviewer reads and the JSON plan a program reads."""

from __future__ import annotations

import json

from pfctl.apply.model import PlanOptions
from pfctl.apply.planner import plan_changes
from pfctl.apply.render import MASK, plan_document, render_json, render_text
from pfctl.spec.paths import format_field_path
from tests.apply.helpers import applied, desired, listed

# --- plans ----------------------------------------------------------------------------------


def test_text_diff_shows_symbols_forces_replacement_and_summary() -> None:
    live_a = applied(desired("a", image="old"), "running")
    live_b = applied(desired("b", labels={"t": "1"}))
    live_c = applied(desired("c"), "running")
    live_d = applied(desired("d"))
    jobs = [
        desired("a", image="new"),
        desired("b", labels={"t": "2"}),
        desired("c", stopped=True),
        desired("d"),
        desired("e"),
    ]
    text = render_text(plan_changes(jobs, listed(live_a, live_b, live_c, live_d)))
    assert "-/+ a (single) [running]  jobs.yaml:1:1" in text
    assert 'image: "old" -> "new"  # forces replacement' in text
    assert "~ b (single)" in text
    assert 'labels.t: "1" -> "2"' in text
    assert "- c (single)" in text
    assert "+ e (single)" in text
    assert "d (single)" not in text  # unchanged jobs are counted, not listed
    assert text.endswith(
        "Plan: 1 to create, 1 to update, 1 to replace, 1 to stop, 1 unchanged (1 refused).\n"
    )
    assert "\x1b[" not in text


def test_text_diff_colors_only_when_asked() -> None:
    plan = plan_changes([desired("a")], [])
    assert "\x1b[32m+ a" in render_text(plan, color=True)


def test_no_changes_summary() -> None:
    job = desired("a")
    assert render_text(plan_changes([job], listed(applied(job)))) == "No changes: 1 unchanged.\n"


def test_secrets_are_masked_unless_asked() -> None:
    before = desired("a", env={"DB_PASSWORD": "old-pw", "plain": "p1", "api_key": "k1"})
    after = desired("a", env={"DB_PASSWORD": "new-pw", "plain": "p2", "api_key": "k2"})
    plan = plan_changes([after], listed(applied(before)), PlanOptions(force_replace=True))
    text = render_text(plan)
    for secret in ("old-pw", "new-pw", "k1", "k2"):
        assert secret not in text
    assert f"env.DB_PASSWORD: {MASK} -> {MASK}" in text
    assert 'env.plain: "p1" -> "p2"' in text
    assert "new-pw" in render_text(plan, show_secrets=True)
    assert "new-pw" not in render_json(plan)
    created = render_text(plan_changes([after], []))
    assert "new-pw" not in created
    assert "new-pw" in render_json(plan, show_secrets=True)


def test_json_plan_document() -> None:
    live = applied(desired("a", labels={"t": "1"}))
    plan = plan_changes([desired("a", labels={"t.x/y": "2"}), desired("b")], listed(live))
    document = plan_document(plan)
    assert document["formatVersion"] == 1
    assert document["changed"] is True
    assert document["summary"] == {
        "create": 1,
        "update": 1,
        "replace": 0,
        "stop": 0,
        "noop": 0,
        "refused": 0,
        "errors": 0,
    }
    assert document["errors"] == []
    assert document["leftOut"] == 0
    job_a = document["jobs"][0]
    assert job_a["action"] == "update"
    assert job_a["source"] == "jobs.yaml:1:1"
    assert {
        "path": 'labels["t.x/y"]',
        "segments": ["labels", "t.x/y"],
        "before": None,
        "after": "2",
        "forcesReplacement": False,
    } in job_a["changes"]
    json.dumps(document)  # serialisable


def test_format_path() -> None:
    assert format_field_path(("members", 0, "image")) == "members[0].image"
    assert (
        format_field_path(("labels", "app.kubernetes.io/name"))
        == 'labels["app.kubernetes.io/name"]'
    )
