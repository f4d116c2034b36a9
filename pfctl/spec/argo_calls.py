"""Which templates of an Argo Workflow call which: recursion, and how big a run of it gets.

The local executor has no ``when``, so a template that calls itself, directly or through others,
never ends: ``find_cycles`` names each such cycle at the call that closes it. Without recursion a
run's size follows from the templates alone (``measure``): each template call is one node and
each group of a ``steps`` template one more, so the nodes a run creates at most (every node
succeeding) and the leaf nodes (containers, scripts) that can run at once are known before it
starts. ``argo_subset`` refuses a workflow over ``MAX_NODES``; the executor sizes its parallelism
with the width.

Built on any JSON (``call_graph`` skips what is not a template or a call): ``argo_subset`` checks
the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pfctl.spec.paths import Path, format_field_path

__all__ = [
    "MAX_NODES",
    "Call",
    "Shape",
    "TemplateCalls",
    "bound_findings",
    "call_graph",
    "find_cycles",
    "measure",
]

#: The most nodes one workflow run may create on the local executor (docs/executor.md).
MAX_NODES = 1000
# Node counts past this read as "over" it (the count of a deep fan-out grows exponentially).
_COUNT_LIMIT = 1_000_000_000
# A longer cycle is named by its ends.
_CYCLE_SHOWN = 10


@dataclass(frozen=True)
class Call:
    """One step or dag task calling a template."""

    callee: str
    path: Path
    """The call's ``template`` field inside the workflow: ``("spec", "templates", 0, ...)``."""


@dataclass(frozen=True)
class TemplateCalls:
    """The calls of one template: a ``steps`` template's groups, or a ``dag``'s tasks as one
    group; none for a container or a script."""

    groups: list[list[Call]] = field(default_factory=list)
    group_nodes: int = 0
    """The nodes each group adds itself: 1 for a steps group (Argo's StepGroup), 0 for a dag."""

    def calls(self) -> Iterator[Call]:
        """Every call, in document order."""
        for group in self.groups:
            yield from group


@dataclass(frozen=True)
class Shape:
    """How big a run of a template gets when every node succeeds (each at most a limit + 1)."""

    nodes: int
    """Every node created: template calls, steps groups."""
    width: int
    """The most leaf nodes (containers, scripts) running at once."""


def call_graph(templates: Any) -> dict[str, TemplateCalls]:
    """The calls of every named template of ``spec.templates`` (a later duplicate name wins, as
    in the executor)."""
    graph: dict[str, TemplateCalls] = {}
    if not isinstance(templates, list):
        return graph
    for index, template in enumerate(templates):
        if not isinstance(template, Mapping) or not isinstance(template.get("name"), str):
            continue
        path: Path = ("spec", "templates", index)
        steps, dag = template.get("steps"), template.get("dag")
        if isinstance(steps, list):
            groups = [
                _calls(group, (*path, "steps", group_index))
                for group_index, group in enumerate(steps)
            ]
            graph[template["name"]] = TemplateCalls(groups, group_nodes=1)
        elif isinstance(dag, Mapping):
            graph[template["name"]] = TemplateCalls(
                [_calls(dag.get("tasks"), (*path, "dag", "tasks"))]
            )
        else:
            graph[template["name"]] = TemplateCalls()
    return graph


def _calls(items: Any, path: Path) -> list[Call]:
    if not isinstance(items, list):
        return []
    return [
        Call(item["template"], (*path, index, "template"))
        for index, item in enumerate(items)
        if isinstance(item, Mapping) and isinstance(item.get("template"), str)
    ]


