"""What a workflow run is made of: its nodes as ``workflowRuntime.nodes`` shows them, the leaf
launches the executor turns into processes, and the bounds of a run (docs/executor.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pfctl.server.runtime.processes import ReplicaProcess
from pfctl.spec.argo_calls import MAX_NODES

__all__ = ["DEFAULT_PARALLELISM", "Launcher", "NodeLaunch", "NodeRecord", "WorkflowLimits"]

#: Leaf nodes of one workflow running at once, unless ``spec.parallelism`` asks for fewer.
DEFAULT_PARALLELISM = 20


@dataclass(frozen=True)
class WorkflowLimits:
    """The bounds of one run."""

    max_nodes: int = MAX_NODES
    parallelism: int = DEFAULT_PARALLELISM


@dataclass(frozen=True)
class NodeLaunch:
    """A leaf node to start: the caller turns it into a process with its own log."""

    node_id: str
    node_name: str
    argv: list[str]
    env: dict[str, str]
    image: str
    working_dir: str


@dataclass
class NodeRecord:
    """One node of the run, as ``workflowRuntime.nodes`` shows it."""

    node_id: str
    name: str
    display_name: str
    template: str
    node_type: str
    phase: str = "Pending"
    message: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    image: str = ""
    pid: int | None = None
    children: list[str] = field(default_factory=list)


Launcher = Callable[[NodeLaunch], ReplicaProcess]
