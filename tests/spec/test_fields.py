"""The keys of PaddleFlow's job request structs (``pfctl.spec.fields``) and the schemas: every
schema of a request part accepts its struct's keys and the keys PaddleFlow ignores there, and
nothing else; the create rules skip what PaddleFlow ignores."""

from __future__ import annotations

import pytest

from pfctl.spec import rules, schemas
from pfctl.spec.fields import REQUEST_KEYS, REQUEST_STRUCTS, ignored_keys

IGNORED_REF = "job-fields.schema.json#/$defs/ignored"


def schema_properties(part: str) -> list[dict[str, object]]:
    """The ``properties`` of every schema describing ``part`` of a request."""
    if part == "member":
        member = schemas.load_schema("member-spec")
        return [member["properties"], member["$defs"]["workflowMember"]["properties"]]
    manifest = schemas.load_schema("manifest")
    [branch] = [b for b in manifest["allOf"] if b["if"]["properties"]["type"]["const"] == part]
    envelope = {"type", "stopped"}
    in_manifest = {k: v for k, v in branch["then"]["properties"].items() if k not in envelope}
    return [schemas.load_schema(f"{part}-job")["properties"], in_manifest]


@pytest.mark.parametrize("part", sorted(REQUEST_KEYS))
def test_schemas_accept_the_struct_keys_and_the_ignored_ones(part: str) -> None:
    for properties in schema_properties(part):
        assert set(properties) == set(REQUEST_KEYS[part]) | set(ignored_keys(part))
        for key in ignored_keys(part):
            assert properties[key] == {
                "$ref": "job-fields.schema.json#/$defs/UserName"
                if key == "UserName"
                else IGNORED_REF
            }, key


def test_ignored_keys_are_the_keys_of_other_structs() -> None:
    every = {key for keys in REQUEST_KEYS.values() for key in keys}
    for part, own in REQUEST_KEYS.items():
        assert set(ignored_keys(part)) == (every - set(own)) | {"UserName"}
        for key, message in ignored_keys(part).items():
            assert message.startswith(f"`{key}` is ignored by PaddleFlow: ")
            if key != "UserName":
                assert REQUEST_STRUCTS[part] in message
    assert "image" in ignored_keys("distributed")
    assert "image" not in ignored_keys("single")


def test_an_ignored_key_passes_the_schema_whatever_its_value() -> None:
    validator = schemas.validator_for("distributed-job")
    members = [{"role": "worker", "replicas": 2, "image": "x", "framework": 3}]
    assert validator.is_valid({"framework": "paddle", "image": 5, "members": members})
    # UserName is decoded by PaddleFlow (then replaced): a wrong type is still wrong.
    assert not validator.is_valid({"framework": "paddle", "UserName": 5, "members": members})


def test_create_rules_skip_what_paddleflow_ignores() -> None:
    single = {"image": "x", "members": [{"role": "nobody", "replicas": 0}], "replicas": 3}
    assert rules.check_create_body("single", single) == []
    distributed = {
        "framework": "paddle",
        "image": "a\0b",
        "port": 1.5,
        "members": [{"role": "worker", "replicas": 2, "image": "x"}],
    }
    assert rules.check_create_body("distributed", distributed) == []
    assert [v.path for v in rules.check_create_body("distributed", {**distributed, "members": []})]
