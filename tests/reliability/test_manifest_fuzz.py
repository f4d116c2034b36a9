"""Manifest fuzzing: hypothesis-mutated manifests through the loader and ``pfctl validate``.

- Mutated bytes and mutated documents never raise out of the loader; every problem is located
  (line, column, JSON path, message).
- ``pfctl validate`` on a directory of mutated manifests exits 0 or 1, prints no traceback, and
  reports every problem as ``file:line:col: $.path: message``.
- The validator and the server agree on validity for every generated create body: what
  ``validate --target local`` accepts the server accepts, and the reverse. The generated values
  stay inside what an offline check can know (the seeded queue and flavours, fresh ids,
  resources the queue holds); the rules are the rest. Workflow bodies are generated inside and
  outside the Argo subset the local executor runs (template kinds it lacks, a missing or
  unknown entrypoint, unsupported fields and expressions, bad references, cycles, members
  without role or replicas).
- With the default target (``paddleflow``) the only difference is a warning for each finding
  that ``--target local`` reports as an error, all inside ``extensionTemplate``.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from pfctl.manifests import TARGETS
from pfctl.manifests.checks import strip_unset
from pfctl.manifests.filecheck import check_bytes
from pfctl.manifests.framework_checks import SUBMIT_FAILS
from tests.helpers.api import Api
from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import WORKFLOW

EXAMPLES = int(os.environ.get("PFCTL_MANIFEST_FUZZ_EXAMPLES", "100"))

FLAVOUR1 = {"name": "flavour1"}
CUSTOM = {"cpu": "1", "mem": "1Gi"}
BASES: dict[str, dict[str, Any]] = {
    "single": {
        "type": "single",
        "name": "train",
        "labels": {"team": "a"},
        "schedulingPolicy": {"queue": "default-queue", "priority": "NORMAL"},
        "flavour": {"name": "flavour1"},
        "image": "python:3.11",
        "env": {"A": "1"},
        "command": "echo hi",
        "args": ["x"],
        "port": 8080,
    },
    "distributed": {
        "type": "distributed",
        "schedulingPolicy": {"queue": "default-queue"},
        "framework": "paddle",
        "members": [
            {"role": "pserver", "replicas": 1, "image": "paddle:2", "flavour": FLAVOUR1},
            {"role": "worker", "replicas": 2, "image": "paddle:2", "flavour": CUSTOM},
        ],
    },
    "workflow": {"type": "workflow", "extensionTemplate": WORKFLOW},
}  # fmt: skip

ANY_VALUES = [None, "", 0, -1, 1, 3, 65536, 1.5, True, [], {}, "x", "UPPER", "a" * 300, {"name": 1}]
FIELD_VALUES: dict[tuple[str, ...], list[Any]] = {
    ("id",): ["UPPER", "bad_id", "-lead", "trail-", "a" * 61, "", 7, "ok.dot"],
    ("name",): ["n" * 300, "", "name with spaces", 5],
    ("labels",): [{"k": 1}, {"": "v"}, {"k" * 70: "v"}, {"a/b": "c"}, {"k": "v" * 70}, "x"],
    ("annotations",): [{"k": "v"}, {"k": 2}, []],
    ("schedulingPolicy", "priority"): ["low", "HIGH", "high", "VERY_HIGH", "urgent", "", 3],
    ("schedulingPolicy", "queue"): ["", None],
    ("flavour",): [{"cpu": "1", "mem": "1Gi"}, {"cpu": "-1", "mem": "1Gi"},
                   {"cpu": "abc", "mem": "1Gi"}, {"cpu": "1"}, {"mem": "1Gi"}, {},
                   {"name": "flavour1", "cpu": "2"}, {"cpu": "1", "mem": "1Gi",
                   "scalarResources": {"nvidia.com/gpu": "x"}}, "flavour1"],
    ("image",): ["", None, 3, "busybox"],
    ("command",): ["", ["echo"], "true"],
    ("args",): [["a", 1], "a", []],
    ("env",): [{"A": 1}, {"": "x"}, {"A B": "x"}, ["A=1"]],
    ("port",): [0, -1, 1, 65535, 65536, "80", 8.5],
    ("fs",): [{"name": "data"}, {"name": ""}, {"name": "d", "subPath": "../x"},
              {"name": "d", "mountPath": "/mnt/d", "readOnly": True}, {"subPath": "x"}],
    ("extraFS",): [[{"name": "more"}], [{"mountPath": "/x"}], {}],
    ("framework",): ["paddle", "pytorch", "mpi", "spark", "ray", "caffe", "", "standalone"],
    ("members",): [[], [{}], "x"],
    ("members", 0, "role"): ["pserver", "pworker", "worker", "master", "chief", "driver",
                             "executor", "x", ""],
    ("members", 0, "replicas"): [0, -1, 1, 2, 5, "2", None],
    ("members", 1, "role"): ["worker", "pworker", "pserver", "master", "x"],
    ("members", 1, "replicas"): [0, 1, 3, 1.5],
    ("members", 0, "image"): ["", None],
    ("members", 0, "flavour"): [{"cpu": "1", "mem": "1Gi"}, {"name": ""}, {}],
    ("extensionTemplate",): [{}, {"kind": "Workflow"}, "yaml: text", [], WORKFLOW],
    ("stopped",): [True, False, "yes"],
    ("unknownKey",): ["x"],
}  # fmt: skip
PATHS = sorted(FIELD_VALUES, key=str)


def _set(document: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    target: Any = document
    for step in path[:-1]:
        if isinstance(target, dict) and isinstance(step, str):
            target = target.setdefault(step, {})
        elif isinstance(target, list) and isinstance(step, int) and step < len(target):
            target = target[step]
        else:
            return
    last = path[-1]
    settable = (isinstance(target, dict) and isinstance(last, str)) or (
        isinstance(target, list) and isinstance(last, int) and last < len(target)
    )
    if settable:
        target[last] = value


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    """A base manifest of each type with one to three fields mutated, and a fresh id."""
    kind = draw(st.sampled_from(sorted(BASES)))
    document = copy.deepcopy(BASES[kind])
    document["id"] = f"fz-{uuid.uuid4().hex[:12]}"
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        value = draw(st.sampled_from(FIELD_VALUES[path]) | st.sampled_from(ANY_VALUES))
        _set(document, path, copy.deepcopy(value))
    return document


# --- workflow jobs inside and outside the local executor's Argo subset ---------------------

#: A workflow the local executor runs: steps, a dag, container and script templates, workflow
#: and input parameters. Mutations below take it outside the subset, or keep it inside.
RUNNABLE_WORKFLOW: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "fz-"},
    "spec": {
        "entrypoint": "main",
        "arguments": {"parameters": [{"name": "greeting", "value": "hi"}]},
        "templates": [
            {"name": "main", "steps": [[{"name": "first", "template": "say", "arguments": {
                "parameters": [{"name": "text", "value": "{{workflow.parameters.greeting}}"}]}}]]},
            {"name": "graph", "dag": {"tasks": [
                {"name": "a", "template": "say"},
                {"name": "b", "template": "run", "dependencies": ["a"]}]}},
            {"name": "say", "inputs": {"parameters": [{"name": "text", "default": "x"}]},
             "container": {"image": "busybox", "command": ["echo", "{{inputs.parameters.text}}"]}},
            {"name": "run", "script": {"image": "python", "command": ["sh"], "source": "true"}},
        ],
    },
}  # fmt: skip
_TASKS = ("spec", "templates", 1, "dag", "tasks")
WORKFLOW_VALUES: dict[tuple[str | int, ...], list[Any]] = {
    ("kind",): ["CronWorkflow", "WorkflowTemplate", None, 3],
    ("apiVersion",): ["v1", None],
    ("metadata",): [{"name": "wf"}, {"ownerReferences": []}, "x", None],
    ("status",): [{}],
    ("spec",): [None, "x", [], {}],
    ("spec", "entrypoint"): [None, "", "missing", "graph", "run", 5, ["main"]],
    ("spec", "onExit"): ["say"],
    ("spec", "volumes"): [[{"name": "v", "emptyDir": {}}]],
    ("spec", "arguments"): [None, [], {"parameters": "x"}, {"parameters": [{"value": "1"}]},
                            {"artifacts": []}, {"parameters": [{"name": "greeting", "from": 1}]}],
    ("spec", "templates"): [None, [], "x", {}],
    ("spec", "templates", 0, "steps"): [
        [], "x", [["x"]], [[{"template": "say"}]], [[{"name": "s", "template": "missing"}]],
        [[{"name": "s", "template": []}]], [[{"name": "s", "template": {"name": "say"}}]],
        [[{"name": "s", "template": "say", "withItems": [1, 2]}]],
        [[{"name": "s", "template": "say", "when": "1 == 1"}]],
        [[{"name": "s", "template": "graph"}], [{"name": "t", "template": "run"}]]],
    (*_TASKS,): ["x", [], [{"name": "a", "template": "say", "dependencies": ["a"]}],
                 [{"name": "a", "template": "say"}, {"name": "a", "template": "run"}],
                 [{"name": "a", "template": "say", "depends": "b"}],
                 [{"name": [], "template": "say"}, {"name": [], "template": "run"}]],
    (*_TASKS, 1, "dependencies"): [["a"], ["ghost"], "a", [["a"]], ["b"], [], None],
    (*_TASKS, 0, "dependencies"): [["b"], ["a"]],
    ("spec", "templates", 2, "container"): [
        None, {}, {"image": "busybox"}, {"command": "echo"}, {"command": [["x"]]},
        {"command": ["true"], "resources": {"limits": {"cpu": "1"}}},
        {"command": ["true"], "env": [{"name": "A", "valueFrom": {}}]},
        {"args": ["x"], "env": "A=1"}, "x"],
    ("spec", "templates", 2, "container", "command", 1): [
        "{{steps.x.outputs.result}}", "{{workflow.parameters.nope}}", "{{workflow.name}}",
        "{{ inputs.parameters.text }}", "{{item}}", "{{workflow.parameters.greeting}}", 3],
    ("spec", "templates", 2, "retryStrategy"): [{"limit": 1}],
    ("spec", "templates", 2, "outputs"): [{"parameters": []}],
    ("spec", "templates", 2, "inputs"): [{"artifacts": []}, {"parameters": [{}]}, "x"],
    ("spec", "templates", 3, "script"): [{"image": "x"}, {"source": 3}, None, []],
    ("spec", "templates", 3, "resource"): [{"action": "create"}],
    ("spec", "templates", 0, "name"): ["say", "", None, ["main"], 7],
    # a template kind the executor lacks, as a new template
    ("spec", "templates", 4): [
        {"name": "pause", "suspend": {}}, {"name": "call", "http": {"url": "http://x"}},
        {"name": "res", "resource": {"action": "create"}}, {"name": "set", "containerSet": {}},
        {"name": "d", "data": {}}, {"name": "extra", "container": {"command": ["true"]}},
        {"name": "bare"}, "x"],
}  # fmt: skip
WORKFLOW_PATHS = sorted(WORKFLOW_VALUES, key=str)
WORKFLOW_MEMBERS: list[Any] = [
    [{}], [{"image": "busybox"}], [{"role": "worker"}], [{"replicas": 2}],
    [{"role": "nobody", "replicas": 0, "flavour": {"name": "flavour1"}}],
    [{"replicas": "2"}], [{"role": 3}], "x", [], [None], [None, {"image": "busybox"}],
]  # fmt: skip


def _put(document: Any, path: tuple[str | int, ...], value: Any) -> None:
    """Set ``path`` in ``document`` when its parent exists; an index one past a list appends."""
    target = document
    for step in path[:-1]:
        child = target[step] if _has(target, step) else None
        if not isinstance(child, (dict, list)):
            return
        target = child
    last = path[-1]
    if isinstance(target, dict) and isinstance(last, str):
        target[last] = value
    elif isinstance(target, list) and isinstance(last, int) and last <= len(target):
        target[last : last + 1] = [value]


def _has(container: Any, step: str | int) -> bool:
    if isinstance(container, dict):
        return isinstance(step, str) and step in container
    return isinstance(container, list) and isinstance(step, int) and step < len(container)


@st.composite
def workflow_templates(draw: st.DrawFn) -> dict[str, Any]:
    """The runnable workflow with zero to three parts replaced, inside or outside the subset."""
    template = copy.deepcopy(RUNNABLE_WORKFLOW)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(WORKFLOW_PATHS))
        _put(template, path, copy.deepcopy(draw(st.sampled_from(WORKFLOW_VALUES[path]))))
    return template


@st.composite
def workflow_manifests(draw: st.DrawFn) -> dict[str, Any]:
    """A workflow job with a generated template, sometimes with members or a bad common field."""
    document: dict[str, Any] = {
        "type": "workflow",
        "id": f"fz-{uuid.uuid4().hex[:12]}",
        "extensionTemplate": draw(workflow_templates()),
    }
    if draw(st.booleans()):
        document["members"] = copy.deepcopy(draw(st.sampled_from(WORKFLOW_MEMBERS)))
    if draw(st.integers(0, 4)) == 0:
        path = draw(st.sampled_from(PATHS))
        _set(document, path, copy.deepcopy(draw(st.sampled_from(FIELD_VALUES[path]))))
    return document


def _all_problems(outcome: Any) -> list[Any]:
    problems = list(outcome.problems)
    for document in outcome.documents:
        problems += document.problems
    return problems


def _errors(outcome: Any) -> list[Any]:
    return [problem for problem in _all_problems(outcome) if problem.severity == "error"]


def _assert_located(outcome: Any) -> None:
    for problem in _all_problems(outcome):
        if problem.severity == "note":
            continue
        assert problem.line >= 1 and problem.column >= 1, problem
        assert problem.json_path.startswith("$"), problem
        assert problem.message, problem


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    document=manifests() | workflow_manifests(),
    as_json=st.booleans(),
    target=st.sampled_from(TARGETS),
)
def test_mutated_documents_give_located_problems_never_exceptions(
    document: dict[str, Any], as_json: bool, target: str
) -> None:
    import yaml

    text = json.dumps(document) if as_json else yaml.safe_dump(document, sort_keys=False)
    outcome = check_bytes("fuzz.yaml", text.encode(), as_json=as_json, target=target)
    _assert_located(outcome)
    assert len(outcome.documents) + len(outcome.problems) >= 1


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_mutated_bytes_give_located_problems_never_exceptions(data: st.DataObject) -> None:
    import yaml

    document = data.draw(manifests())
    raw = bytearray(yaml.safe_dump(document, sort_keys=False).encode())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, max(0, len(raw) - 1)))
        operation = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        byte = data.draw(st.sampled_from(b":-[]{}&*!|>'\"#%@`\t\n \xff\xc3\x00?,"))
        if operation == "flip" and raw:
            raw[position] = byte
        elif operation == "insert":
            raw.insert(position, byte)
        elif operation == "delete" and raw:
            del raw[position]
        else:
            del raw[position:]
    outcome = check_bytes("fuzz.yaml", bytes(raw), as_json=False)
    _assert_located(outcome)


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents=st.lists(manifests() | workflow_manifests(), min_size=80, max_size=80))
def test_pfctl_validate_on_mutated_files_exits_0_or_1_with_located_errors(
    tmp_path_factory: pytest.TempPathFactory, documents: list[dict[str, Any]]
) -> None:
    import yaml

    directory = tmp_path_factory.mktemp("manifests")
    for number, document in enumerate(documents):
        text = yaml.safe_dump(document, sort_keys=False)
        if number % 4 == 3:  # some broken bytes too
            text = text[: len(text) // 2] + "\t: [\n"
        (directory / f"m{number:03d}.yaml").write_text(text)
    (directory / "binary.yaml").write_bytes(b"type: single\x00\xff")
    (directory / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    result = run_pfctl("validate", str(directory), timeout=300)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    problem_lines = [line for line in output.splitlines() if str(directory) in line]
    assert problem_lines, output
    for printed in problem_lines:
        line = printed.removeprefix("note: ").removeprefix("warning: ")
        location, _, rest = line.partition(": ")
        file_name, line_no, column = location.rsplit(":", 2)
        assert Path(file_name).parent == directory, line
        assert int(line_no) >= 1 and int(column) >= 1, line
        assert rest, line


# --- validator and server agree ------------------------------------------------------------


_COMMON = {"id", "name", "labels", "annotations", "schedulingPolicy"}
_SPEC = {"flavour", "limitFlavour", "fs", "extraFS", "image", "env", "command", "args", "port"}
#: The keys each create request has (PADDLEFLOW_API.md §4). The server, like Go's decoder,
#: ignores any other key; a manifest refuses it (a typo must not pass silently), so bodies with
#: other keys are outside the agreement by design.
REQUEST_KEYS = {
    "single": _COMMON | _SPEC | {"extensionTemplate"},
    "distributed": _COMMON | {"framework", "members", "extensionTemplate"},
    "workflow": _COMMON | {"framework", "members", "extensionTemplate"},
}
MEMBER_KEYS = _COMMON | _SPEC | {"role", "replicas"}


def _only_request_keys(kind: str, document: dict[str, Any]) -> bool:
    if set(document) - {"type", "stopped"} - REQUEST_KEYS[kind]:
        return False
    if not isinstance(document.get("stopped", False), bool):  # envelope, never sent
        return False
    members = document.get("members")
    if isinstance(members, list):
        return all(not isinstance(m, dict) or set(m) <= MEMBER_KEYS for m in members)
    return True


def _state_independent(document: dict[str, Any]) -> bool:
    """What an offline check cannot know stays on what every server has: the seeded queue,
    ``flavour1`` and few replicas (an unknown queue or flavour, or a job larger than the queue,
    is the server's to refuse)."""
    parts = [document]
    members = document.get("members")
    if isinstance(members, list):
        parts += [member for member in members if isinstance(member, dict)]
    for part in parts:
        replicas = part.get("replicas")
        if isinstance(replicas, int) and replicas > 5:  # the queue's room is the server's
            return False
        policy = part.get("schedulingPolicy")
        if isinstance(policy, dict) and policy.get("queue") not in (None, "", "default-queue"):
            return False
        for key in ("flavour", "limitFlavour"):
            flavour = part.get(key)
            if isinstance(flavour, dict) and flavour.get("name") not in (None, "", "flavour1"):
                return False
    return True


def _body_of(document: dict[str, Any]) -> Any:
    return strip_unset({k: v for k, v in document.items() if k not in ("type", "stopped")})


#: How ``pfctl validate`` words, for the default target, a finding that only the local server's
#: executor refuses (``--target local`` reports the text before it as an error).
LOCAL_ONLY = (
    ": the local pfctl server refuses this workflow "
    "(PaddleFlow on Kubernetes accepts it; `--target local` makes this an error)"
)


def _assert_targets_differ_only_by_local_warnings(
    document: dict[str, Any],
) -> tuple[Any, set[str]]:
    """Check ``document`` for both targets; the outcome for ``local``, and the messages of the
    errors only ``local`` reports when they are all its errors (else the empty set).

    The default target's errors are the local target's minus the findings of the local
    subset, and it reports each of those as a warning with the same path: nothing else.
    """
    data = json.dumps(document).encode()
    local = check_bytes("agree.json", data, as_json=True, target="local")
    default = check_bytes("agree.json", data, as_json=True)
    local_errors = {(p.json_path, p.message) for p in _errors(local)}
    default_errors = {(p.json_path, p.message) for p in _errors(default)}
    warnings = [p for p in _all_problems(default) if p.severity == "warning"]
    assert all(p.severity != "warning" for p in _all_problems(local))
    for warning in warnings:
        assert warning.json_path.startswith("$.extensionTemplate"), warning
        assert warning.message.endswith(LOCAL_ONLY), warning
    local_only = {(p.json_path, p.message.removesuffix(LOCAL_ONLY)) for p in warnings}
    assert default_errors <= local_errors
    assert local_errors - default_errors == local_only - default_errors
    return local, set() if default_errors else {message for _, message in local_only}


ACCEPTED = "the server accepts"
REFUSED = "the server refuses"
LOCAL_ONLY_REFUSED = "the server refuses only what its executor lacks"


def _assert_validator_and_server_agree(api: Api, document: dict[str, Any]) -> str:
    """Create ``document``'s body on the server; assert ``validate --target local`` agrees.

    Returns ``ACCEPTED`` (the job is deleted again), ``REFUSED`` or ``LOCAL_ONLY_REFUSED``.
    """
    kind = str(document.get("type"))
    outcome, local_only = _assert_targets_differ_only_by_local_warnings(document)
    # An error PaddleFlow raises only when it submits the job is no create refusal: the create
    # answers 200, then the job fails (tests/server/runtime/test_templates.py runs that part).
    valid = all(p.message.endswith(SUBMIT_FAILS) for p in _errors(outcome))
    response = api.post(f"/job/{kind}", json=_body_of(document))
    assert response.status_code in (200, 400), response.text
    accepted = response.status_code == 200
    if accepted:  # free the id: a fixed one ("x") may come again
        created = response.json()["id"]
        assert api.put(f"/job/{created}", params={"action": "stop"}).status_code == 200
        assert api.delete(f"/job/{created}").status_code == 200
    reasons = [f"{p.json_path}: {p.message}" for p in _errors(outcome)]
    assert valid == accepted, (
        f"validate {'accepts' if valid else 'refuses'} {reasons}, "
        f"server {'accepts' if accepted else 'refuses'}: {response.text}\n{json.dumps(document)}"
    )
    if local_only:  # refused only for the local executor: in the server's words
        assert response.json()["message"] in local_only, (response.text, reasons)
        return LOCAL_ONLY_REFUSED
    return ACCEPTED if accepted else REFUSED


def _comparable(document: dict[str, Any]) -> bool:
    kind = str(document.get("type"))
    return (
        kind in REQUEST_KEYS
        and _only_request_keys(kind, document)
        and _state_independent(_body_of(document))
        # A manifest needs an id; for a body without one (null, "", [], {} are unset) the
        # server makes one up.
        and _body_of(document).get("id") is not None
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=manifests())
def test_validator_and_server_agree_on_every_generated_body(
    root_api: Api, document: dict[str, Any]
) -> None:
    assume(_comparable(document))
    _assert_validator_and_server_agree(root_api, document)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=workflow_manifests())
