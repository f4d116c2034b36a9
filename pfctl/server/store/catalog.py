"""Queues and flavours (resource packages), seeded as PaddleFlow seeds them.

Resources are stored as the strings the client sent (``{"cpu": "20", "mem": "20Gi",
"scalarResources": {...}}``); records also carry them parsed into ``Decimal`` amounts keyed by
resource name (``cpu``, ``mem``, and each scalar resource name) for arithmetic.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pfctl.server.store.database import Database, json_text
from pfctl.server.store.timefmt import now
from pfctl.spec import resources
from pfctl.spec.resources import Resources
from pfctl.spec.rules import DEFAULT_QUEUE

DEFAULT_CLUSTER = "default-cluster"

_SEED_FLAVOURS: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("flavour1", "1", "1Gi", {}),
    ("flavour2", "4", "8Gi", {"nvidia.com/gpu": "1"}),
    ("flavour3", "4", "8Gi", {"nvidia.com/gpu": "2"}),
)


@dataclass(frozen=True)
class QueueRecord:
    """A queue. ``*_resources`` are the stored strings; ``max_amounts`` etc. are parsed."""

    pk: int
    id: str
    name: str
    namespace: str
    cluster_name: str
    quota_type: str
    status: str
    max_resources: dict[str, Any]
    min_resources: dict[str, Any]
    used_resources: dict[str, str]
    location: dict[str, Any]
    scheduling_policy: list[str]
    created_at: float
    updated_at: float

    @property
    def max_amounts(self) -> Resources:
        """The queue's maximum, by resource name (cpu, mem, scalar names)."""
        return resources.amounts(self.max_resources)

    @property
    def used_amounts(self) -> Resources:
        """What running jobs use now, as last set by the runtime."""
        return resources.from_strings(self.used_resources)


@dataclass(frozen=True)
class FlavourRecord:
    """A registered flavour."""

    pk: int
    id: str
    name: str
    cluster_name: str
    cpu: str
    mem: str
    scalar_resources: dict[str, str]
    created_at: float
    updated_at: float


class NameTaken(Exception):
    """A queue or flavour with this name exists."""


