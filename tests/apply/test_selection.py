"""Selections (``-l``, ``--target``, ``--exclude``) and how the planner applies them."""

from __future__ import annotations

import pytest

from pfctl.apply.model import APPLY_SET_LABEL, Action, PlanOptions
from pfctl.apply.planner import plan_changes
from pfctl.apply.selection import (
    Operator,
    Requirement,
    Selection,
    check_targets,
    parse_selector,
    selection_from_options,
)
from pfctl.errors import ExitCode, UsageError

from .helpers import applied, desired, listed


def test_parse_selector_equality_inequality_and_existence() -> None:
    assert parse_selector("team=vision, stage!=dev,tier==gold,gpu,!spot") == (
        Requirement("team", Operator.EQUALS, "vision"),
        Requirement("stage", Operator.NOT_EQUALS, "dev"),
        Requirement("tier", Operator.EQUALS, "gold"),
        Requirement("gpu", Operator.EXISTS),
        Requirement("spot", Operator.DOES_NOT_EXIST),
    )
    assert parse_selector("example.com/owner=ana")[0].key == "example.com/owner"
    assert parse_selector("team=")[0] == Requirement("team", Operator.EQUALS, "")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("", "an empty requirement"),
        ("team=a,,x=b", "an empty requirement"),
        ("=vision", "no label key"),
        ("team=vision=x", "invalid value"),
        ("team=has space", "invalid value"),
        ("bad key=x", "invalid label key"),
        ("-team=x", "invalid label key"),
        ("team in (a,b)", "invalid label key"),
    ],
)
def test_a_selector_that_does_not_parse_is_a_usage_error(text: str, names: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_selector(text)
    assert names in str(raised.value)
    assert raised.value.exit_code is ExitCode.USAGE


def test_requirements_match_as_kubectl_does() -> None:
    labels = {"team": "vision", "empty": ""}
    assert Requirement("team", Operator.EQUALS, "vision").matches(labels)
    assert not Requirement("team", Operator.EQUALS, "nlp").matches(labels)
    assert Requirement("team", Operator.NOT_EQUALS, "nlp").matches(labels)
    assert Requirement("stage", Operator.NOT_EQUALS, "dev").matches(labels)  # absent counts
    assert not Requirement("empty", Operator.EXISTS).matches(labels)  # empty is absent
    assert Requirement("empty", Operator.DOES_NOT_EXIST).matches(labels)


def test_targets_and_excludes() -> None:
    selection = selection_from_options("team=vision", ["a", "b"], ["b"])
    assert selection.selects("a", {"team": "vision"})
    assert not selection.selects("b", {"team": "vision"})  # excluded wins
    assert not selection.selects("c", {"team": "vision"})  # not a target
    assert not selection.selects("a", {"team": "nlp"})
    assert Selection().selects_everything
    check_targets(selection, ["a", "b", "c"])
    with pytest.raises(UsageError, match="--target x, y: no manifest has these ids"):
        check_targets(selection_from_options(None, ["x", "y", "a"]), ["a"])
    with pytest.raises(UsageError, match="--exclude needs a job id"):
        selection_from_options(None, (), [" "])


def test_the_planner_leaves_out_unselected_manifests_and_counts_them() -> None:
    jobs = [desired("a", labels={"team": "vision"}), desired("b", labels={"team": "nlp"})]
    options = PlanOptions(selection=selection_from_options("team=vision"))
    plan = plan_changes(jobs, [], options)
    assert [action.id for action in plan.actions] == ["a"]
    assert plan.left_out == 1


def test_prune_stays_inside_the_selection() -> None:
    kept = desired("kept", labels={"team": "vision"})
    gone_vision = applied(desired("gone-v", labels={"team": "vision"}), apply_set="s")
    gone_nlp = applied(desired("gone-n", labels={"team": "nlp"}), apply_set="s")
    # "moved" is still in the manifests, with a label the selector does not match: it is left
    # out, and, although its live labels match, it is not pruned.
    moved_live = applied(desired("moved", labels={"team": "vision"}), apply_set="s")
    moved = desired("moved", labels={"team": "nlp"})
    live = listed(gone_vision, gone_nlp, moved_live)
    assert all(job.labels.get(APPLY_SET_LABEL) == "s" for job in live)

    selected = PlanOptions(
        apply_set="s", prune=True, selection=selection_from_options("team=vision")
    )
    plan = plan_changes([kept, moved], live, selected)
    stops = [action.id for action in plan.actions if action.action is Action.STOP]
    assert stops == ["gone-v"]
    assert plan.left_out == 1

    everything = plan_changes([kept, moved], live, PlanOptions(apply_set="s", prune=True))
    assert sorted(a.id for a in everything.actions if a.action is Action.STOP) == [
        "gone-n",
        "gone-v",
    ]


def test_an_exclude_that_names_no_manifest_is_a_warning() -> None:
    options = PlanOptions(selection=selection_from_options(None, (), ["typo"]))
    plan = plan_changes([desired("a")], [], options)
    assert [(w.job_id, w.message) for w in plan.warnings] == [
        ("typo", "--exclude names no manifest")
    ]
