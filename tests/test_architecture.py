"""The package's shape, as docs/architecture.md draws it: parts in layers, no import cycle, small
modules.

The import graph is grimp's (the engine of import-linter), built from the source, counting the
imports inside functions too: a lazy import is still an arrow between two parts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pfctl"
MAX_MODULE_LINES = 400

#: The parts of pfctl from the top down: a part may import the parts below it, never one above.
#: Parts on one line are independent of each other.
LAYERS = (
    grimp.Layer("docgen"),
    grimp.Layer("cli"),
    grimp.Layer("apply", "server"),
    grimp.Layer("client"),
    grimp.Layer("manifests"),
    grimp.Layer("spec"),
    grimp.Layer("errors", "cache_dir"),
)

#: The local server's parts from the top down: the process (daemon) serves the app, whose routes
#: are written as endpoints over the server state; jobs, the runtime and the runtime seam (hooks)
#: work on the store; below it the small pieces everything shares.
SERVER_LAYERS = (
    grimp.Layer("daemon"),
    grimp.Layer("app"),
    grimp.Layer("openapi", "ui"),
    grimp.Layer("routes"),
    grimp.Layer("endpoint"),
    grimp.Layer("state"),
    grimp.Layer("hooks", "jobs", "runtime"),
    grimp.Layer("store"),
    grimp.Layer("paging", "gojson", "openapi_responses"),
    grimp.Layer("apierrors"),
)

#: Parts the local server never needs: it shares only ``spec`` (and ``errors``) with the client.
SERVER_FORBIDDEN = ("pfctl.client", "pfctl.manifests", "pfctl.apply", "pfctl.cli")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("pfctl", exclude_type_checking_imports=True)


def _cycles(graph: grimp.ImportGraph) -> Iterator[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return iter(found)


def _route_text(heads: frozenset[str], middle: tuple[str, ...], tails: frozenset[str]) -> str:
    return " -> ".join(("|".join(sorted(heads)), *middle, "|".join(sorted(tails))))


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    cycles = list(_cycles(graph))
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize(
    ("container", "layers"), [("pfctl", LAYERS), ("pfctl.server", SERVER_LAYERS)]
)
def test_parts_import_only_the_parts_below_them(
    graph: grimp.ImportGraph, container: str, layers: tuple[grimp.Layer, ...]
) -> None:
    illegal = graph.find_illegal_dependencies_for_layers(layers, containers={container})
    problems = [
        f"{dependency.importer} imports {dependency.imported}: "
        + "; ".join(
            _route_text(route.heads, route.middle, route.tails) for route in dependency.routes
        )
        for dependency in sorted(illegal, key=lambda d: (d.importer, d.imported))
    ]
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_every_part_is_in_a_layer() -> None:
    """A new part must be placed in the layers, or the checks above would not see it."""
    for container, layers in (("pfctl", LAYERS), ("pfctl.server", SERVER_LAYERS)):
        placed = {tail for layer in layers for tail in layer.module_tails}
        folder = PACKAGE.joinpath(*container.split(".")[1:])
        parts = {
            path.stem if path.is_file() else path.name
            for path in folder.iterdir()
            if (path.suffix == ".py" and path.stem not in ("__init__", "__main__"))
            or (path / "__init__.py").is_file()
        }
        assert parts <= placed, f"{container}: not in a layer: {sorted(parts - placed)}"


@pytest.mark.parametrize("forbidden", SERVER_FORBIDDEN)
def test_the_server_shares_only_spec_with_the_client(
    graph: grimp.ImportGraph, forbidden: str
) -> None:
    chains = graph.find_shortest_chains(importer="pfctl.server", imported=forbidden)
    assert not chains, f"pfctl.server reaches {forbidden}: " + "; ".join(
        " -> ".join(chain) for chain in chains
    )


def test_no_module_over_the_size_limit() -> None:
    sizes = {
        str(path.relative_to(PACKAGE.parent)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    too_long = {path: lines for path, lines in sorted(sizes.items()) if lines > MAX_MODULE_LINES}
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The checks above would pass vacuously if the cycle finder never found anything."""
    graph = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.c", imported="p.a")
    assert list(_cycles(graph)) == [["p.a", "p.b"]]
