"""Grants: which user may use which resource, as PaddleFlow's ``grant`` table
(``pkg/model/grant.go``, ``pkg/storage/auth.go``).

A grant is ``(user name, resource type, resource id)`` with an id ``grant-<8 hex>``. Root needs
none (``has_access`` is always true for root). The database removes a user's grants with the user
and a queue's grants with the queue (triggers in ``pfctl.server.store.database``), as PaddleFlow's
``DeleteUser`` and ``QueueStore.DeleteQueue`` do.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass

from pfctl.server.store.accounts import is_root
from pfctl.server.store.database import Database
from pfctl.server.store.timefmt import now

#: PaddleFlow's resource types a grant may name (``checkFuncs`` of ``controller/grant``).
RESOURCE_QUEUE = "queue"
RESOURCE_USER = "user"
RESOURCE_FS = "fs"
GRANTABLE_TYPES = (RESOURCE_QUEUE, RESOURCE_USER, RESOURCE_FS)

_COLUMNS = "pk, id, user_name, resource_type, resource_id, created_at, updated_at"
# A fresh id collides with a stored one about once in 2**32 grants; a few tries settle it.
_ID_TRIES = 5


@dataclass(frozen=True)
class GrantRecord:
    """A stored grant."""

    pk: int
    id: str
    user_name: str
    resource_type: str
    resource_id: str
    created_at: float
    updated_at: float


class GrantExists(Exception):
    """The user holds this grant already."""


def new_grant_id() -> str:
    """``grant-`` and 8 hex digits of a random UUID, as PaddleFlow's ``uuid.GenerateID``."""
    return f"grant-{uuid.uuid4().hex[:8]}"


def _grant_from_row(row: sqlite3.Row) -> GrantRecord:
    return GrantRecord(
        pk=row["pk"],
        id=row["id"],
        user_name=row["user_name"],
        resource_type=row["resource_type"],
        resource_id=row["resource_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class Grants:
    """Create, find, list and delete grants."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, user_name: str, resource_type: str, resource_id: str) -> GrantRecord:
        """Store a grant; GrantExists when the user holds it already."""
        stamp = now()
        for _ in range(_ID_TRIES):
            grant_id = new_grant_id()
            with self._db.write() as conn:
                if self._find(conn, user_name, resource_type, resource_id) is not None:
                    raise GrantExists(user_name, resource_type, resource_id)
                try:
                    conn.execute(
                        "INSERT INTO grants (id, user_name, resource_type, resource_id, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (grant_id, user_name, resource_type, resource_id, stamp, stamp),
                    )
                except sqlite3.IntegrityError:
                    continue  # the id is taken: the lookup above rules out anything else
                found = self._find(conn, user_name, resource_type, resource_id)
                assert found is not None
                return found
        raise RuntimeError(f"no free grant id after {_ID_TRIES} tries")

    def get(self, user_name: str, resource_type: str, resource_id: str) -> GrantRecord | None:
        """The user's grant of this resource, or None."""
        return self._find(self._db.connection(), user_name, resource_type, resource_id)

    def has_access(self, user_name: str, resource_type: str, resource_id: str) -> bool:
        """True for root, else whether the user holds a grant of the resource
        (PaddleFlow's ``HasAccessToResource``)."""
        return is_root(user_name) or self.get(user_name, resource_type, resource_id) is not None

    def delete(self, user_name: str, resource_type: str, resource_id: str) -> bool:
        """Remove the user's grant of this resource; False if there was none."""
        with self._db.write() as conn:
            deleted = conn.execute(
                "DELETE FROM grants WHERE user_name = ? AND resource_type = ? AND resource_id = ?",
                (user_name, resource_type, resource_id),
            ).rowcount
        return deleted > 0

    def list_grants(
        self, *, after_pk: int | None, limit: int, user_name: str | None = None
    ) -> list[GrantRecord]:
        """Grants in creation order after ``after_pk``, only ``user_name``'s when given."""
        sql = f"SELECT {_COLUMNS} FROM grants WHERE pk > ?"
        params: list[object] = [after_pk or 0]
        if user_name:
            sql += " AND user_name = ?"
            params.append(user_name)
        rows = self._db.connection().execute(sql + " ORDER BY pk LIMIT ?", [*params, limit])
        return [_grant_from_row(row) for row in rows.fetchall()]

    @staticmethod
    def _find(
        conn: sqlite3.Connection, user_name: str, resource_type: str, resource_id: str
    ) -> GrantRecord | None:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM grants "
            "WHERE user_name = ? AND resource_type = ? AND resource_id = ?",
            (user_name, resource_type, resource_id),
        ).fetchone()
        return None if row is None else _grant_from_row(row)
