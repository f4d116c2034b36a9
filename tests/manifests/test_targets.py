"""Checking for a target: workflows outside the local executor's Argo subset, workflow members.

``check_document(..., target="paddleflow")`` (the default) accepts what PaddleFlow accepts and
warns about each field the local pfctl server refuses; ``target="local"`` makes those errors,
in the local server's words (``pfctl.spec.argo_subset``).
"""

from __future__ import annotations

import pytest

from pfctl.manifests import TARGETS
from pfctl.manifests.checks import check_document
from pfctl.manifests.parse import parse_yaml
from pfctl.spec.argo_subset import check_workflow, validate_workflow

LOCAL_ONLY = (
    ": the local pfctl server refuses this workflow "
    "(PaddleFlow on Kubernetes accepts it; `--target local` makes this an error)"
)

WORKFLOW = """\
type: workflow
id: wf
extensionTemplate:
  kind: Workflow
  spec:
    entrypoint: main
    onExit: cleanup
    templates:
      - name: main
        retryStrategy: {limit: 2}
        container: {image: busybox, command: [echo, "{{steps.x.outputs.result}}"]}
      - name: pause
        suspend: {}
"""
#: (line, column, JSON path, the local server's text) of each finding in WORKFLOW.
FINDINGS = [
    (7, 5, "$.extensionTemplate.spec.onExit", "unsupported field spec.onExit"),
    (
        10,
        9,
        "$.extensionTemplate.spec.templates[0].retryStrategy",
        "unsupported field spec.templates[0].retryStrategy",
    ),
    (
        11,
        53,
        "$.extensionTemplate.spec.templates[0].container.command[1]",
        "unsupported expression {{steps.x.outputs.result}} in "
        "spec.templates[0].container.command[1]",
    ),
    (
        12,
        9,
        "$.extensionTemplate.spec.templates[1]",
        "spec.templates[1] needs exactly one of container, script, steps, dag",
    ),
    (
        13,
        9,
        "$.extensionTemplate.spec.templates[1].suspend",
        "unsupported field spec.templates[1].suspend",
    ),
]


def check(text: str, **options: str) -> list[tuple[int, int, str, str, str]]:
    documents, problems = parse_yaml("wf.yaml", text)
    assert not problems and len(documents) == 1
    outcome = check_document("wf.yaml", documents[0], **options)
    assert (outcome.manifest is None) == any(p.severity == "error" for p in outcome.problems)
    return [(p.line, p.column, p.json_path, p.message, p.severity) for p in outcome.problems]


def test_by_default_each_unsupported_field_is_a_located_warning() -> None:
    found = check(WORKFLOW)
    assert found == [(*finding[:3], finding[3] + LOCAL_ONLY, "warning") for finding in FINDINGS]
    assert check(WORKFLOW, target="paddleflow") == found


def test_for_the_local_target_they_are_errors_in_the_servers_words() -> None:
    found = check(WORKFLOW, target="local")
    assert found == [(*finding, "error") for finding in FINDINGS]
    # the texts the server's create error uses, the first of them in its order
    server_order = validate_workflow(
        {
            "kind": "Workflow",
            "spec": {
                "entrypoint": "main",
                "onExit": "cleanup",
                "templates": [
                    {
                        "name": "main",
                        "retryStrategy": {"limit": 2},
                        "container": {
                            "image": "busybox",
                            "command": ["echo", "{{steps.x.outputs.result}}"],
                        },
                    },
                    {"name": "pause", "suspend": {}},
                ],
            },
        }
    )
    assert sorted(server_order) == sorted(finding[3] for finding in FINDINGS)


def test_a_runnable_workflow_has_no_finding_for_either_target() -> None:
    text = """\
type: workflow
id: wf
extensionTemplate:
  spec:
    entrypoint: main
    arguments: {parameters: [{name: who, value: me}]}
    templates:
      - name: main
        dag:
          tasks:
            - {name: a, template: hello}
            - {name: b, template: hello, dependencies: [a]}
      - name: hello
        script: {image: python, command: [sh], source: "echo {{workflow.parameters.who}}"}
"""
    for target in TARGETS:
        assert check(text, target=target) == []


