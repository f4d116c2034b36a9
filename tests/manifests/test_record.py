"""The last-applied record text: canonical, compact JSON, and only for bodies of plain JSON."""

from __future__ import annotations

import json
import math
from typing import Any

from pfctl.manifests import applied_record, plain_record_text, record_text
from pfctl.manifests.record import is_plain_json


def test_plain_json() -> None:
    assert is_plain_json({"a": [1, 2.5, -math.inf, True, None, "x", {"b": []}]})
    assert not is_plain_json({"a": (1,)})
    assert not is_plain_json({"a": [{1: "x"}]})
    assert not is_plain_json({"a": [math.nan]})
    assert not is_plain_json({"a": b"bytes"})
    circular: dict[str, Any] = {"id": "a"}
    circular["self"] = circular
    assert plain_record_text("single", circular) is None


def test_the_record_is_the_body_and_type_as_canonical_json() -> None:
    body = {"id": "a", "labels": {"b": "1", "a": "é"}, "image": "x"}
    record = applied_record("single", body)
    assert record == {**body, "type": "single"}
    assert record_text(record) == json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert plain_record_text("single", body) == record_text(record)
