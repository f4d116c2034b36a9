"""The schema files: well-formed, stable ids, consistent with each other, and the fast check."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from pfctl.manifests import load_manifests
from pfctl.manifests.fastcheck import UnsupportedSchema, compile_schema
from pfctl.spec import schemas

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BASE = "https://pfctl.dev/schemas/v1/"
REQUIRED_NAMES = {
    "scheduling-policy",
    "flavour",
    "file-system",
    "member-spec",
    "single-job",
    "distributed-job",
    "workflow-job",
    "update-job",
    "manifest",
}


def test_every_schema_file_is_named_and_every_name_has_a_file() -> None:
    assert set(schemas.SCHEMA_NAMES) >= REQUIRED_NAMES
    on_disk = {path.name.removesuffix(".schema.json") for path in (ROOT / "schemas").glob("*.json")}
    assert on_disk == set(schemas.SCHEMA_NAMES)


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_schema_is_draft_2020_12_with_a_stable_id(name: str) -> None:
    schema = schemas.load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{BASE}{name}.schema.json"
    Draft202012Validator.check_schema(schema)


def test_load_schema_returns_a_copy_the_caller_may_change() -> None:
    schemas.load_schema("flavour")["properties"].clear()
    assert "cpu" in schemas.load_schema("flavour")["properties"]


def test_validators_are_compiled_once() -> None:
    assert schemas.validator_for("manifest") is schemas.validator_for("manifest")


def test_unknown_schema_name() -> None:
    with pytest.raises(KeyError, match="unknown schema 'nope'"):
        schemas.load_schema("nope")


def test_manifest_branches_list_the_job_fields_plus_the_envelope() -> None:
    manifest = schemas.load_schema("manifest")
    envelope = set(manifest["properties"])
    assert envelope == {"type", "id", "stopped"}
    for branch in manifest["allOf"]:
        kind = branch["if"]["properties"]["type"]["const"]
        job = schemas.load_schema(f"{kind}-job")
        assert set(branch["then"]["properties"]) == set(job["properties"]) | envelope
        assert branch["then"]["$ref"] == f"{kind}-job.schema.json#/$defs/rules"
        for key, subschema in job["properties"].items():
            if key == "id":  # the manifest's id is required and documented as such
                continue
            assert branch["then"]["properties"][key] == subschema, key


def errors(name: str, instance: Any) -> list[str]:
    return sorted(error.message for error in schemas.validator_for(name).iter_errors(instance))


def test_refs_resolve_across_files() -> None:
    body = {
        "framework": "ray",
        "members": [{"role": "master", "replicas": 1, "flavour": {"cpu": 1}}],
    }
    assert errors("distributed-job", body) == ["1 is not of type 'string'"]


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("single-job", {"command": "x"}, ["'image' is a required property"]),
        ("single-job", {"extensionTemplate": {"kind": "Pod"}}, []),
        ("distributed-job", {"framework": "paddle"}, ["'members' is a required property"]),
        ("distributed-job", {"framework": "paddle", "members": []}, ["[] should be non-empty"]),
        (
            "distributed-job",
            {"framework": "keras", "extensionTemplate": {"a": 1}},
            [
                "'keras' is not one of ['paddle', 'tensorflow', 'pytorch', 'mxnet', 'spark', "
                "'mpi', 'ray', 'aitj']"
            ],
        ),
        (
            "distributed-job",
            {"extensionTemplate": {"a": 1}},
            ["'framework' is a required property"],
        ),
        ("workflow-job", {"name": "w"}, ["'extensionTemplate' is a required property"]),
        ("update-job", {"priority": "HIGH", "labels": {"a": ""}}, []),
        (
            "update-job",
            {"replicas": 1},
            ["Additional properties are not allowed ('replicas' was unexpected)"],
        ),
        ("member-spec", {"role": "worker"}, ["'replicas' is a required property"]),
        ("file-system", {"name": "data", "readOnly": "yes"}, ["'yes' is not of type 'boolean'"]),
        (
            "scheduling-policy",
            {"queue": "q", "cluster": "c"},
            ["Additional properties are not allowed ('cluster' was unexpected)"],
        ),
    ],
)
def test_per_type_rules(name: str, body: dict[str, Any], expected: list[str]) -> None:
    assert errors(name, body) == expected


def example_bodies() -> list[tuple[str, dict[str, Any]]]:
    result = load_manifests([str(EXAMPLES)])
    assert result.ok, result.problems
    return [(manifest.type, manifest.body) for manifest in result.manifests]


def test_example_bodies_are_valid_create_bodies() -> None:
    bodies = example_bodies()
    assert {kind for kind, _ in bodies} == {"single", "distributed", "workflow"}
    for kind, body in bodies:
        assert errors(f"{kind}-job", body) == []


def fast(name: str) -> Any:
    by_id = {s["$id"]: s for s in map(schemas.load_schema, schemas.SCHEMA_NAMES)}
    return compile_schema(by_id, schemas.load_schema(name)["$id"])


def test_fast_check_refuses_keywords_it_does_not_know() -> None:
    schema = {"$id": "urn:x", "type": "string", "pattern": "a+"}
    with pytest.raises(UnsupportedSchema, match="pattern"):
        compile_schema({"urn:x": schema}, "urn:x")


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 70000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "paddle", "worker", "single", "distributed", "workflow", "1Gi"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(["role", "replicas", "name", "cpu", "x"]), children, max_size=3
        ),
    ),
    max_leaves=6,
)
KEYS = st.sampled_from(
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
        "stopped",
        "replicas",
        "role",
        "cpu",
        "queue",
        "unknown",
    ]
)


def mutate(document: Any, steps: list[tuple[int, str, Any, bool]]) -> Any:
    document = copy.deepcopy(document)
    for depth, key, value, delete in steps:
        target = document
        for _ in range(depth):  # walk into a random nested mapping (or list's first mapping)
            children = (
                [
                    v
                    for v in (target.values() if isinstance(target, dict) else target)
                    if isinstance(v, (dict, list))
                ]
                if isinstance(target, (dict, list))
                else []
            )
            if not children:
                break
            target = children[0]
        if isinstance(target, dict):
            if delete:
                target.pop(key, None)
            else:
                target[key] = value
    return document


MANIFEST_DOCS = [
    json.loads(json.dumps({"type": kind, "id": "x", **body})) for kind, body in example_bodies()
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(MANIFEST_DOCS),
    st.lists(st.tuples(st.integers(0, 3), KEYS, VALUES, st.booleans()), max_size=4),
    st.sampled_from(["manifest", "single-job", "distributed-job", "workflow-job", "member-spec"]),
)
def test_fast_check_agrees_with_jsonschema(
    document: dict[str, Any], steps: list[tuple[int, str, Any, bool]], name: str
) -> None:
    mutated = mutate(document, steps)
    assert fast(name)(mutated) == schemas.validator_for(name).is_valid(mutated)


def test_schemas_are_read_from_the_repository_in_a_source_checkout() -> None:
    assert Path(str(schemas.schema_dir())).resolve() == (ROOT / "schemas").resolve()


def test_schema_command_lists_prints_and_writes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pfctl.cli.main import app
    from pfctl.errors import UsageError

    runner = CliRunner()
    listed = runner.invoke(app, ["schema"])
    assert listed.exit_code == 0
    assert listed.output.split() == list(schemas.SCHEMA_NAMES)
    printed = runner.invoke(app, ["schema", "flavour"])
    assert json.loads(printed.output) == schemas.load_schema("flavour")
    written = runner.invoke(app, ["schema", "--out", str(tmp_path / "out")])
    assert written.exit_code == 0
    for name in schemas.SCHEMA_NAMES:
        text = (tmp_path / "out" / f"{name}.schema.json").read_text()
        assert json.loads(text) == schemas.load_schema(name)
    unknown = runner.invoke(app, ["schema", "nope"])
    assert isinstance(unknown.exception, UsageError)  # main() turns it into exit 2
    assert unknown.exception.exit_code == 2


def test_workflow_members_are_member_specs_with_nothing_required() -> None:
    member = schemas.load_schema("member-spec")
    workflow_member = member["$defs"]["workflowMember"]
    assert workflow_member["properties"] == member["properties"]
    assert workflow_member["additionalProperties"] is False
    assert "required" not in workflow_member
    assert workflow_member["type"] == ["object", "null"]
    assert errors("workflow-job", {"extensionTemplate": {}, "members": [{}]}) == []
    # Go decodes a null element into an empty member, which a workflow job ignores
    assert errors("workflow-job", {"extensionTemplate": {}, "members": [None]}) == []
    assert errors("distributed-job", {"framework": "paddle", "members": [None]}) == [
        "None is not of type 'object'"
    ]
    assert errors("workflow-job", {"extensionTemplate": {}, "members": [{"replicas": "2"}]}) == [
        "'2' is not of type 'integer'"
    ]
    assert errors("workflow-job", {"extensionTemplate": {}, "members": [{"rol": "x"}]}) == [
        "Additional properties are not allowed ('rol' was unexpected)"
    ]
    assert errors("distributed-job", {"framework": "paddle", "members": [{}]}) == [
        "'replicas' is a required property",
        "'role' is a required property",
    ]


def test_schema_out_into_a_closed_pipe_is_no_write_error(tmp_path: Path) -> None:
    """`pfctl schema --out DIR | head -1`: the files are written, the closed pipe is not an
    error about DIR."""
    import subprocess
    import sys

    command = f"{sys.executable} -m pfctl schema --out {tmp_path} | head -c 1"
    completed = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], check=False, capture_output=True, text=True
    )
    assert "cannot write" not in completed.stderr and "Traceback" not in completed.stderr
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted(f"{name}.schema.json" for name in schemas.SCHEMA_NAMES)
