"""The token cache: one private file per server and user, bound to the password."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pfctl.cache_dir import default_cache_dir
from pfctl.client.tokens import TokenCache

SERVER = "http://127.0.0.1:8999"


def test_token_round_trip_in_a_private_file(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens")
    cache.put(SERVER, "root", "paddleflow", "tok-1")
    assert cache.get(SERVER, "root", "paddleflow") == "tok-1"
    path = cache.path_for(SERVER, "root")
    assert path is not None and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "paddleflow" not in path.read_text()  # the password itself is never stored


def test_a_different_password_never_reuses_the_token(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path)
    cache.put(SERVER, "root", "paddleflow", "tok-1")
    assert cache.get(SERVER, "root", "wrong") is None


def test_entries_are_per_server_and_user(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path)
    cache.put(SERVER, "root", "pw", "tok-root")
    cache.put(SERVER, "alice", "pw", "tok-alice")
    cache.put("http://other:8999", "root", "pw", "tok-other")
    assert cache.get(SERVER, "root", "pw") == "tok-root"
    assert cache.get(SERVER, "alice", "pw") == "tok-alice"
    assert cache.get("http://other:8999", "root", "pw") == "tok-other"


def test_discard_and_corrupt_files(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path)
    cache.put(SERVER, "root", "pw", "tok")
    cache.discard(SERVER, "root")
    assert cache.get(SERVER, "root", "pw") is None
    path = cache.path_for(SERVER, "root")
    assert path is not None
    path.write_text("{not json")
    assert cache.get(SERVER, "root", "pw") is None


def test_unwritable_cache_dir_is_skipped(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = TokenCache(blocker / "tokens")  # a directory below a regular file cannot exist
    cache.put(SERVER, "root", "pw", "tok")
    assert cache.get(SERVER, "root", "pw") is None


def test_memory_cache() -> None:
    cache = TokenCache.in_memory()
    cache.put(SERVER, "root", "pw", "tok")
    assert cache.get(SERVER, "root", "pw") == "tok"
    assert cache.get(SERVER, "root", "other") is None
    cache.discard(SERVER, "root")
    assert cache.get(SERVER, "root", "pw") is None


def test_cache_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PFCTL_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    assert TokenCache.default().directory == tmp_path / "c" / "tokens"
    monkeypatch.delenv("PFCTL_CACHE_DIR")
    assert "pfctl" in str(default_cache_dir())