def _queue_from_row(row: sqlite3.Row) -> QueueRecord:
    return QueueRecord(
        pk=row["pk"],
        id=row["id"],
        name=row["name"],
        namespace=row["namespace"],
        cluster_name=row["cluster_name"],
        quota_type=row["quota_type"],
        status=row["status"],
        max_resources=json.loads(row["max_resources"]),
        min_resources=json.loads(row["min_resources"]),
        used_resources=json.loads(row["used_resources"]),
        location=json.loads(row["location"]),
        scheduling_policy=json.loads(row["scheduling_policy"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _flavour_from_row(row: sqlite3.Row) -> FlavourRecord:
    return FlavourRecord(
        pk=row["pk"],
        id=row["id"],
        name=row["name"],
        cluster_name=row["cluster_name"],
        cpu=row["cpu"],
        mem=row["mem"],
        scalar_resources=json.loads(row["scalar_resources"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class Catalog:
    """Queue and flavour storage."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def seed(self) -> None:
        """Create ``default-queue`` and ``flavour1..3`` when the database is new."""
        conn = self._db.connection()
        seeded = conn.execute("SELECT value FROM meta WHERE key = 'seeded'").fetchone()
        if seeded is not None:
            return
        with self._db.write() as wconn:
            if wconn.execute("SELECT value FROM meta WHERE key = 'seeded'").fetchone():
                return
            self._insert_queue(
                wconn,
                name=DEFAULT_QUEUE,
                namespace="default",
                cluster_name=DEFAULT_CLUSTER,
                quota_type="volcanoCapabilityQuota",
                max_resources={"cpu": "20", "mem": "20Gi"},
                min_resources={"cpu": "20", "mem": "20Gi"},
                location={},
                scheduling_policy=[],
                status="open",
            )
            for name, cpu, mem, scalars in _SEED_FLAVOURS:
                self._insert_flavour(
                    wconn, name=name, cpu=cpu, mem=mem, scalar_resources=scalars, cluster_name=""
                )
            wconn.execute("INSERT INTO meta (key, value) VALUES ('seeded', '1')")

    # -- queues --------------------------------------------------------------------------------

    def create_queue(self, **fields: Any) -> QueueRecord:
        """Store a queue (keyword fields as in ``QueueRecord``); NameTaken if it exists."""
        try:
            with self._db.write() as conn:
                self._insert_queue(conn, **fields)
        except sqlite3.IntegrityError as exc:
            raise NameTaken(fields["name"]) from exc
        queue = self.get_queue(fields["name"])
        assert queue is not None
        return queue

    @staticmethod
    def _insert_queue(
        conn: sqlite3.Connection,
        *,
        name: str,
        namespace: str,
        cluster_name: str,
        quota_type: str,
        max_resources: dict[str, Any],
        min_resources: dict[str, Any],
        location: dict[str, Any],
        scheduling_policy: list[str],
        status: str,
    ) -> None:
        stamp = now()
        conn.execute(
            "INSERT INTO queues (id, name, namespace, cluster_name, quota_type, max_resources, "
            "min_resources, location, scheduling_policy, status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                f"queue-{uuid.uuid4().hex[:8]}",
                name,
                namespace,
                cluster_name,
                quota_type,
                json_text(max_resources),
                json_text(min_resources),
                json_text(location),
                json_text(scheduling_policy),
                status,
                stamp,
                stamp,
            ),
        )

    def get_queue(self, name: str) -> QueueRecord | None:
        """The queue with this name, or None."""
        row = self._db.connection().execute("SELECT * FROM queues WHERE name = ?", (name,))
        found = row.fetchone()
        return None if found is None else _queue_from_row(found)

    def list_queues(
        self,
        *,
        after_pk: int | None,
        limit: int,
        name_like: str | None = None,
        granted_to: str | None = None,
    ) -> list[QueueRecord]:
        """Queues in creation order after ``after_pk``, optionally with ``name_like`` in
        the name, and only those granted to ``granted_to`` when given."""
        sql = "SELECT * FROM queues WHERE pk > ?"
        params: list[Any] = [after_pk or 0]
        if granted_to is not None:
            sql += (
                " AND name IN (SELECT resource_id FROM grants"
                " WHERE resource_type = 'queue' AND user_name = ?)"
            )
            params.append(granted_to)
        if name_like:
            sql += " AND instr(name, ?) > 0"
            params.append(name_like)
        rows = self._db.connection().execute(sql + " ORDER BY pk LIMIT ?", [*params, limit])
        return [_queue_from_row(row) for row in rows.fetchall()]

    def cluster_exists(self, name: str) -> bool:
        """Whether ``name`` is a cluster here: the default one, or the cluster of some queue
        (the local server keeps no cluster table of its own)."""
        if name == DEFAULT_CLUSTER:
            return True
        row = (
            self._db.connection()
            .execute("SELECT 1 FROM queues WHERE cluster_name = ? LIMIT 1", [name])
            .fetchone()
        )
        return row is not None

    def update_queue(self, name: str, changes: Mapping[str, Any]) -> QueueRecord | None:
        """Replace the given fields (``max_resources``, ``min_resources``, ``location``,
        ``scheduling_policy``, ``status``); None if the queue does not exist."""
        columns = {
            "max_resources",
            "min_resources",
            "location",
            "scheduling_policy",
            "status",
        }
        sets = ["updated_at = ?"]
        params: list[Any] = [now()]
        for key, value in changes.items():
            if key not in columns:
                raise KeyError(key)
            sets.append(f"{key} = ?")
            params.append(value if isinstance(value, str) else json_text(value))
        with self._db.write() as conn:
            conn.execute(f"UPDATE queues SET {', '.join(sets)} WHERE name = ?", [*params, name])
        return self.get_queue(name)

    def set_used_resources(self, name: str, used: Mapping[str, str]) -> None:
        """Record the queue's used resources (runtime bookkeeping; does not touch updateTime)."""
        with self._db.write() as conn:
            conn.execute(
                "UPDATE queues SET used_resources = ? WHERE name = ?", (json_text(dict(used)), name)
            )

    def clear_used_resources(self) -> None:
        """Record that no queue's jobs use anything (at start: nothing runs yet)."""
        with self._db.write() as conn:
            conn.execute("UPDATE queues SET used_resources = '{}' WHERE used_resources != '{}'")

    def delete_queue(self, name: str) -> bool:
        """Delete a queue; False if it does not exist."""
        with self._db.write() as conn:
            return conn.execute("DELETE FROM queues WHERE name = ?", (name,)).rowcount > 0

    # -- flavours ------------------------------------------------------------------------------

    def create_flavour(
        self, name: str, cpu: str, mem: str, scalar_resources: dict[str, str], cluster_name: str
    ) -> FlavourRecord:
        """Store a flavour; NameTaken if it exists."""
        try:
            with self._db.write() as conn:
                self._insert_flavour(
                    conn,
                    name=name,
                    cpu=cpu,
                    mem=mem,
                    scalar_resources=scalar_resources,
                    cluster_name=cluster_name,
                )
        except sqlite3.IntegrityError as exc:
            raise NameTaken(name) from exc
        flavour = self.get_flavour(name)
        assert flavour is not None
        return flavour

    @staticmethod
    def _insert_flavour(
        conn: sqlite3.Connection,
        *,
        name: str,
        cpu: str,
        mem: str,
        scalar_resources: dict[str, str],
        cluster_name: str,
    ) -> None:
        stamp = now()
        conn.execute(
            "INSERT INTO flavours (id, name, cluster_name, cpu, mem, scalar_resources, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (name, name, cluster_name, cpu, mem, json_text(scalar_resources), stamp, stamp),
        )

    def get_flavour(self, name: str) -> FlavourRecord | None:
        """The flavour with this exact name, or None."""
        row = self._db.connection().execute("SELECT * FROM flavours WHERE name = ?", (name,))
        found = row.fetchone()
        return None if found is None else _flavour_from_row(found)

    def list_flavours(
        self, *, after_pk: int | None, limit: int, name_like: str | None = None
    ) -> list[FlavourRecord]:
        """Flavours in creation order after ``after_pk``, optionally filtered by name part."""
        sql = "SELECT * FROM flavours WHERE pk > ?"
        params: list[Any] = [after_pk or 0]
        if name_like:
            sql += " AND instr(name, ?) > 0"
            params.append(name_like)
        rows = self._db.connection().execute(sql + " ORDER BY pk LIMIT ?", [*params, limit])
        return [_flavour_from_row(row) for row in rows.fetchall()]

    def update_flavour(
        self,
        name: str,
        *,
        cpu: str | None = None,
        mem: str | None = None,
        scalar_resources: dict[str, str] | None = None,
    ) -> FlavourRecord | None:
        """Change the given resources; None if the flavour does not exist."""
        sets = ["updated_at = ?"]
        params: list[Any] = [now()]
        if cpu is not None:
            sets.append("cpu = ?")
            params.append(cpu)
        if mem is not None:
            sets.append("mem = ?")
            params.append(mem)
        if scalar_resources is not None:
            sets.append("scalar_resources = ?")
            params.append(json_text(scalar_resources))
        with self._db.write() as conn:
            conn.execute(f"UPDATE flavours SET {', '.join(sets)} WHERE name = ?", [*params, name])
        return self.get_flavour(name)

    def delete_flavour(self, name: str) -> bool:
        """Delete a flavour; False if it does not exist."""
        with self._db.write() as conn:
            return conn.execute("DELETE FROM flavours WHERE name = ?", (name,)).rowcount > 0
