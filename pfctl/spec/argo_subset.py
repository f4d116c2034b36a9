"""The Argo Workflow subset the local executor runs, as one check shared by server and validate.

Supported: ``spec.entrypoint``, ``spec.arguments.parameters``, ``spec.parallelism``, and
``spec.templates`` whose entries have a ``name``, optional ``inputs.parameters``, and exactly one
of ``container`` or ``script`` (``resources.requests`` are charged against the queue), ``steps``
(groups run in sequence, the steps of a group in parallel) or ``dag`` (tasks with
``dependencies``); no template calls itself, directly or through others, and a run creates at
most ``MAX_NODES`` nodes (``pfctl.spec.argo_calls``). Strings may use
``{{inputs.parameters.NAME}}``, ``{{workflow.parameters.NAME}}`` and ``{{workflow.name}}``.

``check_workflow`` reports everything else, each finding with the path of the field inside
``extensionTemplate`` and the text the local server's create error uses for it. The server
refuses a workflow at create with its first finding (``pfctl.server.jobs.create``); ``pfctl
validate`` reports every finding, as a warning or, with ``--target local``, as an error. Only
the standard library and ``pfctl.spec`` (``paths``, ``quantity``, ``argo_calls``) are imported:
``pfctl.manifests`` calls this on every workflow manifest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pfctl.spec.argo_calls import MAX_NODES, bound_findings
from pfctl.spec.paths import Path, format_field_path
from pfctl.spec.quantity import parse_quantity

__all__ = [
    "EXPRESSION",
    "SUBSET_HINT",
    "SubsetProblem",
    "check_workflow",
    "dotted",
    "validate_workflow",
]

# What counts as a JSON object: dict first, as checking the Mapping ABC is much slower.
_MAPPINGS = (dict, Mapping)

_TOP_KEYS = {"apiVersion", "kind", "metadata", "spec"}
_METADATA_KEYS = {"name", "generateName", "namespace", "labels", "annotations"}
_SPEC_KEYS = {"entrypoint", "templates", "arguments", "parallelism"}
_TEMPLATE_KEYS = {"name", "inputs", "container", "script", "steps", "dag", "metadata"}
_BODY_KINDS = ("container", "script", "steps", "dag")
_CONTAINER_KEYS = {
    "image",
    "command",
    "args",
    "env",
    "workingDir",
    "name",
    "imagePullPolicy",
    "resources",
}
_RESOURCES_KEYS = {"requests", "limits"}
_SCRIPT_KEYS = _CONTAINER_KEYS | {"source"}
_ENV_KEYS = {"name", "value"}
_STEP_KEYS = {"name", "template", "arguments"}
_TASK_KEYS = {"name", "template", "arguments", "dependencies"}
_ARGUMENTS_KEYS = {"parameters"}
_PARAMETER_KEYS = {"name", "value", "default", "description"}

#: A ``{{ expression }}`` in a string of the template.
EXPRESSION = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_SUPPORTED_EXPRESSION = re.compile(
    r"^(inputs\.parameters\.[A-Za-z0-9_.-]+|workflow\.parameters\.[A-Za-z0-9_.-]+|workflow\.name)$"
)

SUBSET_HINT = (
    "the local executor supports entrypoint, arguments.parameters, parallelism and templates "
    "with container, script (with resources), steps or dag (no recursion, at most "
    f"{MAX_NODES:,} nodes), inputs.parameters and {{{{inputs.parameters.x}}}} / "
    "{{workflow.parameters.x}} substitution"
)


@dataclass(frozen=True)
class SubsetProblem:
    """One reason the local executor cannot run a workflow."""

    path: Path
    """Where, inside ``extensionTemplate``: ``("spec", "templates", 0, "retryStrategy")``."""
    message: str
    """The local server's create error text for it."""
    at_key: bool = False
    """True when ``path`` names a field that should not be there (locate its key)."""


