"""A fast yes/no schema check for the keywords pfctl's schemas use.

jsonschema explains failures well but costs about half a millisecond per manifest; most
manifests are valid. This compiles a schema once into nested predicates that answer "valid?"
with the same semantics for the supported keywords. A schema using any other keyword is
rejected at compile time (``UnsupportedSchema``) so callers fall back to jsonschema; a
property test checks both agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urldefrag, urljoin

__all__ = ["Predicate", "UnsupportedSchema", "compile_schema"]

Predicate = Callable[[Any], bool]

_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description", "$comment"})
_SUPPORTED = _ANNOTATIONS | {
    "type",
    "properties",
    "additionalProperties",
    "required",
    "enum",
    "const",
    "items",
    "minItems",
    "$ref",
    "if",
    "then",
    "else",
    "not",
    "allOf",
}


#: The keywords one object predicate checks (with ``type: object``, when given).
_OBJECT_KEYWORDS = ("required", "properties", "additionalProperties")


class UnsupportedSchema(Exception):
    """The schema uses a keyword this checker does not implement."""


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _is_array(value: Any) -> bool:
    return isinstance(value, list)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _is_null(value: Any) -> bool:
    return value is None


_TYPES: dict[str, Predicate] = {
    "object": _is_object,
    "array": _is_array,
    "string": _is_string,
    "integer": _is_integer,
    "number": _is_number,
    "boolean": _is_boolean,
    "null": _is_null,
}


def _all_of(checks: list[Predicate]) -> Predicate:
    def check(value: Any) -> bool:
        for test in checks:  # noqa: SIM110 (a plain loop is much faster than all() here)
            if not test(value):
                return False
        return True

    return check


def _each_item(item: Predicate) -> Predicate:
    def check(value: Any) -> bool:
        if isinstance(value, list):
            for element in value:
                if not item(element):
                    return False
        return True

    return check


def _object_check(
    is_object: bool,
    required: tuple[str, ...],
    properties: dict[str, Predicate],
    extra: Predicate | bool,
) -> Predicate:
    """``type: object`` (when ``is_object``), ``required``, ``properties`` and
    ``additionalProperties`` (``extra``) in one predicate: one call per object, not four."""
    named = tuple(properties.items())

    def named_only(value: Any) -> bool:  # no additionalProperties: only named keys need a look
        if not isinstance(value, dict):
            return not is_object
        for key in required:
            if key not in value:
                return False
        if len(value) < len(named):
            for key, item in value.items():
                test = properties.get(key)
                if test is not None and not test(item):
                    return False
            return True
        for key, test in named:  # noqa: SIM110 (a plain loop is much faster than all() here)
            if key in value and not test(value[key]):
                return False
        return True

    def closed(value: Any) -> bool:  # additionalProperties: false
        if not isinstance(value, dict):
            return not is_object
        for key in required:
            if key not in value:
                return False
        for key, item in value.items():
            test = properties.get(key)
            if test is None or not test(item):
                return False
        return True

    if isinstance(extra, bool):
        return named_only if extra else closed

    def with_extra(value: Any) -> bool:  # additionalProperties: a schema
        if not isinstance(value, dict):
            return not is_object
        for key in required:
            if key not in value:
                return False
        for key, item in value.items():  # noqa: SIM110 (faster than all())
            if not properties.get(key, extra)(item):
                return False
        return True

    return with_extra


def compile_schema(schemas_by_id: Mapping[str, Mapping[str, Any]], root_id: str) -> Predicate:
    """A predicate for the schema ``root_id``; ``$ref``s resolve among ``schemas_by_id``."""
    compiler = _Compiler(schemas_by_id)
    return compiler.compile(schemas_by_id[root_id], root_id)


class _Compiler:
    def __init__(self, schemas_by_id: Mapping[str, Mapping[str, Any]]) -> None:
        self.schemas_by_id = schemas_by_id
        self.by_ref: dict[str, Predicate] = {}

    def resolve(self, ref: str, base: str) -> tuple[Mapping[str, Any], str]:
        url, fragment = urldefrag(urljoin(base, ref))
        if url not in self.schemas_by_id:
            raise UnsupportedSchema(f"unresolvable $ref {ref!r}")
        target: Any = self.schemas_by_id[url]
        for token in (t for t in fragment.split("/") if t):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        return target, url

    def compile_ref(self, ref: str, base: str) -> Predicate:
        key = urljoin(base, ref)
        if key not in self.by_ref:
            slot: list[Predicate] = []
            self.by_ref[key] = lambda value: slot[0](value)  # noqa: PLW0108 (filled in below)
            schema, url = self.resolve(ref, base)
            slot.append(self.compile(schema, url))
            self.by_ref[key] = slot[0]
        return self.by_ref[key]

    def compile(self, schema: Mapping[str, Any] | bool, base: str) -> Predicate:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        unknown = set(schema) - _SUPPORTED
        if unknown:
            raise UnsupportedSchema(f"unsupported keywords {sorted(unknown)}")
        checks: list[Predicate] = []
        type_ = schema.get("type")
        if any(keyword in schema for keyword in _OBJECT_KEYWORDS):
            checks.append(self.compile_object(schema, base))
            if type_ is not None and type_ != "object":
                checks.append(self.compile_type(type_))
        elif type_ is not None:
            checks.append(self.compile_type(type_))
        if "enum" in schema:
            checks.append(self.compile_enum(schema["enum"]))
        if "const" in schema:
            checks.append(self.compile_enum([schema["const"]]))
        if "items" in schema:
            checks.append(_each_item(self.compile(schema["items"], base)))
        if "minItems" in schema:
            least = int(schema["minItems"])
            checks.append(lambda v: not _is_array(v) or len(v) >= least)
        if "$ref" in schema:
            checks.append(self.compile_ref(schema["$ref"], base))
        if "allOf" in schema:
            checks.extend(self.compile(sub, base) for sub in schema["allOf"])
        if "not" in schema:
            negated = self.compile(schema["not"], base)
            checks.append(lambda v: not negated(v))
        if "if" in schema:
            checks.append(self.compile_if(schema, base))
        if len(checks) == 1:
            return checks[0]
        return _all_of(checks)

    def compile_type(self, type_: str | list[str]) -> Predicate:
        names = [type_] if isinstance(type_, str) else list(type_)
        tests = [_TYPES[name] for name in names]
        if len(tests) == 1:
            return tests[0]
        return lambda value: any(test(value) for test in tests)

    def compile_enum(self, values: list[Any]) -> Predicate:
        if not all(isinstance(v, str) for v in values):
            raise UnsupportedSchema("enum/const of non-strings")
        allowed = frozenset(values)
        return lambda value: isinstance(value, str) and value in allowed

    def compile_object(self, schema: Mapping[str, Any], base: str) -> Predicate:
        properties = {
            name: self.compile(sub, base) for name, sub in schema.get("properties", {}).items()
        }
        extra_schema = schema.get("additionalProperties", True)
        extra = extra_schema if isinstance(extra_schema, bool) else self.compile(extra_schema, base)
        required = tuple(schema.get("required", ()))
        return _object_check(schema.get("type") == "object", required, properties, extra)

    def compile_if(self, schema: Mapping[str, Any], base: str) -> Predicate:
        condition = self.compile(schema["if"], base)
        then = self.compile(schema.get("then", True), base)
        otherwise = self.compile(schema.get("else", True), base)
        return lambda value: then(value) if condition(value) else otherwise(value)
