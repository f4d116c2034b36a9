"""Live jobs read once from the server's job objects, at the client boundary."""

from __future__ import annotations

from pfctl.apply.model import LAST_APPLIED_ANNOTATION, LiveJob
from pfctl.spec.rules import DEFAULT_PRIORITY


def test_a_job_object_becomes_a_live_job() -> None:
    wire = {
        "id": "a",
        "status": "running",
        "labels": {"team": "x", "gone": None},
        "annotations": {LAST_APPLIED_ANNOTATION: '{"id":"a","type":"single"}', "n": 1},
        "schedulingPolicy": {"queue": "q", "priority": "high"},
        "image": "python:3.11",
    }
    live = LiveJob.from_wire(wire)
    assert (live.id, live.status, live.priority) == ("a", "running", "HIGH")
    assert live.labels == {"team": "x", "gone": ""}
    assert live.annotations == {LAST_APPLIED_ANNOTATION: '{"id":"a","type":"single"}', "n": "1"}
    assert live.record == '{"id":"a","type":"single"}'
    assert live.last_applied() == {"id": "a", "type": "single"}
    assert live.wire is wire


def test_missing_and_odd_fields_have_defaults() -> None:
    live = LiveJob.from_wire({"id": "b", "labels": "not a map", "schedulingPolicy": None})
    assert (live.status, live.priority, live.record) == ("", DEFAULT_PRIORITY, None)
    assert live.labels == {}
    assert live.annotations == {}
    assert live.last_applied() is None


def test_a_job_without_a_usable_record_is_not_pfctls() -> None:
    for text in ("", "not json", "[1]"):
        live = LiveJob.from_wire({"id": "c", "annotations": {LAST_APPLIED_ANNOTATION: text}})
        assert live.last_applied() is None
    assert (
        LiveJob.from_wire({"id": "c", "annotations": {LAST_APPLIED_ANNOTATION: ""}}).record is None
    )
