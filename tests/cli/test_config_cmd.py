"""`pfctl config view`: what is in force, where it came from, the password hidden."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pfctl.cli.main import app


def view(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["config", "view", *args], env=env)
    return result.exit_code, result.output


def test_defaults_table() -> None:
    code, out = view()
    assert code == 0
    rows = {
        cells[0]: cells[1:]
        for line in out.splitlines()
        if line.startswith("| ") and (cells := [c.strip() for c in line.strip("|").split("|")])
    }
    assert rows["server"] == ["http://127.0.0.1:8999", "default"]
    assert rows["user"] == ["root", "default"]
    assert rows["password"] == ["********", "default"]
    assert rows["token cache"][1] == "default" and "pfctl" in rows["token cache"][0]
    assert rows["request timeout"] == ["60s", "default"]
    assert "paddleflow" not in out


def test_sources_in_json(_isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ini = _isolated_home / ".paddleflow" / "paddleflow.ini"
    ini.parent.mkdir()
    ini.write_text(
        "[user]\nname = alice\npassword = s3cret-pw\n"
        "[server]\npaddleflow_server_host = 10.1.2.3\npaddleflow_server_port = 8080\n"
    )
    monkeypatch.setenv("PFCTL_USER", "bob")
    monkeypatch.setenv("PFCTL_CACHE_DIR", str(_isolated_home / "tok"))
    code, out = view("-o", "json", "--server", "pf.example:9000")
    assert code == 0
    data = json.loads(out)
    assert data["server"] == {"value": "http://pf.example:9000", "source": "--server flag"}
    assert data["user"] == {"value": "bob", "source": "env PFCTL_USER"}
    assert data["password"] == {"value": "********", "source": f"{ini} [user] password"}
    assert data["pf config"]["value"] == str(ini)
    assert data["token cache"] == {
        "value": str(_isolated_home / "tok" / "tokens"),
        "source": "env PFCTL_CACHE_DIR",
    }
    assert "s3cret-pw" not in out


def test_named_config_file_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["config", "view", "--pf-config", str(tmp_path / "x.ini")])
    assert result.exit_code != 0


def test_paddleflow_spelling_of_the_config_option(tmp_path: Path) -> None:
    ini = tmp_path / "pf.ini"
    ini.write_text("[user]\nname = carol\npassword = pw1234\n")
    code, out = view("-o", "json", "--pf_config", str(ini))
    assert code == 0
    assert json.loads(out)["user"] == {"value": "carol", "source": f"{ini} [user] name"}
