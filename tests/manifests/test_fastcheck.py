"""The fast schema check answers as jsonschema does."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pfctl.manifests.fastcheck import compile_schema

NAMED = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}


CLOSED = {**NAMED, "additionalProperties": False}


EXTRA = {**NAMED, "additionalProperties": {"type": "boolean"}}


OBJECTS = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]),
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=2)),
)


@given(st.sampled_from([NAMED, CLOSED, EXTRA]), st.one_of(OBJECTS, st.integers()))
def test_property_checks_agree_with_jsonschema(schema: dict[str, Any], value: Any) -> None:
    from jsonschema import Draft202012Validator

    check = compile_schema({"urn:x": schema}, "urn:x")
    assert check(value) == Draft202012Validator(schema).is_valid(value)