def find_cycles(
    graph: Mapping[str, TemplateCalls], order: Iterable[str]
) -> list[tuple[Call, list[str]]]:
    """Each call that closes a cycle, with the cycle's templates from the one it calls back to
    it (``["main", "a", "main"]``); one per calling and called template.

    A depth-first walk from each template of ``order`` (the entrypoint first, so cycles read
    from it), without recursion: call chains can be long.
    """
    on_path: dict[str, int] = {}  # template -> its place on the current path
    done: set[str] = set()
    found: list[tuple[Call, list[str]]] = []
    reported: set[tuple[str, str]] = set()
    for start in order:
        if start in done or start not in graph:
            continue
        path = [start]
        on_path[start] = 0
        stack = [graph[start].calls()]
        while stack:
            call = next(stack[-1], None)
            if call is None:
                stack.pop()
                finished = path.pop()
                del on_path[finished]
                done.add(finished)
                continue
            caller = path[-1]
            if call.callee in on_path:
                if (caller, call.callee) not in reported:
                    reported.add((caller, call.callee))
                    found.append((call, [*path[on_path[call.callee] :], call.callee]))
            elif call.callee not in done and call.callee in graph:
                on_path[call.callee] = len(path)
                path.append(call.callee)
                stack.append(graph[call.callee].calls())
    return found


def measure(graph: Mapping[str, TemplateCalls], entrypoint: str, limit: int) -> Shape:
    """The shape of a run of ``entrypoint`` (counts above ``limit`` read as ``limit + 1``).

    Call only on a graph without cycles (``find_cycles``); a cycle reads as over the limit.
    An unknown template counts as one node.
    """
    over = limit + 1
    shapes: dict[str, Shape] = {}
    expanded: set[str] = set()
    stack = [entrypoint]
    while stack:
        name = stack[-1]
        if name in shapes:
            stack.pop()
            continue
        entry = graph.get(name)
        if entry is None or not entry.groups:
            shapes[name] = Shape(1, 1)
            stack.pop()
            continue
        missing = [call.callee for call in entry.calls() if call.callee not in shapes]
        if missing:
            if name in expanded:  # its callees came back to it: a cycle
                return Shape(over, over)
            expanded.add(name)
            stack.extend(missing)
            continue
        nodes, width = 1, 0
        for group in entry.groups:
            nodes += entry.group_nodes + sum(shapes[call.callee].nodes for call in group)
            width = max(width, sum(shapes[call.callee].width for call in group))
        shapes[name] = Shape(min(nodes, over), min(width, over))
        stack.pop()
    return shapes[entrypoint]


def bound_findings(templates: Any, entrypoint: str | None) -> list[tuple[Path, str]]:
    """Each cycle of ``spec.templates``, at the call that closes it, then (without cycles) the
    entrypoint when a run of it would create more than ``MAX_NODES`` nodes; as located
    messages in ``argo_subset``'s words."""
    graph = call_graph(templates)
    cycles = find_cycles(graph, [entrypoint, *graph] if entrypoint is not None else list(graph))
    findings: list[tuple[Path, str]] = []
    for call, cycle in cycles:
        if len(cycle) == 2:
            text = f"template {cycle[0]} calls itself"
        elif len(cycle) <= _CYCLE_SHOWN:
            text = f"templates {' -> '.join(cycle)} form a cycle"
        else:
            shown = [*cycle[: _CYCLE_SHOWN // 2], "...", *cycle[-_CYCLE_SHOWN // 2 :]]
            text = f"templates {' -> '.join(shown)} form a cycle of {len(cycle) - 1} templates"
        findings.append((call.path, f"{format_field_path(call.path)}: {text}"))
    if cycles or entrypoint is None:
        return findings
    nodes = measure(graph, entrypoint, _COUNT_LIMIT).nodes
    if nodes > MAX_NODES:
        count = f"{nodes:,}" if nodes <= _COUNT_LIMIT else f"over {_COUNT_LIMIT:,}"
        message = (
            f"spec.entrypoint {entrypoint!r} would create {count} nodes, more than the local "
            f"executor's limit of {MAX_NODES:,} per workflow"
        )
        findings.append((("spec", "entrypoint"), message))
    return findings
