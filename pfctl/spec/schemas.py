"""The JSON Schemas of PaddleFlow job requests and pfctl manifests (draft 2020-12).

The files live in ``schemas/`` at the top of the repository; the wheel carries them as package
data in ``pfctl/schemas/``. Each file has a stable ``$id`` and refers to the others by relative
``$ref``, resolved through one ``referencing.Registry`` holding every file.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.abc import Traversable

    import jsonschema.protocols
    import referencing

__all__ = ["REQUEST_SCHEMA_NAMES", "SCHEMA_NAMES", "load_schema", "schema_dir", "validator_for"]

#: The schemas of PaddleFlow requests and pfctl manifests, by name.
REQUEST_SCHEMA_NAMES: tuple[str, ...] = (
    "scheduling-policy",
    "flavour",
    "file-system",
    "job-fields",
    "member-spec",
    "single-job",
    "distributed-job",
    "workflow-job",
    "update-job",
    "manifest",
)
#: Every schema file, by name (``schemas/<name>.schema.json``): the requests', and that of the
#: plan files `pfctl diff --out` writes.
SCHEMA_NAMES: tuple[str, ...] = (*REQUEST_SCHEMA_NAMES, "plan")


@functools.cache
def schema_dir() -> Traversable:
    """The directory holding the schema files: package data when installed, else the repo's."""
    packaged = resources.files("pfctl") / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "schemas"


@functools.cache
def _load(name: str) -> dict[str, Any]:
    if name not in SCHEMA_NAMES:
        known = ", ".join(SCHEMA_NAMES)
        raise KeyError(f"unknown schema {name!r}; known: {known}")
    text = (schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_schema(name: str) -> dict[str, Any]:
    """The parsed JSON of ``schemas/<name>.schema.json`` (a fresh copy the caller may change)."""
    return copy.deepcopy(_load(name))


@functools.cache
def _registry() -> referencing.Registry[Any]:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources_by_id = [
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in (_load(name) for name in SCHEMA_NAMES)
    ]
    registry: referencing.Registry[Any] = Registry().with_resources(resources_by_id)
    return registry.crawl()


@functools.cache
def validator_for(name: str) -> jsonschema.protocols.Validator:
    """A draft 2020-12 validator for schema ``name``, built once per process and cached."""
    from jsonschema import Draft202012Validator

    schema = _load(name)
    validator: jsonschema.protocols.Validator = Draft202012Validator(schema, registry=_registry())
    return validator
