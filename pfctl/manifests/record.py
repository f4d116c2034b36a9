"""The last-applied record of a manifest: what ``pfctl apply`` writes in the ``pfctl/last-applied``
annotation of a job, and what the planner compares the live annotation with.

The record is the create body plus ``type``, as compact, canonical JSON (sorted keys, no spaces),
so that equal records have equal texts. The loader computes the text once per manifest (in a
worker process when there are many files); the planner reads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from math import isnan
from typing import Any

__all__ = ["applied_record", "is_plain_json", "plain_record_text", "record_text"]

# One encoder for every record: ``json.dumps`` with these options would build a new one per call.
_RECORD_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


def applied_record(job_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest as recorded in ``pfctl/last-applied``: the create body plus ``type``."""
    return {**body, "type": job_type}


def record_text(record: Mapping[str, Any]) -> str:
    """The compact, canonical JSON of a record (sorted keys, so equal records compare equal)."""
    return _RECORD_ENCODER.encode(record)


def plain_record_text(job_type: str, body: Mapping[str, Any]) -> str | None:
    """``record_text`` of a manifest's last-applied record when the body is plain JSON
    (:func:`is_plain_json`), else ``None``.

    Only such a record decodes back to exactly itself, which the planner's fast no-op check
    relies on; the loader stores the result in ``Manifest.record``.
    """
    record = applied_record(job_type, body)
    try:
        text = record_text(record)  # first, as it also refuses circular documents
    except (TypeError, ValueError):
        return None
    return text if is_plain_json(record) else None


def is_plain_json(document: Mapping[str, Any]) -> bool:
    """True when ``document`` is built of exactly dict, list, str, int, bool, ``None`` and finite
    or infinite (not NaN) floats, with string keys: what JSON encodes and decodes unchanged."""
    if type(document) is not dict:
        return False
    pending: list[Any] = [document]
    while pending:
        container = pending.pop()
        if type(container) is dict:
            for key in container:
                if type(key) is not str:
                    return False
            children = container.values()
        else:
            children = container
        for child in children:
            kind = type(child)
            if kind in _PLAIN_SCALARS:
                continue
            if kind is dict or kind is list:
                pending.append(child)
            elif kind is not float or isnan(child):
                return False
    return True
