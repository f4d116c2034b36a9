"""JSON as PaddleFlow's Go server reads and writes it.

Go's encoder writes compact JSON without escaping non-ASCII; its decoder reads bytes as UTF-8
with bad sequences replaced, and names JSON kinds in its own words in its error texts. The route
layer (``endpoint``) and the job layer (``jobs``) both speak it, so it lives below both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

#: JSON nested deeper than this is refused as malformed: Python's recursive decoders, validators
#: and encoders would hit the interpreter's recursion limit near 1000 levels (a 500), and no
#: real job body comes close (an Argo workflow template is about 10 levels deep).
MAX_JSON_DEPTH = 128


def json_bytes(value: Any) -> bytes:
    """Compact JSON, as Go's encoder writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def parse_json(data: bytes | str) -> Any:
    """JSON as Go's decoder reads it: bytes are UTF-8 with invalid sequences and lone UTF-16
    surrogates (``"\\ud800"``) replaced by U+FFFD, never an error nor a string that cannot be
    stored or echoed. Raises ``ValueError`` for bad JSON and for nesting deeper than
    ``MAX_JSON_DEPTH``."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("exceeded max depth") from None
    if _nesting_depth(value) > MAX_JSON_DEPTH:
        raise ValueError("exceeded max depth")
    if _SURROGATE_ESCAPE.search(text):
        value = _without_surrogates(value)
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def _nesting_depth(value: Any) -> int:
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        pending.extend((child, depth + 1) for child in item)
    return deepest


def go_json_kind(value: Any) -> str:
    """The word Go's decoder uses for a JSON value's kind in its error texts."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


@dataclass(frozen=True)
class EncodedJson:
    """A handler result that is JSON already (``body`` is what ``json_bytes`` would give): sent
    as it is, for responses built from pre-encoded parts (the job list)."""

    body: bytes
