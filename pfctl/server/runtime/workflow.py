"""Runs a validated Argo Workflow (the subset of ``pfctl.spec.argo_subset``) as local processes.

Each template invocation is a node, named as Argo names them (``wf[0].step``, ``wf.task``).
Leaf nodes (container, script) run through a launcher given by the caller; steps and dag nodes
run their children in order, in parallel where Argo would. A failed node fails its parent and
the workflow; dag tasks whose dependencies failed are ``Omitted``.

A run is bounded (docs/executor.md, Workflows): it creates at most ``limits.max_nodes`` nodes
(reaching the limit fails it), at most ``limits.parallelism`` leaf nodes run at once, and a leaf
with ``resources.requests`` starts only once the ``gate`` has admitted it into the job's queue.
Stop, or reaching the node limit, halts the run: no node starts after that, and the process
groups of all running nodes are stopped together, with one grace period.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pfctl.server.runtime.processes import ReplicaProcess, stop_all
from pfctl.server.runtime.workflow_gate import NodeGate, OpenGate, ParallelismSlots
from pfctl.server.runtime.workflow_nodes import (
    DEFAULT_PARALLELISM,
    Launcher,
    NodeLaunch,
    NodeRecord,
    WorkflowLimits,
)
from pfctl.server.runtime.workflow_spec import node_request, parameter_values, substitute

__all__ = ["DEFAULT_PARALLELISM", "NodeLaunch", "NodeRecord", "WorkflowLimits", "WorkflowRun"]

_POLL_SECONDS = 0.05
MESSAGE_STOPPED = "workflow was stopped"


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
        limits: WorkflowLimits | None = None,
        gate: NodeGate | None = None,
        publish_seconds: float = 0.25,
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
        self._publish_seconds = publish_seconds
        limits = limits or WorkflowLimits()
        self._max_nodes = limits.max_nodes
        wanted = spec.get("parallelism")
        parallelism = limits.parallelism
        if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted > 0:
            parallelism = min(parallelism, wanted)
        self._slots = ParallelismSlots(parallelism)
        self._gate = gate or OpenGate()
        self._lock = threading.Lock()
        self._nodes: list[NodeRecord] = []
        self._changed = threading.Event()
        # Guarded by _launch_lock: once _halt_message is set, nothing is added to _running.
        self._launch_lock = threading.Lock()
        self._halt_message: str | None = None
        self._running: set[ReplicaProcess] = set()
        self._errors: list[BaseException] = []
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
        """Run the entrypoint; ``(succeeded, message)``. Publishes changes through
        ``on_change`` (at most every ``publish_seconds``) and halts on stop."""
        outcome: list[NodeRecord] = []
        worker = self._spawn(
            lambda: outcome.append(
                self._run_template(self._entrypoint, {}, self._workflow_name, self._entrypoint)
            )
        )
        published_at = 0.0
        halted_running = False
        while worker.is_alive():
            worker.join(_POLL_SECONDS)
            if self._stop_event.is_set():
                self._halt(MESSAGE_STOPPED)
            if self._halt_message is not None and not halted_running:
                halted_running = True
                self._stop_running()
            if self._changed.is_set() and time.monotonic() - published_at >= self._publish_seconds:
                self._changed.clear()
                self._on_change()
                published_at = time.monotonic()
        if self._errors:
            raise self._errors[0]
        if self._halt_message is not None:
            return False, self._halt_message
        root = outcome[0]
        if root.phase == "Succeeded":
            return True, ""
        failed = [node for node in self.nodes if node.phase == "Failed" and node.node_type == "Pod"]
        culprit = failed[0] if failed else root
        return False, f"node {culprit.name} failed: {culprit.message}"

    # -- halting -------------------------------------------------------------------------

    def _halt(self, message: str) -> None:
        """From now on no node starts; the run loop stops the running ones."""
        with self._launch_lock:
            if self._halt_message is None:
                self._halt_message = message
        self._slots.wake_all()

    def _halted(self) -> bool:
        return self._halt_message is not None

    def _stop_running(self) -> None:
        """Stop every running node's process group at once (TERM, one grace period, KILL)."""
        with self._launch_lock:
            running = list(self._running)
        if running:
            stop_all(running, self._grace_seconds)

    def _spawn(self, target: Callable[[], None]) -> threading.Thread:
        """A thread for part of the run; an error in it halts the run and ``run`` raises it."""

        def guarded() -> None:
            try:
                target()
            except Exception as error:  # re-raised by run() in the job's thread
                self._errors.append(error)
                self._halt(f"local executor error: {error}")

        thread = threading.Thread(target=guarded, daemon=True)
        thread.start()
        return thread

    # -- nodes ---------------------------------------------------------------------------

    def _new_node(self, name: str, display_name: str, template: str, node_type: str) -> NodeRecord:
        with self._lock:
            node = NodeRecord(
                node_id=f"{self._workflow_name}-{len(self._nodes)}",
                name=name,
                display_name=display_name,
                template=template,
                node_type=node_type,
            )
            over = len(self._nodes) >= self._max_nodes
            if not over:
                self._nodes.append(node)
        if over:
            self._halt(f"workflow reached the local executor's limit of {self._max_nodes:,} nodes")
        self._changed.set()
        return node

    def _finish(self, node: NodeRecord, phase: str, message: str = "") -> NodeRecord:
        with self._lock:
            node.phase = phase
            node.message = message
            if node.started_at is None and phase not in ("Omitted", "Skipped"):
                node.started_at = time.time()
            node.finished_at = time.time()
        self._changed.set()
        return node

    def _begin(self, node: NodeRecord) -> None:
        with self._lock:
            node.phase = "Running"
            node.started_at = time.time()
        self._changed.set()

    def _run_template(
        self, template_name: str, arguments: Mapping[str, str | None], name: str, display: str
    ) -> NodeRecord:
        template = self._templates[template_name]
        node_type = {"steps": "Steps", "dag": "DAG"}.get(
            next((kind for kind in ("steps", "dag") if kind in template), ""), "Pod"
        )
        node = self._new_node(name, display, template_name, node_type)
        if self._halt_message is not None:
            return self._finish(node, "Failed", self._halt_message)
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
        if "steps" in resolved:
            self._begin(node)
            return self._run_steps(node, resolved["steps"])
        if "dag" in resolved:
            self._begin(node)
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
            self._spawn(functools.partial(run_one, position, call, name))
            for position, (call, name) in enumerate(calls)
        ]
        for thread in threads:
            thread.join()
        return [result for result in results if result is not None]

    def _run_steps(self, node: NodeRecord, groups: list[list[Mapping[str, Any]]]) -> NodeRecord:
        for group_index, group in enumerate(groups):
            group_name = f"{node.name}[{group_index}]"
            group_node = self._new_node(group_name, f"[{group_index}]", node.template, "StepGroup")
            node.children.append(group_node.node_id)
            if self._halt_message is not None:
                self._finish(group_node, "Failed", self._halt_message)
                return self._finish(node, "Failed", self._halt_message)
            self._begin(group_node)
            children = self._run_parallel(
                [(step, f"{group_name}.{step['name']}") for step in group]
            )
            failed = [child for child in children if child.phase != "Succeeded"]
            if failed or len(children) < len(group):
                message = f"child {failed[0].name} failed" if failed else "a child did not run"
                self._finish(group_node, "Failed", message)
                return self._finish(node, "Failed", message)
            self._finish(group_node, "Succeeded")
        return self._finish(node, "Succeeded")

    def _run_dag(self, node: NodeRecord, tasks: list[Mapping[str, Any]]) -> NodeRecord:
        outcome: dict[str, str] = {}
        running: dict[str, threading.Thread] = {}
        results: dict[str, NodeRecord] = {}

        def run_task(task: Mapping[str, Any]) -> None:
            results[str(task["name"])] = self._call(task, f"{node.name}.{task['name']}")

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
                    if self._halt_message is not None:
                        outcome[task_name] = "Omitted"
                        continue
                    running[task_name] = self._spawn(functools.partial(run_task, task))
            for task_name, thread in list(running.items()):
                if not thread.is_alive():
                    thread.join()
                    del running[task_name]
                    result = results.get(task_name)
                    outcome[task_name] = "Failed" if result is None else result.phase
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

    # -- leaves ----------------------------------------------------------------------------

    def _run_leaf(self, node: NodeRecord, template: Mapping[str, Any]) -> NodeRecord:
        body = template.get("container") or template.get("script") or {}
        try:
            request = node_request(body)
        except ValueError as error:
            return self._finish(node, "Failed", f"cannot read resources.requests: {error}")
        if not self._slots.acquire(self._halted):
            return self._finish(node, "Failed", self._halt_message or MESSAGE_STOPPED)
        try:
            refused = self._gate.admit(request, self._halted)
            if refused is not None:
                return self._finish(node, "Failed", self._halt_message or refused)
            try:
                return self._run_process(node, template, body)
            finally:
                self._gate.release(request)
        finally:
            self._slots.release()

    def _run_process(
        self, node: NodeRecord, template: Mapping[str, Any], body: Mapping[str, Any]
    ) -> NodeRecord:
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
        with self._launch_lock:
            if self._halt_message is not None:
                return self._finish(node, "Failed", self._halt_message)
            try:
                process = self._launcher(launch)
            except OSError as error:
                return self._finish(node, "Failed", f"cannot start: {error}")
            self._running.add(process)
        with self._lock:
            node.pid = process.pid
            node.image = launch.image
        self._begin(node)
        try:
            code = process.poll()
            while code is None:
                code = process.wait(_POLL_SECONDS)
            process.end_leftovers()
        finally:
            with self._launch_lock:
                self._running.discard(process)
        with self._lock:
            node.exit_code = code
        if code != 0 and self._halted():
            return self._finish(node, "Failed", self._halt_message or MESSAGE_STOPPED)
        if code == 0:
            return self._finish(node, "Succeeded")
        return self._finish(node, "Failed", f"exit code {code}")