def test_validator_and_server_agree_on_generated_workflow_jobs(
    root_api: Api, document: dict[str, Any]
) -> None:
    assume(_comparable(document))
    event(_assert_validator_and_server_agree(root_api, document))


@pytest.mark.parametrize(
    ("extra", "local_error"),
    [
        ({"extensionTemplate": {"kind": "Workflow"}}, "spec is required"),
        (
            {"extensionTemplate": {"spec": {"entrypoint": "missing", "templates": []}}},
            "spec.entrypoint 'missing' is not a template",
        ),
        ({"extensionTemplate": WORKFLOW, "members": [{}]}, None),
        (
            {"extensionTemplate": WORKFLOW, "members": [{"image": "busybox"}]},
            None,
        ),
        (
            {
                "extensionTemplate": {
                    "spec": {
                        "entrypoint": "s",
                        "templates": [{"name": "s", "steps": [[{"name": "x", "template": []}]]}],
                    }
                }
            },
            "spec.templates[0].steps[0][0].template [] is not a template",
        ),
    ],
    ids=[
        "no-spec",
        "no-entrypoint-template",
        "member-without-role",
        "member-with-image-only",
        "unhashable-template-reference",
    ],
)
def test_validator_and_server_agree_on_workflow_jobs(
    root_api: Api, extra: dict[str, Any], local_error: str | None
) -> None:
    """The cases that disagreed before ``--target`` (issue 8): PaddleFlow accepts each; the
    local server refuses the templates its executor cannot run, naming the field."""
    document = {"type": "workflow", "id": f"fz-{uuid.uuid4().hex[:12]}", **extra}
    verdict = _assert_validator_and_server_agree(root_api, document)
    assert verdict == (ACCEPTED if local_error is None else LOCAL_ONLY_REFUSED)
    default = check_bytes("agree.json", json.dumps(document).encode(), as_json=True)
    assert not _errors(default)  # what PaddleFlow accepts, validate accepts by default
    warnings = [p.message for p in _all_problems(default) if p.severity == "warning"]
    assert warnings == ([] if local_error is None else [local_error + LOCAL_ONLY])


