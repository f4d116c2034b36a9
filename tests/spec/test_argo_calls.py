"""Recursion and the size of a run in the Argo subset (``pfctl.spec.argo_calls``), as findings of
``check_workflow`` and as the shape the executor sizes its parallelism with."""

from __future__ import annotations

from typing import Any

import pytest

from pfctl.spec.argo_calls import MAX_NODES, Shape, call_graph, find_cycles, measure
from pfctl.spec.argo_subset import check_workflow

LEAF = {"name": "leaf", "container": {"image": "x", "command": ["true"]}}


def workflow(templates: list[dict[str, Any]], entrypoint: str = "main") -> dict[str, Any]:
    return {"kind": "Workflow", "spec": {"entrypoint": entrypoint, "templates": templates}}


def steps(name: str, *groups: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "steps": [
            [{"name": f"s{index}", "template": callee} for index, callee in enumerate(group)]
            for group in groups
        ],
    }


def dag(name: str, *callees: str) -> dict[str, Any]:
    tasks = [{"name": f"t{index}", "template": callee} for index, callee in enumerate(callees)]
    return {"name": name, "dag": {"tasks": tasks}}


@pytest.mark.parametrize(
    ("templates", "path", "message"),
    [
        (
            [steps("main", ["leaf"], ["main"]), LEAF],
            ("spec", "templates", 0, "steps", 1, 0, "template"),
            "spec.templates[0].steps[1][0].template: template main calls itself",
        ),
        (
            [dag("main", "leaf", "main"), LEAF],
            ("spec", "templates", 0, "dag", "tasks", 1, "template"),
            "spec.templates[0].dag.tasks[1].template: template main calls itself",
        ),
        (
            [steps("main", ["a"]), steps("a", ["leaf", "main"]), LEAF],
            ("spec", "templates", 1, "steps", 0, 1, "template"),
            "spec.templates[1].steps[0][1].template: templates main -> a -> main form a cycle",
        ),
        (
            [dag("main", "a"), dag("a", "b"), steps("b", ["leaf"], ["a"]), LEAF],
            ("spec", "templates", 2, "steps", 1, 0, "template"),
            "spec.templates[2].steps[1][0].template: templates a -> b -> a form a cycle",
        ),
    ],
    ids=["steps-direct", "dag-direct", "steps-indirect", "dag-and-steps-indirect"],
)
def test_recursion_is_refused_at_the_call_that_closes_the_cycle(
    templates: list[dict[str, Any]], path: tuple[str | int, ...], message: str
) -> None:
    [problem] = check_workflow(workflow(templates))
    assert (problem.path, problem.message) == (path, message)


def test_a_cycle_away_from_the_entrypoint_is_refused_too() -> None:
    templates = [steps("main", ["leaf"]), dag("x", "y"), dag("y", "x"), LEAF]
    [problem] = check_workflow(workflow(templates))
    assert problem.message.endswith("templates x -> y -> x form a cycle")


def test_each_cycle_is_named_once_however_many_calls_close_it() -> None:
    templates = [dag("main", *["main"] * 300), LEAF]
    assert len(check_workflow(workflow(templates))) == 1


def test_a_long_cycle_is_named_by_its_ends_without_recursion() -> None:
    count = 5000
    templates = [steps(f"t{i}", [f"t{i + 1}"]) for i in range(count)]
    templates.append(steps(f"t{count}", ["t0"]))
    [problem] = check_workflow(workflow(templates, "t0"))
    assert problem.message.endswith(
        "templates t0 -> t1 -> t2 -> t3 -> t4 -> ... -> t4997 -> t4998 -> t4999 -> t5000 -> t0 "
        "form a cycle of 5001 templates"
    )


def test_calling_a_template_from_several_places_is_no_cycle() -> None:
    templates = [dag("main", "a", "b"), steps("a", ["leaf"]), steps("b", ["a", "leaf"]), LEAF]
    assert check_workflow(workflow(templates)) == []


def test_nodes_are_counted_as_the_executor_creates_them() -> None:
    # main (1) + group (1) + a (1 + group 1 + 2 leaves) + leaf (1) = 7; at most 3 leaves at once.
    graph = call_graph([steps("main", ["a", "leaf"]), steps("a", ["leaf", "leaf"]), LEAF])
    assert measure(graph, "main", MAX_NODES) == Shape(nodes=7, width=3)
    # Groups run in sequence: the width is the widest group's.
    graph = call_graph([steps("main", ["leaf"] * 3, ["leaf"] * 5, ["leaf"]), LEAF])
    assert measure(graph, "main", MAX_NODES) == Shape(nodes=13, width=5)
    graph = call_graph([dag("main", *["leaf"] * 300), LEAF])
    assert measure(graph, "main", MAX_NODES) == Shape(nodes=301, width=300)


def test_a_run_over_the_node_limit_is_refused_before_it_starts() -> None:
    at_limit = [dag("main", *["leaf"] * (MAX_NODES - 1)), LEAF]
    assert check_workflow(workflow(at_limit)) == []
    over = [dag("main", *["leaf"] * MAX_NODES), LEAF]
    [problem] = check_workflow(workflow(over))
    assert problem.path == ("spec", "entrypoint")
    assert problem.message == (
        "spec.entrypoint 'main' would create 1,001 nodes, more than the local executor's "
        "limit of 1,000 per workflow"
    )


def test_an_exponential_fan_out_is_counted_without_building_it() -> None:
    depth = 300
    templates = [steps(f"t{i}", [f"t{i + 1}"] * 10) for i in range(depth)]
    templates.append({**LEAF, "name": f"t{depth}"})
    [problem] = check_workflow(workflow(templates, "t0"))
    assert "would create over 1,000,000,000 nodes" in problem.message
    assert measure(call_graph(templates), "t0", 50) == Shape(51, 51)


def test_find_cycles_reads_from_the_given_start() -> None:
    graph = call_graph([steps("a", ["b"]), steps("b", ["a"])])
    [(call, cycle)] = find_cycles(graph, ["b", "a"])
    assert cycle == ["b", "a", "b"]
    assert call.path == ("spec", "templates", 0, "steps", 0, 0, "template")


@pytest.mark.parametrize("templates", [None, "x", [1, {"name": 2}, {"name": "a", "steps": 3}]])
def test_the_graph_of_anything_is_built_without_raising(templates: Any) -> None:
    graph = call_graph(templates)
    assert find_cycles(graph, list(graph)) == []
