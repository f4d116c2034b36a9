"""Kubernetes resource quantities ("500m", "1Gi", "2", "1e3"), as PaddleFlow flavours use them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["parse_quantity"]

_BINARY_SUFFIXES = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}
_DECIMAL_SUFFIXES = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
# <sign><number><suffix>: number is "1", "1.5", "1." or ".5"; suffix a binary or decimal SI
# suffix, or a decimal exponent "e<signed integer>" / "E<signed integer>".
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<exponent>[eE][+-]?[0-9]+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)"
)
# Bounds a decimal exponent so that "1e999999999" cannot make Decimal arithmetic expensive.
_MAX_EXPONENT = 100


def parse_quantity(text: str) -> Decimal:
    """The value of a Kubernetes quantity string, e.g. ``"500m"`` -> ``Decimal("0.5")``.

    Raises ``ValueError`` naming the accepted forms when ``text`` is not a quantity.
    """
    match = _QUANTITY.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"{text!r} is not a Kubernetes quantity: expected a number with an optional suffix "
            "(n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei) or exponent, "
            'e.g. "500m", "2", "1.5Gi", "1e3"'
        )
    try:
        number = Decimal(match["number"])
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise ValueError(f"{text!r} is not a Kubernetes quantity") from exc
    exponent = match["exponent"]
    if exponent is not None:
        power = int(exponent[1:])
        if abs(power) > _MAX_EXPONENT:
            raise ValueError(f"{text!r}: exponent out of range (at most {_MAX_EXPONENT})")
        return number.scaleb(power)
    suffix = match["suffix"] or ""
    if suffix in _BINARY_SUFFIXES:
        return number * _BINARY_SUFFIXES[suffix]
    return number * _DECIMAL_SUFFIXES[suffix]
