"""Opaque list markers and the ``maxKeys`` rule shared by every list route.

A marker names a row's primary key, signed with a secret kept in the database
(``Store.marker_secret``), so a client can only hand back markers the server made (anything else
is ``InvalidMarker``, as PaddleFlow answers a marker it cannot decrypt).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from pfctl.server.apierrors import ApiError


class _Keyed(Protocol):
    @property
    def pk(self) -> int: ...


_Row = TypeVar("_Row", bound=_Keyed)
_T = TypeVar("_T")

DEFAULT_MAX_KEYS = 50
MAX_MAX_KEYS = 1000


class MarkerCodec:
    """Turns primary keys into opaque page markers and back."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _signature(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:8]

    def encode(self, pk: int) -> str:
        """The marker for a page that continues after the row with primary key ``pk``."""
        payload = str(pk).encode()
        return base64.urlsafe_b64encode(payload + self._signature(payload)).decode().rstrip("=")

    def decode(self, marker: str) -> int:
        """The primary key in ``marker``; ``InvalidMarker`` when it was not made here."""
        try:
            raw = base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4))
            payload, signature = raw[:-8], raw[-8:]
            if len(raw) <= 8 or not hmac.compare_digest(signature, self._signature(payload)):
                raise ValueError("bad signature")
            return int(payload.decode())
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError("InvalidMarker") from exc

    def position(self, query: Mapping[str, str]) -> int | None:
        """The primary key the query's ``marker`` continues after; None for a first page."""
        marker = query.get("marker", "")
        return self.decode(marker) if marker else None

    def envelope(
        self,
        rows: Sequence[_Row],
        limit: int,
        list_key: str,
        view: Callable[[_Row], dict[str, Any]],
    ) -> dict[str, Any]:
        """PaddleFlow's list envelope for ``rows`` read with ``limit + 1`` (the extra row only
        says that another page follows): ``maxKeys``, ``isTruncated``, ``nextMarker`` when
        truncated, then ``list_key``."""
        page, response = self.page_head(rows, limit, lambda row: row.pk)
        response[list_key] = [view(row) for row in page]
        return response

    def page_head(
        self, rows: Sequence[_T], limit: int, pk: Callable[[_T], int]
    ) -> tuple[Sequence[_T], dict[str, Any]]:
        """The rows of the page (``rows`` read with ``limit + 1``) and the envelope's keys that
        come before the list: ``maxKeys``, ``isTruncated``, ``nextMarker`` when truncated."""
        page, more = rows[:limit], len(rows) > limit
        head: dict[str, Any] = {"maxKeys": limit, "isTruncated": more}
        if more:
            head["nextMarker"] = self.encode(pk(page[-1]))
        return page, head


def max_keys(query: Mapping[str, str]) -> int:
    """``maxKeys`` from the query: default 50, 1..1000, else ``InvalidURI``."""
    text = query.get("maxKeys", "")
    if text == "":
        return DEFAULT_MAX_KEYS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_MAX_KEYS:
        raise ApiError("InvalidURI", f"maxKeys[{text}] is invalid")
    return value
