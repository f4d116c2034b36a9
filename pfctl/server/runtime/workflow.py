"""Runs a validated Argo Workflow (the subset of ``pfctl.spec.argo_subset``) as local processes.

Each template invocation is a node, named as Argo names them (``wf[0].step``, ``wf.task``).
Leaf nodes (container, script) run through a launcher given by the caller; steps and dag nodes
run their children in order, in parallel where Argo would. A failed node fails its parent and
the workflow; dag tasks whose dependencies failed are ``Omitted``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pfctl.server.runtime.processes import ReplicaProcess
from pfctl.server.runtime.workflow_spec import parameter_values, substitute

__all__ = ["NodeLaunch", "NodeRecord", "WorkflowRun"]

_POLL_SECONDS = 0.05


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


class WorkflowRun:
    """One execution of a workflow; ``run`` blocks until it ends or ``stop_event`` is set."""

    def __init__(
        self,
        workflow: Mapping[str, Any],
        workflow_name: str,
        launcher: Launcher,
        *,
        scripts_dir: Path,
        stop_event: threading.Event,
        grace_seconds: float,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        spec = workflow.get("spec") or {}
        self._templates = {item["name"]: item for item in spec.get("templates") or []}
        self._entrypoint = str(spec.get("entrypoint") or "")
        self._workflow_name = workflow_name
        self._launcher = launcher
        self._scripts_dir = scripts_dir
        self._stop_event = stop_event
        self._grace_seconds = grace_seconds
        self._on_change = on_change
        self._lock = threading.Lock()
        self._nodes: list[NodeRecord] = []
        arguments = parameter_values(spec.get("arguments"))
        self._variables = {
            f"workflow.parameters.{name}": value or "" for name, value in arguments.items()
        }
        self._variables["workflow.name"] = workflow_name

    @property
    def nodes(self) -> list[NodeRecord]:
        """A snapshot of the nodes so far, in creation order."""
        with self._lock:
            return [NodeRecord(**vars(node)) for node in self._nodes]

    def run(self) -> tuple[bool, str]:
        """Run the entrypoint; ``(succeeded, message)``."""
        root = self._run_template(self._entrypoint, {}, self._workflow_name, self._entrypoint)
        if self._stop_event.is_set():
            return False, "workflow was stopped"
        if root.phase == "Succeeded":
            return True, ""
        failed = [node for node in self.nodes if node.phase == "Failed" and node.node_type == "Pod"]
        culprit = failed[0] if failed else root
        return False, f"node {culprit.name} failed: {culprit.message}"

    def _new_node(self, name: str, display_name: str, template: str, node_type: str) -> NodeRecord:
        with self._lock:
            node = NodeRecord(
                node_id=f"{self._workflow_name}-{len(self._nodes)}",
                name=name,
                display_name=display_name,
                template=template,
                node_type=node_type,
            )
            self._nodes.append(node)
        return node

    def _finish(self, node: NodeRecord, phase: str, message: str = "") -> NodeRecord:
        with self._lock:
            node.phase = phase
            node.message = message
            if node.started_at is None and phase not in ("Omitted", "Skipped"):
                node.started_at = time.time()
            node.finished_at = time.time()
        self._on_change()
        return node

    def _begin(self, node: NodeRecord) -> None:
        with self._lock:
            node.phase = "Running"
            node.started_at = time.time()
        self._on_change()

    def _run_template(
        self, template_name: str, arguments: Mapping[str, str | None], name: str, display: str
    ) -> NodeRecord:
        template = self._templates[template_name]
        node_type = {"steps": "Steps", "dag": "DAG"}.get(
            next((kind for kind in ("steps", "dag") if kind in template), ""), "Pod"
        )
        node = self._new_node(name, display, template_name, node_type)
        if self._stop_event.is_set():
            return self._finish(node, "Failed", "workflow was stopped")
        inputs = parameter_values(template.get("inputs"))
        variables = dict(self._variables)
        for parameter, default in inputs.items():
            value = arguments.get(parameter, default)
            if value is None:
                return self._finish(node, "Failed", f"input parameter {parameter!r} has no value")
            variables[f"inputs.parameters.{parameter}"] = value
        try:
            resolved = substitute({k: v for k, v in template.items() if k != "name"}, variables)
        except KeyError as missing:
            return self._finish(node, "Failed", f"no value for {{{{{missing.args[0]}}}}}")
        self._begin(node)
        if "steps" in resolved:
            return self._run_steps(node, resolved["steps"])
        if "dag" in resolved:
            return self._run_dag(node, resolved["dag"].get("tasks") or [])
        return self._run_leaf(node, resolved)

    def _call(self, call: Mapping[str, Any], name: str) -> NodeRecord:
        arguments = parameter_values(call.get("arguments"))
        return self._run_template(str(call["template"]), arguments, name, str(call["name"]))

    def _run_parallel(self, calls: list[tuple[Mapping[str, Any], str]]) -> list[NodeRecord]:
        results: list[NodeRecord | None] = [None] * len(calls)

        def run_one(position: int, call: Mapping[str, Any], name: str) -> None:
            results[position] = self._call(call, name)

        threads = [
            threading.Thread(target=run_one, args=(position, call, name), daemon=True)
            for position, (call, name) in enumerate(calls)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [result for result in results if result is not None]

    def _run_steps(self, node: NodeRecord, groups: list[list[Mapping[str, Any]]]) -> NodeRecord:
        for group_index, group in enumerate(groups):
            group_name = f"{node.name}[{group_index}]"
            group_node = self._new_node(group_name, f"[{group_index}]", node.template, "StepGroup")
            node.children.append(group_node.node_id)
            self._begin(group_node)
            children = self._run_parallel(
                [(step, f"{group_name}.{step['name']}") for step in group]
            )
            failed = [child for child in children if child.phase != "Succeeded"]
            if failed:
                message = f"child {failed[0].name} failed"
                self._finish(group_node, "Failed", message)
                return self._finish(node, "Failed", message)
            self._finish(group_node, "Succeeded")
        return self._finish(node, "Succeeded")

    def _run_dag(self, node: NodeRecord, tasks: list[Mapping[str, Any]]) -> NodeRecord:
        outcome: dict[str, str] = {}
        running: dict[str, threading.Thread] = {}
        results: dict[str, NodeRecord] = {}
        lock = threading.Lock()

        def run_task(task: Mapping[str, Any]) -> None:
            record = self._call(task, f"{node.name}.{task['name']}")
            with lock:
                results[str(task["name"])] = record

        while len(outcome) < len(tasks):
            for task in tasks:
                task_name = str(task["name"])
                if task_name in outcome or task_name in running:
                    continue
                deps = [str(dep) for dep in task.get("dependencies") or []]
                if any(outcome.get(dep) in ("Failed", "Omitted") for dep in deps):
                    omitted = self._new_node(
                        f"{node.name}.{task_name}", task_name, str(task["template"]), "Skipped"
                    )
                    self._finish(omitted, "Omitted", "a dependency did not succeed")
                    outcome[task_name] = "Omitted"
                elif all(outcome.get(dep) == "Succeeded" for dep in deps):
                    if self._stop_event.is_set():
                        outcome[task_name] = "Omitted"
                        continue
                    thread = threading.Thread(target=run_task, args=(task,), daemon=True)
                    running[task_name] = thread
                    thread.start()
            for task_name, thread in list(running.items()):
                if not thread.is_alive():
                    thread.join()
                    del running[task_name]
                    with lock:
                        outcome[task_name] = results[task_name].phase
            if running:
                time.sleep(_POLL_SECONDS)
            elif not any(self._ready(task, outcome) for task in tasks):
                # Nothing runs and nothing can start (a dependency that never resolves).
                for task in tasks:
                    outcome.setdefault(str(task["name"]), "Omitted")
        failed = [name for name, phase in outcome.items() if phase != "Succeeded"]
        if failed:
            return self._finish(node, "Failed", f"task {failed[0]} did not succeed")
        return self._finish(node, "Succeeded")

    @staticmethod
    def _ready(task: Mapping[str, Any], outcome: Mapping[str, str]) -> bool:
        """Whether ``task`` has not run yet and every dependency has an outcome."""
        deps = [str(dep) for dep in task.get("dependencies") or []]
        return str(task["name"]) not in outcome and all(dep in outcome for dep in deps)

    def _run_leaf(self, node: NodeRecord, template: Mapping[str, Any]) -> NodeRecord:
        body = template.get("container") or template.get("script") or {}
        argv = [str(item) for item in body.get("command") or []]
        if "script" in template:
            self._scripts_dir.mkdir(parents=True, exist_ok=True)
            script_path = self._scripts_dir / f"{node.node_id}.script"
            script_path.write_text(str(body.get("source") or ""))
            argv = (argv or ["sh"]) + [str(script_path)]
        argv += [str(item) for item in body.get("args") or []]
        env = {str(item["name"]): str(item.get("value", "")) for item in body.get("env") or []}
        launch = NodeLaunch(
            node_id=node.node_id,
            node_name=node.name,
            argv=argv,
            env=env,
            image=str(body.get("image") or ""),
            working_dir=str(body.get("workingDir") or ""),
        )
        try:
            process = self._launcher(launch)
        except OSError as error:
            return self._finish(node, "Failed", f"cannot start: {error}")
        with self._lock:
            node.pid = process.pid
            node.image = launch.image
        while (code := process.poll()) is None:
            if self._stop_event.is_set():
                code = process.stop(self._grace_seconds)
                with self._lock:
                    node.exit_code = code
                return self._finish(node, "Failed", "workflow was stopped")
            time.sleep(_POLL_SECONDS)
        process.end_leftovers()
        with self._lock:
            node.exit_code = code
        if code == 0:
            return self._finish(node, "Succeeded")
        return self._finish(node, "Failed", f"exit code {code}")
