"""The Argo Workflow subset the local executor runs: validation and parameter substitution.

Supported: ``spec.entrypoint``, ``spec.arguments.parameters``, and ``spec.templates`` whose
entries have a ``name``, optional ``inputs.parameters``, and exactly one of ``container``,
``script``, ``steps`` (groups run in sequence, the steps of a group in parallel) or ``dag``
(tasks with ``dependencies``). Strings may use ``{{inputs.parameters.NAME}}``,
``{{workflow.parameters.NAME}}`` and ``{{workflow.name}}``. Anything else is reported by
``validate_workflow`` with the path of the unsupported field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TOP_KEYS = {"apiVersion", "kind", "metadata", "spec"}
_METADATA_KEYS = {"name", "generateName", "namespace", "labels", "annotations"}
_SPEC_KEYS = {"entrypoint", "templates", "arguments"}
_TEMPLATE_KEYS = {"name", "inputs", "container", "script", "steps", "dag", "metadata"}
_BODY_KINDS = ("container", "script", "steps", "dag")
_CONTAINER_KEYS = {"image", "command", "args", "env", "workingDir", "name", "imagePullPolicy"}
_SCRIPT_KEYS = _CONTAINER_KEYS | {"source"}
_ENV_KEYS = {"name", "value"}
_STEP_KEYS = {"name", "template", "arguments"}
_TASK_KEYS = {"name", "template", "arguments", "dependencies"}
_ARGUMENTS_KEYS = {"parameters"}
_PARAMETER_KEYS = {"name", "value", "default", "description"}

_EXPRESSION = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_SUPPORTED_EXPRESSION = re.compile(
    r"^(inputs\.parameters\.[A-Za-z0-9_.-]+|workflow\.parameters\.[A-Za-z0-9_.-]+|workflow\.name)$"
)

SUBSET_HINT = (
    "the local executor supports entrypoint, arguments.parameters and templates with "
    "container, script, steps or dag, inputs.parameters and {{inputs.parameters.x}} / "
    "{{workflow.parameters.x}} substitution"
)


def _check_keys(
    value: Mapping[str, Any], allowed: set[str], path: str, problems: list[str]
) -> None:
    for key in value:
        if key not in allowed:
            problems.append(
                f"unsupported field {path}.{key}" if path else f"unsupported field {key}"
            )


def _expect_mapping(value: Any, path: str, problems: list[str]) -> Mapping[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.append(f"{path} must be an object")
        return None
    return value


def _expect_list(value: Any, path: str, problems: list[str]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{path} must be a list")
        return []
    return value


def _check_parameters(container: Any, path: str, problems: list[str]) -> list[str]:
    """Check an ``arguments``/``inputs`` object; the parameter names."""
    holder = _expect_mapping(container, path, problems)
    if holder is None:
        return []
    _check_keys(holder, _ARGUMENTS_KEYS, path, problems)
    names: list[str] = []
    for index, parameter in enumerate(
        _expect_list(holder.get("parameters"), f"{path}.parameters", problems)
    ):
        item_path = f"{path}.parameters[{index}]"
        item = _expect_mapping(parameter, item_path, problems)
        if item is None:
            continue
        _check_keys(item, _PARAMETER_KEYS, item_path, problems)
        if not isinstance(item.get("name"), str) or not item["name"]:
            problems.append(f"{item_path}.name is required")
        else:
            names.append(item["name"])
    return names


def _check_expressions(
    value: Any, path: str, problems: list[str], workflow_parameters: set[str]
) -> None:
    if isinstance(value, str):
        for match in _EXPRESSION.finditer(value):
            expression = match.group(1)
            if not _SUPPORTED_EXPRESSION.match(expression):
                problems.append(f"unsupported expression {{{{{expression}}}}} in {path}")
            elif expression.startswith("workflow.parameters."):
                name = expression[len("workflow.parameters.") :]
                if name not in workflow_parameters:
                    problems.append(f"{path} refers to undefined workflow parameter {name!r}")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_expressions(item, f"{path}.{key}", problems, workflow_parameters)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_expressions(item, f"{path}[{index}]", problems, workflow_parameters)


def _check_leaf(kind: str, body: Mapping[str, Any], path: str, problems: list[str]) -> None:
    _check_keys(body, _SCRIPT_KEYS if kind == "script" else _CONTAINER_KEYS, path, problems)
    for key in ("command", "args"):
        items = _expect_list(body.get(key), f"{path}.{key}", problems)
        if any(not isinstance(item, (str, int, float)) for item in items):
            problems.append(f"{path}.{key} must be a list of strings")
    for index, entry in enumerate(_expect_list(body.get("env"), f"{path}.env", problems)):
        env_path = f"{path}.env[{index}]"
        item = _expect_mapping(entry, env_path, problems)
        if item is not None:
            _check_keys(item, _ENV_KEYS, env_path, problems)
    if kind == "script" and not isinstance(body.get("source"), str):
        problems.append(f"{path}.source is required")
    if kind == "container" and not body.get("command") and not body.get("args"):
        problems.append(f"{path} needs a command or args (images are not run locally)")


def _check_calls(
    calls: list[Any], allowed: set[str], path: str, names: set[str], problems: list[str]
) -> list[Mapping[str, Any]]:
    checked: list[Mapping[str, Any]] = []
    for index, call in enumerate(calls):
        call_path = f"{path}[{index}]"
        item = _expect_mapping(call, call_path, problems)
        if item is None:
            continue
        _check_keys(item, allowed, call_path, problems)
        if not isinstance(item.get("name"), str) or not item["name"]:
            problems.append(f"{call_path}.name is required")
        if item.get("template") not in names:
            problems.append(f"{call_path}.template {item.get('template')!r} is not a template")
        _check_parameters(item.get("arguments"), f"{call_path}.arguments", problems)
        checked.append(item)
    return checked


def _check_dag(body: Mapping[str, Any], path: str, names: set[str], problems: list[str]) -> None:
    _check_keys(body, {"tasks"}, path, problems)
    tasks = _check_calls(
        _expect_list(body.get("tasks"), f"{path}.tasks", problems),
        _TASK_KEYS,
        f"{path}.tasks",
        names,
        problems,
    )
    task_names = [task.get("name") for task in tasks]
    if len(set(task_names)) != len(task_names):
        problems.append(f"{path}.tasks has duplicate task names")
    dependencies: dict[str, list[str]] = {}
    for index, task in enumerate(tasks):
        deps = _expect_list(
            task.get("dependencies"), f"{path}.tasks[{index}].dependencies", problems
        )
        for dep in deps:
            if dep not in task_names:
                problems.append(f"{path}.tasks[{index}].dependencies names unknown task {dep!r}")
        dependencies[str(task.get("name"))] = [str(dep) for dep in deps]
    if _has_cycle(dependencies):
        problems.append(f"{path}.tasks: dependencies form a cycle")


def _has_cycle(dependencies: Mapping[str, list[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(name: str) -> bool:
        if state.get(name) == 1:
            return True
        if state.get(name) == 2:
            return False
        state[name] = 1
        if any(visit(dep) for dep in dependencies.get(name, [])):
            return True
        state[name] = 2
        return False

    return any(visit(name) for name in dependencies)


def validate_workflow(template: Any) -> list[str]:
    """Problems that keep the local executor from running ``template``; empty when runnable."""
    problems: list[str] = []
    workflow = _expect_mapping(template, "extensionTemplate", problems)
    if workflow is None:
        return problems or ["extensionTemplate must be an Argo Workflow object"]
    _check_keys(workflow, _TOP_KEYS, "", problems)
    if workflow.get("kind") not in (None, "Workflow"):
        problems.append(f"kind {workflow.get('kind')!r} is not supported, only Workflow")
    metadata = _expect_mapping(workflow.get("metadata"), "metadata", problems)
    if metadata is not None:
        _check_keys(metadata, _METADATA_KEYS, "metadata", problems)
    spec = _expect_mapping(workflow.get("spec"), "spec", problems)
    if spec is None:
        problems.append("spec is required")
        return problems
    _check_keys(spec, _SPEC_KEYS, "spec", problems)
    workflow_parameters = set(_check_parameters(spec.get("arguments"), "spec.arguments", problems))
    templates = _expect_list(spec.get("templates"), "spec.templates", problems)
    names = {str(item.get("name")) for item in templates if isinstance(item, Mapping)}
    if not isinstance(spec.get("entrypoint"), str) or not spec["entrypoint"]:
        problems.append("spec.entrypoint is required")
    elif spec["entrypoint"] not in names:
        problems.append(f"spec.entrypoint {spec['entrypoint']!r} is not a template")
    seen: set[str] = set()
    for index, entry in enumerate(templates):
        path = f"spec.templates[{index}]"
        item = _expect_mapping(entry, path, problems)
        if item is None:
            continue
        _check_keys(item, _TEMPLATE_KEYS, path, problems)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"{path}.name is required")
        elif name in seen:
            problems.append(f"{path}.name {name!r} is used twice")
        else:
            seen.add(name)
        _check_parameters(item.get("inputs"), f"{path}.inputs", problems)
        kinds = [kind for kind in _BODY_KINDS if kind in item]
        if len(kinds) != 1:
            problems.append(f"{path} needs exactly one of container, script, steps, dag")
            continue
        kind = kinds[0]
        body_path = f"{path}.{kind}"
        if kind == "steps":
            for group_index, group in enumerate(_expect_list(item["steps"], body_path, problems)):
                group_path = f"{body_path}[{group_index}]"
                _check_calls(
                    _expect_list(group, group_path, problems),
                    _STEP_KEYS,
                    group_path,
                    names,
                    problems,
                )
            continue
        body = _expect_mapping(item[kind], body_path, problems)
        if body is None:
            problems.append(f"{body_path} is required")
        elif kind == "dag":
            _check_dag(body, body_path, names, problems)
        else:
            _check_leaf(kind, body, body_path, problems)
    _check_expressions(spec.get("templates"), "spec.templates", problems, workflow_parameters)
    return problems


def substitute(value: Any, variables: Mapping[str, str]) -> Any:
    """``value`` with every ``{{ name }}`` in its strings replaced from ``variables``.

    Raises KeyError naming the first expression that has no value.
    """
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            return variables[match.group(1)]

        return _EXPRESSION.sub(replace, value)
    if isinstance(value, Mapping):
        return {key: substitute(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, variables) for item in value]
    return value


def parameter_values(holder: Any) -> dict[str, str | None]:
    """``{name: value}`` of an ``arguments``/``inputs`` object (value or default; None if unset)."""
    values: dict[str, str | None] = {}
    if not isinstance(holder, Mapping):
        return values
    for parameter in holder.get("parameters") or []:
        if isinstance(parameter, Mapping) and isinstance(parameter.get("name"), str):
            raw = parameter.get("value", parameter.get("default"))
            values[parameter["name"]] = None if raw is None else str(raw)
    return values
