"""Users and login tokens.

Passwords are stored as salted scrypt hashes; tokens are random (``secrets.token_urlsafe``) and only
their SHA-256 is stored, so a copy of the database gives no usable token. A token lives until it
expires (when the server sets a lifetime), its user's password changes, or its user is deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass

from pfctl.server.store.database import Database
from pfctl.server.store.timefmt import now

ROOT_USER = "root"
ROOT_INITIAL_PASSWORD = "paddleflow"

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1


def is_root(user_name: str) -> bool:
    """PaddleFlow compares the root name case-insensitively."""
    return user_name.lower() == ROOT_USER


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex) of a password with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches a hash made by ``hash_password``."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(candidate.hex(), digest)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class UserRecord:
    """A user as stored (without the password hash)."""

    pk: int
    name: str
    created_at: float


class UserExists(Exception):
    """A user with this name (compared case-insensitively) exists."""


class Accounts:
    """Users, password checks and tokens."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def seed(self) -> None:
        """Create ``root``/``paddleflow`` unless a root user exists."""
        conn = self._db.connection()
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (ROOT_USER,)).fetchone() is None:
            with contextlib.suppress(UserExists):
                self.create_user(ROOT_USER, ROOT_INITIAL_PASSWORD)

    def create_user(self, name: str, password: str) -> UserRecord:
        """Store a new user; UserExists when the name is taken."""
        password_hash = hash_password(password)
        stamp = now()
        try:
            with self._db.write() as conn:
                conn.execute(
                    "INSERT INTO users (name, password_hash, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?)",
                    (name, password_hash, stamp, stamp),
                )
        except sqlite3.IntegrityError as exc:
            raise UserExists(name) from exc
        user = self.get_user(name)
        assert user is not None
        return user

    def get_user(self, name: str) -> UserRecord | None:
        """The user with this name (case-insensitive), or None."""
        row = (
            self._db.connection()
            .execute("SELECT pk, name, created_at FROM users WHERE name = ?", (name,))
            .fetchone()
        )
        return None if row is None else UserRecord(row["pk"], row["name"], row["created_at"])

    def list_users(self, *, after_pk: int | None, limit: int) -> list[UserRecord]:
        """Users in creation order, starting after ``after_pk``."""
        rows = (
            self._db.connection()
            .execute(
                "SELECT pk, name, created_at FROM users WHERE pk > ? ORDER BY pk LIMIT ?",
                (after_pk or 0, limit),
            )
            .fetchall()
        )
        return [UserRecord(row["pk"], row["name"], row["created_at"]) for row in rows]

    def check_password(self, name: str, password: str) -> bool | None:
        """None if the user does not exist, else whether the password is right."""
        row = (
            self._db.connection()
            .execute("SELECT password_hash FROM users WHERE name = ?", (name,))
            .fetchone()
        )
        if row is None:
            return None
        return verify_password(password, row["password_hash"])

    def set_password(self, name: str, password: str) -> bool:
        """Change a password and revoke the user's tokens; False if the user does not exist."""
        password_hash = hash_password(password)
        with self._db.write() as conn:
            changed = conn.execute(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                (password_hash, now(), name),
            ).rowcount
            conn.execute("DELETE FROM tokens WHERE user_name = ?", (name,))
        return changed > 0

    def delete_user(self, name: str) -> bool:
        """Delete a user and revoke their tokens; False if the user does not exist."""
        with self._db.write() as conn:
            deleted = conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount
            conn.execute("DELETE FROM tokens WHERE user_name = ?", (name,))
        return deleted > 0

    def issue_token(self, name: str, *, lifetime_seconds: float | None) -> str:
        """A new random token for the user, valid for ``lifetime_seconds`` (None: no expiry)."""
        token = secrets.token_urlsafe(32)
        stamp = now()
        expires = None if lifetime_seconds is None else stamp + lifetime_seconds
        with self._db.write() as conn:
            conn.execute(
                "INSERT INTO tokens (token_hash, user_name, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (_token_hash(token), name, stamp, expires),
            )
        return token

    def user_for_token(self, token: str) -> str | None:
        """The stored spelling of the token's user name, or None for an unknown/expired token."""
        row = (
            self._db.connection()
            .execute(
                "SELECT users.name AS name, tokens.expires_at AS expires_at FROM tokens "
                "JOIN users ON users.name = tokens.user_name WHERE tokens.token_hash = ?",
                (_token_hash(token),),
            )
            .fetchone()
        )
        if row is None:
            return None
        if row["expires_at"] is not None and row["expires_at"] < now():
            return None
        return str(row["name"])