def test_other_errors_and_subset_findings_are_reported_together() -> None:
    text = "type: workflow\nid: Bad_Id\nextensionTemplate: {kind: CronWorkflow}\n"
    local = check(text, target="local")
    assert [entry[:4] for entry in local] == [
        (2, 5, "$.id", local[0][3]),
        (3, 20, "$.extensionTemplate.spec", "spec is required"),
        (3, 27, "$.extensionTemplate.kind", "kind 'CronWorkflow' is not supported, only Workflow"),
    ]
    assert local[0][3].startswith("ID[Bad_Id] of Job is invalid")
    default = check(text)
    assert [entry[4] for entry in default] == ["error", "warning", "warning"]


def test_only_workflow_jobs_are_checked_against_the_subset() -> None:
    text = (
        "type: distributed\nid: d\nframework: paddle\n"
        "extensionTemplate:\n  apiVersion: batch.paddlepaddle.org/v1\n  kind: PaddleJob\n"
        "  spec: {worker: {template: {spec: {containers: [{command: [train]}]}}}}\n"
    )
    assert check(text, target="local") == []


def test_a_template_that_is_not_an_object_is_the_schemas_business() -> None:
    found = check("type: workflow\nid: w\nextensionTemplate: [a]\n", target="local")
    assert [(entry[2], entry[3]) for entry in found] == [
        ("$.extensionTemplate", "expected a mapping, got a list")
    ]


def test_an_unknown_target_is_a_programming_error() -> None:
    documents, _ = parse_yaml("wf.yaml", WORKFLOW)
    with pytest.raises(ValueError, match="unknown target 'kubernetes'"):
        check_document("wf.yaml", documents[0], target="kubernetes")


@pytest.mark.parametrize(
    "members",
    [
        "[{}]",
        "[{image: busybox}]",
        "[{role: worker}]",
        "[{replicas: 2}]",
        "[{role: x, replicas: 0}]",
        "[null, {}]",
    ],
)
def test_members_of_a_workflow_job_need_no_role_or_replicas(members: str) -> None:
    text = f"type: workflow\nid: w\nmembers: {members}\nextensionTemplate: {{kind: Workflow}}\n"
    assert [entry[4] for entry in check(text)] == ["warning"]  # spec is required, locally


@pytest.mark.parametrize(
    ("members", "path", "message"),
    [
        ('[{replicas: "2"}]', "$.members[0].replicas", "expected an integer, got a string `2`"),
        (
            "[{role: 3}]",
            "$.members[0].role",
            'expected a string, got an integer `3`; quote it: "3"',
        ),
        ("[{rol: worker}]", "$.members[0].rol", "unknown key `rol`; did you mean `role`?"),
        ("[x]", "$.members[0]", "expected a mapping or null, got a string `x`"),
    ],
)
def test_workflow_members_keep_their_types_and_keys(members: str, path: str, message: str) -> None:
    spec = "{entrypoint: m, templates: [{name: m, container: {command: ['true']}}]}"
    text = f"type: workflow\nid: w\nmembers: {members}\nextensionTemplate: {{spec: {spec}}}\n"
    assert [(entry[2], entry[3]) for entry in check(text)] == [(path, message)]


def test_distributed_members_still_need_role_and_replicas() -> None:
    text = "type: distributed\nid: d\nframework: paddle\nmembers: [{image: busybox}]\n"
    assert ("$.members[0].role", "missing required key `role`") in [
        (entry[2], entry[3]) for entry in check(text)
    ]


def test_findings_carry_paths_inside_the_template_and_never_raise() -> None:
    findings = check_workflow(
        {"spec": {"templates": [{"name": "a", "steps": [[{"template": []}]]}]}}
    )
    assert [(f.path, f.message) for f in findings] == [
        (("spec", "entrypoint"), "spec.entrypoint is required"),
        (
            ("spec", "templates", 0, "steps", 0, 0, "name"),
            "spec.templates[0].steps[0][0].name is required",
        ),
        (
            ("spec", "templates", 0, "steps", 0, 0, "template"),
            "spec.templates[0].steps[0][0].template [] is not a template",
        ),
    ]
    for value in (None, [], "x", 3, {"spec": None}, {1: 2}, {"spec": {"templates": [None, 1]}}):
        assert all(isinstance(f.message, str) for f in check_workflow(value))