def test_a_long_dependency_chain_is_checked_without_recursion(root_api: Api) -> None:
    tasks = [{"name": "t0", "template": "main"}] + [
        {"name": f"t{i}", "template": "main", "dependencies": [f"t{i - 1}"]} for i in range(1, 3000)
    ]
    tasks[0]["dependencies"] = ["t2999"]  # and a cycle through all of them
    template = copy.deepcopy(WORKFLOW)
    template["spec"]["templates"].append({"name": "graph", "dag": {"tasks": tasks}})
    document = {"type": "workflow", "id": f"fz-{uuid.uuid4().hex[:12]}"}
    document["extensionTemplate"] = template
    assert _assert_validator_and_server_agree(root_api, document) == LOCAL_ONLY_REFUSED
    outcome = check_bytes("chain.json", json.dumps(document).encode(), as_json=True, target="local")
    assert [p.message for p in _errors(outcome)] == [
        "spec.templates[1].dag.tasks: dependencies form a cycle"
    ]


def test_a_member_without_replicas_is_refused_by_the_server_as_by_validate(
    root_api: Api,
) -> None:
    document = copy.deepcopy(BASES["distributed"])
    document["id"] = f"fz-{uuid.uuid4().hex[:12]}"
    del document["members"][0]["replicas"]
    outcome = check_bytes("agree.json", json.dumps(document).encode(), as_json=True)
    assert _errors(outcome)
    response = root_api.post("/job/distributed", json=_body_of(document))
    assert response.status_code == 400, response.text
    assert "the repilcas of member is less than 1" in response.json()["message"]
