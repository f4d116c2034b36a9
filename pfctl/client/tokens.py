"""A per-server, per-user cache of login tokens, so that each command does not log in again.

Each entry is one JSON file readable only by its owner (mode 0600) in a 0700 directory,
``tokens/`` under pfctl's cache directory (``pfctl.cache_dir``; ``PFCTL_CACHE_DIR`` moves it).
An entry also keeps a salted scrypt fingerprint of the password it was obtained with: a
different password never reuses the token, so a wrong password fails at login instead of riding
on an old token.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from pathlib import Path

from pfctl.cache_dir import default_cache_dir

__all__ = ["TokenCache"]

_SCRYPT = {"n": 2**12, "r": 8, "p": 1, "dklen": 32}


def _fingerprint(password: str, salt: bytes) -> str:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT).hex()


class TokenCache:
    """Stores one token per (server URL, user name); ``directory=None`` keeps tokens in memory."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[tuple[str, str], tuple[str, str]] = {}

    @classmethod
    def default(cls) -> TokenCache:
        """The on-disk cache in ``tokens/`` under :func:`pfctl.cache_dir.default_cache_dir`."""
        return cls(default_cache_dir() / "tokens")

    @classmethod
    def in_memory(cls) -> TokenCache:
        """A cache that lives only as long as this object."""
        return cls(None)

    def path_for(self, server_url: str, user: str) -> Path | None:
        """The file holding the token of ``user`` on ``server_url`` (None for a memory cache)."""
        if self.directory is None:
            return None
        digest = hashlib.sha256(f"{server_url}\0{user}".encode()).hexdigest()[:40]
        return self.directory / f"{digest}.json"

    def get(self, server_url: str, user: str, password: str) -> str | None:
        """The cached token, if one was stored for this server, user and password."""
        key = (server_url, user)
        if self.directory is None:
            entry = self._memory.get(key)
            if entry is None or not hmac.compare_digest(entry[1], password):
                return None
            return entry[0]
        path = self.path_for(server_url, user)
        assert path is not None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            salt = bytes.fromhex(data["salt"])
            token, stored = str(data["token"]), str(data["fingerprint"])
            if data.get("server") != server_url or data.get("user") != user:
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not hmac.compare_digest(stored, _fingerprint(password, salt)):
            return None
        return token

    def put(self, server_url: str, user: str, password: str, token: str) -> None:
        """Remember ``token``; a cache directory that cannot be written is silently skipped."""
        if self.directory is None:
            self._memory[(server_url, user)] = (token, password)
            return
        path = self.path_for(server_url, user)
        assert path is not None
        salt = secrets.token_bytes(16)
        entry = {
            "server": server_url,
            "user": user,
            "token": token,
            "salt": salt.hex(),
            "fingerprint": _fingerprint(password, salt),
        }
        with contextlib.suppress(OSError):
            self._write_private(path, json.dumps(entry))

    def discard(self, server_url: str, user: str) -> None:
        """Forget the token of ``user`` on ``server_url``."""
        self._memory.pop((server_url, user), None)
        path = self.path_for(server_url, user)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def _write_private(self, path: Path, text: str) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".token-")
        try:  # mkstemp creates the file with mode 0600
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
