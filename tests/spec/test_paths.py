"""JSON paths: ``$.members[1].role`` in problems, ``members[1].role`` in plans and messages."""

from __future__ import annotations

import pytest

from pfctl.spec.paths import Path, format_field_path, format_path


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "$"),
        (("members", 1, "role"), "$.members[1].role"),
        (("labels", "a/b"), '$.labels["a/b"]'),
        (("labels", "café"), '$.labels["café"]'),  # identifiers are ASCII, as in JSONPath
        (("labels", "名/字"), '$.labels["名/字"]'),
        (("env", "_X1"), "$.env._X1"),
        (("env", "1X"), '$.env["1X"]'),
        (("extraFS", 0), "$.extraFS[0]"),
    ],
)
def test_format_path(path: Path, text: str) -> None:
    assert format_path(path) == text


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("members", 0, "image"), "members[0].image"),
        ((0, "image"), "[0].image"),
        (("labels", "app.kubernetes.io/name"), 'labels["app.kubernetes.io/name"]'),
        (("labels", "名/字"), 'labels["\\u540d/\\u5b57"]'),
    ],
)
def test_format_field_path(path: Path, text: str) -> None:
    assert format_field_path(path) == text
