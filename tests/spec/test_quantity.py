"""Kubernetes quantities as PaddleFlow flavours use them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pfctl.spec.quantity import parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2", Decimal(2)),
        ("500m", Decimal("0.5")),
        ("1.5", Decimal("1.5")),
        ("1Gi", Decimal(2**30)),
        ("8Gi", Decimal(8 * 2**30)),
        ("1Ki", Decimal(1024)),
        ("1k", Decimal(1000)),
        ("2M", Decimal(2_000_000)),
        ("1e3", Decimal(1000)),
        ("1E-3", Decimal("0.001")),
        ("+1", Decimal(1)),
        ("-1", Decimal(-1)),
        (".5", Decimal("0.5")),
        ("5.", Decimal(5)),
        ("100n", Decimal("1e-7")),
        ("3u", Decimal("3e-6")),
        ("0", Decimal(0)),
        ("1Ei", Decimal(2**60)),
    ],
)
def test_parses_kubernetes_quantities(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "1 Gi",
        "Gi",
        "1GB",
        "1gi",
        "1.2.3",
        "abc",
        "1e",
        "--1",
        "1Gii",
        "0x10",
        "1e1000",
        "1K",
    ],
)
def test_rejects_what_is_not_a_quantity(text: str) -> None:
    with pytest.raises(ValueError, match=r"quantit|exponent"):
        parse_quantity(text)


def test_error_names_the_accepted_forms() -> None:
    with pytest.raises(ValueError, match=r"'2 cores' is not a Kubernetes quantity.*500m"):
        parse_quantity("2 cores")


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["", "k", "M", "Ki", "Gi", "m"]))
def test_integers_with_any_suffix_parse_and_scale(number: int, suffix: str) -> None:
    scale = {"": 1, "k": 1000, "M": 10**6, "Ki": 1024, "Gi": 2**30, "m": Decimal("0.001")}
    assert parse_quantity(f"{number}{suffix}") == number * scale[suffix]
