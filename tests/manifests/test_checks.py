"""Schema and rule findings as located problems: messages, hints and de-duplication."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pfctl.manifests import load_manifests
from pfctl.manifests.checks import strip_unset
from pfctl.manifests.filecheck import check_bytes


def problems(tmp_path: Path, text: str) -> list[tuple[int, int, str, str]]:
    source = tmp_path / "m.yaml"
    source.write_text(text, encoding="utf-8")
    result = load_manifests([str(source)])
    return [(p.line, p.column, p.json_path, p.message) for p in result.problems]


@pytest.mark.parametrize(
    ("value", "stripped"),
    [
        ({"a": None, "b": "", "c": {}, "d": [], "e": 0, "f": False}, {"e": 0, "f": False}),
        ({"fs": {"name": "", "readOnly": False}}, {"fs": {"readOnly": False}}),
        ({"flavour": {"name": ""}}, {}),
        ({"members": [{}, {"role": ""}]}, {"members": [{}, {}]}),
        ({"args": ["", None]}, {"args": ["", None]}),
        ({"env": {"A": "", "B": None}}, {"env": {"A": "", "B": None}}),
        ({"extensionTemplate": {"spec": {"x": []}}}, {"extensionTemplate": {"spec": {"x": []}}}),
    ],
)
def test_strip_unset(value: dict[str, Any], stripped: dict[str, Any]) -> None:
    assert strip_unset(value) == stripped


def test_unknown_keys_name_the_closest_known_key(tmp_path: Path) -> None:
    text = (
        "type: single\nid: a\nimage: x\nImage: y\nschedulingPolicy: {queu: q}\n"
        "flavour: {name: f, cpus: '1'}\nfs: {zzz: 1}\n"
    )
    assert problems(tmp_path, text) == [
        (4, 1, "$.Image", "unknown key `Image`; did you mean `image`?"),
        (5, 20, "$.schedulingPolicy.queu", "unknown key `queu`; did you mean `queue`?"),
        (6, 20, "$.flavour.cpus", "unknown key `cpus`; did you mean `cpu`?"),
        (
            7,
            6,
            "$.fs.zzz",
            "unknown key `zzz`; known keys: `id`, `name`, `type`, `hostPath`, `mountPath`, "
            "`subPath`, `readOnly`",
        ),
    ]


def test_required_key_missing_or_empty(tmp_path: Path) -> None:
    assert problems(tmp_path, "type: single\nid: a\nimage: ''\n") == [
        (3, 1, "$.image", "`image` is required and must not be empty")
    ]
    text = "type: distributed\nid: a\nframework: mpi\nmembers:\n  - role: x\n"
    found = problems(tmp_path, text)
    assert (5, 5, "$.members[0].replicas", "missing required key `replicas`") in found


def test_type_errors_hint_to_quote_scalars(tmp_path: Path) -> None:
    text = "type: single\nid: a\nimage: 1.5\nenv:\n  DEBUG: on\n  N: 0x10\ncommand: [a]\n"
    assert problems(tmp_path, text) == [
        (3, 8, "$.image", 'expected a string, got a number `1.5`; quote it: "1.5"'),
        (5, 10, "$.env.DEBUG", 'env values must be strings; quote it: `DEBUG: "on"`'),
        (6, 6, "$.env.N", 'env values must be strings; quote it: `N: "0x10"`'),
        (7, 10, "$.command", "expected a string, got a list"),
    ]


def test_a_schema_error_hides_the_rule_for_the_same_field(tmp_path: Path) -> None:
    text = "type: distributed\nid: a\nframework: Paddle\nextensionTemplate: {kind: X}\n"
    assert problems(tmp_path, text) == [
        (
            3,
            12,
            "$.framework",
            "`Paddle` is not one of `paddle`, `tensorflow`, `pytorch`, `mxnet`, `spark`, `mpi`, "
            "`ray`, `aitj`; did you mean `paddle`?",
        )
    ]


def test_rules_run_even_when_the_schema_fails_elsewhere(tmp_path: Path) -> None:
    text = "type: single\nid: A\nimage: x\nlabels: {n: 1}\n"
    assert [p[2] for p in problems(tmp_path, text)] == ["$.id", "$.labels.n"]


def test_template_path_accepts_a_distributed_job_without_members(tmp_path: Path) -> None:
    text = (
        "type: distributed\nid: a\nframework: paddle\n"
        "extensionTemplate:\n  apiVersion: batch.paddlepaddle.org/v1\n  kind: PaddleJob\n"
        "  spec: {worker: {template: {spec: {containers: [{command: [train]}]}}}}\n"
    )
    assert problems(tmp_path, text) == []


def test_odd_keys_are_quoted_in_json_paths(tmp_path: Path) -> None:
    text = "type: single\nid: a\nimage: x\nlabels:\n  app.kubernetes.io/name: 3\n"
    assert problems(tmp_path, text)[0][2] == '$.labels["app.kubernetes.io/name"]'


_KEYS = st.sampled_from(
    [
        "type",
        "id",
        "image",
        "framework",
        "members",
        "flavour",
        "env",
        "port",
        "extensionTemplate",
        "schedulingPolicy",
        "extraFS",
        "fs",
        "stopped",
        "replicas",
        "role",
        "cpu",
        "mem",
        "queue",
        "priority",
        "name",
        "scalarResources",
        "labels",
        "args",
        "x",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "",
            "single",
            "distributed",
            "workflow",
            "paddle",
            "spark",
            "worker",
            "pserver",
            "pworker",
            "1Gi",
            "-1",
            "customFlavour",
            "high",
            "Bad.Id",
        ]
    ),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(_KEYS, children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=10))
def test_any_manifest_shape_gives_located_problems_or_a_manifest(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document)
    outcome = check_bytes("f.yaml", text.encode(), as_json=False)
    lines = text.count("\n") + 1
    for checked in outcome.documents:
        errors = [p for p in checked.problems if p.severity == "error"]
        assert (checked.manifest is None) == bool(errors)
        for problem in checked.problems:
            assert 1 <= problem.line <= lines
            assert problem.json_path.startswith("$")
