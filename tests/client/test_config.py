"""Settings resolution: flags > environment > PaddleFlow INI file > defaults, with sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from pfctl.client.config import (
    DEFAULT_SERVER_URL,
    ClientSettings,
    normalize_server_url,
    resolve_settings,
)
from pfctl.errors import ConfigError


def write_ini(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PF_INI = """\
[user]
name = alice
password = secret-from-ini

[server]
paddleflow_server_host = 10.0.0.5
paddleflow_server_port = 8083
"""


def test_defaults_when_nothing_is_configured() -> None:
    settings = resolve_settings(environ={})
    assert settings.server_url == DEFAULT_SERVER_URL == "http://127.0.0.1:8999"
    assert (settings.user, settings.password) == ("root", "paddleflow")
    assert settings.server_source == settings.user_source == settings.password_source == "default"
    assert settings.pf_config is None
    assert settings.is_local


def test_default_ini_in_home_is_read(_isolated_home: Path) -> None:
    ini = write_ini(_isolated_home / ".paddleflow" / "paddleflow.ini", PF_INI)
    settings = resolve_settings(environ={})
    assert settings.server_url == "http://10.0.0.5:8083"
    assert settings.user == "alice"
    assert settings.password == "secret-from-ini"
    assert settings.server_source == f"{ini} [server]"
    assert settings.user_source == f"{ini} [user] name"
    assert settings.password_source == f"{ini} [user] password"
    assert settings.pf_config == str(ini)
    assert not settings.is_local


def test_environment_beats_ini_and_flags_beat_environment(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "pf.ini", PF_INI)
    env = {
        "PADDLEFLOW_PF_CONFIG": str(ini),
        "PFCTL_SERVER": "http://envhost:1234",
        "PFCTL_USER": "bob",
    }
    settings = resolve_settings(environ=env)
    assert (settings.server_url, settings.server_source) == (
        "http://envhost:1234",
        "env PFCTL_SERVER",
    )
    assert (settings.user, settings.user_source) == ("bob", "env PFCTL_USER")
    # Not in the environment: falls through to the INI file.
    assert settings.password == "secret-from-ini"

    flagged = resolve_settings(server="flaghost:9", user="carol", password="pw", environ=env)
    assert (flagged.server_url, flagged.server_source) == ("http://flaghost:9", "--server flag")
    assert (flagged.user, flagged.user_source) == ("carol", "--user flag")
    assert (flagged.password, flagged.password_source) == ("pw", "--password flag")


def test_pf_config_flag_beats_the_environment_variable(tmp_path: Path) -> None:
    from_flag = write_ini(tmp_path / "a.ini", "[user]\nname = from-flag\npassword = x\n")
    from_env = write_ini(tmp_path / "b.ini", "[user]\nname = from-env\npassword = y\n")
    settings = resolve_settings(
        pf_config=str(from_flag), environ={"PADDLEFLOW_PF_CONFIG": str(from_env)}
    )
    assert settings.user == "from-flag"
    assert settings.pf_config == str(from_flag)


def test_ini_port_defaults_to_8999(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "pf.ini", "[server]\npaddleflow_server_host = pf.example\n")
    settings = resolve_settings(pf_config=str(ini), environ={})
    assert settings.server_url == "http://pf.example:8999"
    assert settings.user == "root"  # no [user] section: defaults


def test_named_config_file_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ini"
    with pytest.raises(ConfigError, match="no config file in"):
        resolve_settings(pf_config=str(missing), environ={})
    with pytest.raises(ConfigError, match="no config file in"):
        resolve_settings(environ={"PADDLEFLOW_PF_CONFIG": str(missing)})


def test_unparsable_ini_is_a_config_error(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "bad.ini", "this is not an ini file\n")
    with pytest.raises(ConfigError, match="cannot read PaddleFlow config"):
        resolve_settings(pf_config=str(ini), environ={})


def test_bad_port_in_ini_is_reported(tmp_path: Path) -> None:
    ini = write_ini(
        tmp_path / "pf.ini",
        "[server]\npaddleflow_server_host = h\npaddleflow_server_port = eighty\n",
    )
    with pytest.raises(ConfigError, match="paddleflow_server_port"):
        resolve_settings(pf_config=str(ini), environ={})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8999"),
        ("pf.example:8080", "http://pf.example:8080"),
        ("http://pf.example:8080/", "http://pf.example:8080"),
        ("https://pf.example", "https://pf.example"),
        ("  localhost:8999 ", "http://localhost:8999"),
    ],
)
def test_server_addresses_are_normalized(given: str, expected: str) -> None:
    assert normalize_server_url(given) == expected


@pytest.mark.parametrize("bad", ["", "ftp://host:1", "http://", "host:port"])
def test_invalid_server_addresses_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError):
        normalize_server_url(bad)


def test_settings_for_code_report_argument_sources() -> None:
    settings = ClientSettings.for_server("localhost:7000", "u", "p")
    assert settings.server_url == "http://localhost:7000"
    assert settings.port == 7000 and settings.host == "localhost"
    assert settings.server_source == "argument"