def dotted(path: Path) -> str:
    """``("spec", "templates", 0, "name")`` -> ``spec.templates[0].name``, as messages say it;
    the empty path is the template itself, ``extensionTemplate``."""
    return format_field_path(path) or "extensionTemplate"


class _Checker:
    """Walks one template, collecting problems in the order the server reports them."""

    def __init__(self) -> None:
        self.problems: list[SubsetProblem] = []

    def add(self, path: Path, message: str, *, at_key: bool = False) -> None:
        self.problems.append(SubsetProblem(path, message, at_key))

    def keys(self, value: Mapping[Any, Any], allowed: set[str], path: Path) -> None:
        for key in value:
            if key not in allowed:
                self.add(
                    (*path, str(key)), f"unsupported field {dotted((*path, str(key)))}", at_key=True
                )

    def mapping(self, value: Any, path: Path) -> Mapping[Any, Any] | None:
        if value is None:
            return None
        if not isinstance(value, _MAPPINGS):
            self.add(path, f"{dotted(path)} must be an object")
            return None
        return value

    def listing(self, value: Any, path: Path) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, f"{dotted(path)} must be a list")
            return []
        return value

    def required_name(self, item: Mapping[Any, Any], path: Path) -> str | None:
        name = item.get("name")
        if not isinstance(name, str) or not name:
            self.add((*path, "name"), f"{dotted(path)}.name is required")
            return None
        return name

    def parameters(self, holder_value: Any, path: Path) -> list[str]:
        """Check an ``arguments``/``inputs`` object; the parameter names."""
        holder = self.mapping(holder_value, path)
        if holder is None:
            return []
        self.keys(holder, _ARGUMENTS_KEYS, path)
        names: list[str] = []
        items_path = (*path, "parameters")
        for index, parameter in enumerate(self.listing(holder.get("parameters"), items_path)):
            item = self.mapping(parameter, (*items_path, index))
            if item is None:
                continue
            self.keys(item, _PARAMETER_KEYS, (*items_path, index))
            name = self.required_name(item, (*items_path, index))
            if name is not None:
                names.append(name)
        return names

    def expressions(self, root: Any, path: Path, workflow_parameters: set[str]) -> None:
        # Depth-first in document order, without recursion (a server gets any JSON): a stack of
        # the children still to visit, per container entered. A child's path is built only when
        # needed, for a container or a string holding an expression.
        stack: list[tuple[Iterator[tuple[str | int | None, Any]], Path]] = [
            (iter([(None, root)]), path)
        ]
        while stack:
            children, where = stack[-1]
            for part, value in children:
                if isinstance(value, str):
                    if "{{" in value:  # every expression starts so
                        here = where if part is None else (*where, part)
                        self.expressions_in(value, here, workflow_parameters)
                elif isinstance(value, _MAPPINGS):
                    here = where if part is None else (*where, part)
                    stack.append((zip(map(str, value.keys()), value.values(), strict=True), here))
                    break
                elif isinstance(value, list):
                    here = where if part is None else (*where, part)
                    stack.append((enumerate(value), here))
                    break
            else:
                stack.pop()

    def expressions_in(self, text: str, path: Path, workflow_parameters: set[str]) -> None:
        for match in EXPRESSION.finditer(text):
            expression = match.group(1)
            if not _SUPPORTED_EXPRESSION.match(expression):
                self.add(path, f"unsupported expression {{{{{expression}}}}} in {dotted(path)}")
            elif expression.startswith("workflow.parameters."):
                name = expression[len("workflow.parameters.") :]
                if name not in workflow_parameters:
                    self.add(
                        path, f"{dotted(path)} refers to undefined workflow parameter {name!r}"
                    )

    def leaf(self, kind: str, body: Mapping[Any, Any], path: Path) -> None:
        self.keys(body, _SCRIPT_KEYS if kind == "script" else _CONTAINER_KEYS, path)
        for key in ("command", "args"):
            items = self.listing(body.get(key), (*path, key))
            if any(not isinstance(item, (str, int, float)) for item in items):
                self.add((*path, key), f"{dotted((*path, key))} must be a list of strings")
        for index, entry in enumerate(self.listing(body.get("env"), (*path, "env"))):
            item = self.mapping(entry, (*path, "env", index))
            if item is not None:
                self.keys(item, _ENV_KEYS, (*path, "env", index))
        self.resources(body.get("resources"), (*path, "resources"))
        if kind == "script" and not isinstance(body.get("source"), str):
            self.add((*path, "source"), f"{dotted(path)}.source is required")
        if kind == "container" and not body.get("command") and not body.get("args"):
            self.add(path, f"{dotted(path)} needs a command or args (images are not run locally)")

    def resources(self, value: Any, path: Path) -> None:
        """``resources``: ``requests`` (charged against the queue) and ``limits`` (not enforced),
        each a mapping of resource names to quantities."""
        holder = self.mapping(value, path)
        if holder is None:
            return
        self.keys(holder, _RESOURCES_KEYS, path)
        for key in sorted(_RESOURCES_KEYS & set(holder)):
            amounts = self.mapping(holder[key], (*path, key))
            for name, amount in (amounts or {}).items():
                where = (*path, key, str(name))
                if isinstance(amount, str) and "{{" in amount:
                    continue  # a parameter: read when the node starts
                try:
                    negative = parse_quantity(str(amount)) < 0
                except ValueError as error:
                    self.add(where, f"{dotted(where)}: {error}")
                    continue
                if negative or isinstance(amount, bool):
                    self.add(where, f"{dotted(where)} must be a quantity of at least 0")

    def calls(
        self, calls: list[Any], allowed: set[str], path: Path, names: set[str]
    ) -> list[Mapping[Any, Any]]:
        checked: list[Mapping[Any, Any]] = []
        for index, call in enumerate(calls):
            call_path = (*path, index)
            item = self.mapping(call, call_path)
            if item is None:
                continue
            self.keys(item, allowed, call_path)
            self.required_name(item, call_path)
            template = item.get("template")
            if not isinstance(template, str) or template not in names:
                self.add(
                    (*call_path, "template"),
                    f"{dotted(call_path)}.template {template!r} is not a template",
                )
            self.parameters(item.get("arguments"), (*call_path, "arguments"))
            checked.append(item)
        return checked

    def dag(self, body: Mapping[Any, Any], path: Path, names: set[str]) -> None:
        self.keys(body, {"tasks"}, path)
        tasks_path = (*path, "tasks")
        tasks = self.calls(
            self.listing(body.get("tasks"), tasks_path), _TASK_KEYS, tasks_path, names
        )
        task_names = [task.get("name") for task in tasks]
        if len({str(name) for name in task_names}) != len(task_names):
            self.add(tasks_path, f"{dotted(tasks_path)} has duplicate task names")
        dependencies: dict[str, list[str]] = {}
        for index, task in enumerate(tasks):
            deps_path = (*tasks_path, index, "dependencies")
            deps = self.listing(task.get("dependencies"), deps_path)
            for dep in deps:
                if dep not in task_names:
                    self.add(deps_path, f"{dotted(deps_path)} names unknown task {dep!r}")
            dependencies[str(task.get("name"))] = [str(dep) for dep in deps]
        if _has_cycle(dependencies):
            self.add(tasks_path, f"{dotted(tasks_path)}: dependencies form a cycle")

    def template(self, entry: Any, path: Path, names: set[str], seen: set[str]) -> None:
        item = self.mapping(entry, path)
        if item is None:
            return
        self.keys(item, _TEMPLATE_KEYS, path)
        name = self.required_name(item, path)
        if name is not None and name in seen:
            self.add((*path, "name"), f"{dotted(path)}.name {name!r} is used twice")
        elif name is not None:
            seen.add(name)
        self.parameters(item.get("inputs"), (*path, "inputs"))
        kinds = [kind for kind in _BODY_KINDS if kind in item]
        if len(kinds) != 1:
            self.add(path, f"{dotted(path)} needs exactly one of container, script, steps, dag")
            return
        kind = kinds[0]
        body_path = (*path, kind)
        if kind == "steps":
            for group_index, group in enumerate(self.listing(item["steps"], body_path)):
                group_path = (*body_path, group_index)
                self.calls(self.listing(group, group_path), _STEP_KEYS, group_path, names)
            return
        body = self.mapping(item[kind], body_path)
        if body is None:
            self.add(body_path, f"{dotted(body_path)} is required")
        elif kind == "dag":
            self.dag(body, body_path, names)
        else:
            self.leaf(kind, body, body_path)

    def workflow(self, template: Any) -> None:
        workflow = self.mapping(template, ())
        if workflow is None:
            if not self.problems:
                self.add((), "extensionTemplate must be an Argo Workflow object")
            return
        self.keys(workflow, _TOP_KEYS, ())
        if workflow.get("kind") not in (None, "Workflow"):
            self.add(("kind",), f"kind {workflow.get('kind')!r} is not supported, only Workflow")
        metadata = self.mapping(workflow.get("metadata"), ("metadata",))
        if metadata is not None:
            self.keys(metadata, _METADATA_KEYS, ("metadata",))
        spec = self.mapping(workflow.get("spec"), ("spec",))
        if spec is None:
            self.add(("spec",), "spec is required")
            return
        self.keys(spec, _SPEC_KEYS, ("spec",))
        parallelism = spec.get("parallelism")
        if parallelism is not None and (
            not isinstance(parallelism, int) or isinstance(parallelism, bool) or parallelism < 1
        ):
            self.add(("spec", "parallelism"), "spec.parallelism must be a positive integer")
        workflow_parameters = set(self.parameters(spec.get("arguments"), ("spec", "arguments")))
        templates = self.listing(spec.get("templates"), ("spec", "templates"))
        names = {str(item.get("name")) for item in templates if isinstance(item, _MAPPINGS)}
        entrypoint = spec.get("entrypoint")
        if not isinstance(entrypoint, str) or not entrypoint:
            self.add(("spec", "entrypoint"), "spec.entrypoint is required")
        elif entrypoint not in names:
            self.add(("spec", "entrypoint"), f"spec.entrypoint {entrypoint!r} is not a template")
        seen: set[str] = set()
        for index, entry in enumerate(templates):
            self.template(entry, ("spec", "templates", index), names, seen)
        known = isinstance(entrypoint, str) and entrypoint in names
        self.bounds(templates, entrypoint if known else None)
        self.expressions(spec.get("templates"), ("spec", "templates"), workflow_parameters)

    def bounds(self, templates: list[Any], entrypoint: str | None) -> None:
        """No template calls itself, and a run creates at most ``MAX_NODES`` nodes."""
        for path, message in bound_findings(templates, entrypoint):
            self.add(path, message)


def _has_cycle(dependencies: Mapping[str, list[str]]) -> bool:
    """Whether following dependencies can come back to a task (iteratively: chains are long)."""
    done: set[str] = set()
    for start in dependencies:
        if start in done:
            continue
        on_path = {start}
        stack = [(start, iter(dependencies.get(start, [])))]
        while stack:
            name, remaining = stack[-1]
            dep = next(remaining, None)
            if dep is None:
                stack.pop()
                on_path.discard(name)
                done.add(name)
            elif dep in on_path:
                return True
            elif dep not in done:
                on_path.add(dep)
                stack.append((dep, iter(dependencies.get(dep, []))))
    return False


def check_workflow(template: Any) -> list[SubsetProblem]:
    """Every reason the local executor cannot run ``template``; empty when it can.

    Never raises, whatever ``template`` holds (any JSON or YAML value).
    """
    checker = _Checker()
    checker.workflow(template)
    return checker.problems


def validate_workflow(template: Any) -> list[str]:
    """The messages of ``check_workflow(template)``, in order."""
    return [problem.message for problem in check_workflow(template)]
