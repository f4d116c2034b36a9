"""Where the client's server address, credentials and request timeout come from.

Each value is resolved on its own, first match wins:

1. command-line flags (``--server URL``, ``--user``, ``--password``, ``--request-timeout``);
2. environment: ``PFCTL_SERVER``, ``PFCTL_USER``, ``PFCTL_PASSWORD``, ``PFCTL_REQUEST_TIMEOUT``;
3. the PaddleFlow CLI's own INI file, ``~/.paddleflow/paddleflow.ini`` (``[user] name, password``;
   ``[server] paddleflow_server_host, paddleflow_server_port``, and pfctl's own
   ``request_timeout``), or the file named by ``--pf-config`` / ``PADDLEFLOW_PF_CONFIG``;
4. defaults: ``http://127.0.0.1:8999``, ``root`` / ``paddleflow`` (the local server's seed user),
   60 seconds per request.

Every value remembers its source so that ``pfctl config view`` can say where it came from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pfctl.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8999
DEFAULT_SERVER_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
DEFAULT_USER = "root"
DEFAULT_PASSWORD = "paddleflow"

ENV_SERVER = "PFCTL_SERVER"
ENV_USER = "PFCTL_USER"
ENV_PASSWORD = "PFCTL_PASSWORD"
ENV_PF_CONFIG = "PADDLEFLOW_PF_CONFIG"
ENV_REQUEST_TIMEOUT = "PFCTL_REQUEST_TIMEOUT"
#: Seconds one request may take in all, retries and reading the answer included.
DEFAULT_REQUEST_TIMEOUT = 60.0

SOURCE_DEFAULT = "default"
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class ClientSettings:
    """The server and credentials in force, each with the place it came from."""

    server_url: str
    user: str
    password: str
    server_source: str = SOURCE_DEFAULT
    user_source: str = SOURCE_DEFAULT
    password_source: str = SOURCE_DEFAULT
    #: The PaddleFlow INI file that was read, if any.
    pf_config: str | None = None
    #: Seconds one request may take in all: connecting, every retry, reading the whole answer.
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    request_timeout_source: str = SOURCE_DEFAULT

    @property
    def host(self) -> str:
        """The server's host name or address."""
        return urlsplit(self.server_url).hostname or ""

    @property
    def port(self) -> int:
        """The server's TCP port."""
        parts = urlsplit(self.server_url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def is_local(self) -> bool:
        """True when the server is on this machine (where ``pfctl server start`` can help)."""
        return self.host in _LOOPBACK_HOSTS

    @classmethod
    def for_server(
        cls,
        server_url: str,
        user: str,
        password: str,
        *,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> ClientSettings:
        """Settings given directly in code (all sources ``"argument"``)."""
        return cls(
            server_url=normalize_server_url(server_url),
            user=user,
            password=password,
            server_source="argument",
            user_source="argument",
            password_source="argument",
            request_timeout=request_timeout,
            request_timeout_source="argument",
        )


def normalize_server_url(text: str) -> str:
    """Turn ``host``, ``host:port`` or ``http(s)://host[:port]`` into a base URL.

    Without a scheme the URL is plain http (as PaddleFlow's CLI builds it), and without a scheme
    or a port the port is PaddleFlow's 8999. A trailing slash is dropped.
    """
    raw = text.strip()
    if not raw:
        raise ConfigError("the server address is empty")
    has_scheme = "://" in raw
    url = raw if has_scheme else f"http://{raw}"
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"invalid server address {text!r}: bad port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"invalid server address {text!r}: expected http://HOST:PORT")
    if port is None and not has_scheme:
        url = f"http://{raw.rstrip('/')}:{DEFAULT_PORT}"
    return url.rstrip("/")


def parse_request_timeout(text: str, source: str) -> float:
    """Seconds from ``30``, ``2.5``, ``30s``, ``2m``, ``1h30m``; ``ConfigError`` naming ``source``
    for anything else, zero or a negative time."""
    from pfctl.spec.durations import parse_duration

    try:
        return parse_duration(text)
    except ValueError:
        raise ConfigError(
            f"invalid request timeout {text!r} ({source}): expected a positive number of "
            "seconds, or a time with h, m and s (30s, 2m, 1h30m)"
        ) from None


def default_pf_config_path() -> Path:
    """The PaddleFlow CLI's default INI path: ``~/.paddleflow/paddleflow.ini``."""
    return Path.home() / ".paddleflow" / "paddleflow.ini"


@dataclass(frozen=True)
class _IniValues:
    path: str
    server_url: str | None
    user: str | None
    password: str | None
    request_timeout: str | None = None


def _read_pf_config(path: Path, *, required: bool) -> _IniValues | None:
    if not path.is_file():
        if required:
            raise ConfigError(f"no config file in {path}")
        return None
    import configparser  # only for a PaddleFlow SDK config file: most runs have none

    parser = configparser.RawConfigParser()
    try:
        with path.open(encoding="utf-8") as stream:
            parser.read_file(stream)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"cannot read PaddleFlow config {path}: {first_line}") from None
    server_url = None
    host = parser.get("server", "paddleflow_server_host", fallback="").strip()
    if host:
        port = parser.get("server", "paddleflow_server_port", fallback="").strip()
        port = port or str(DEFAULT_PORT)
        if not port.isdigit():
            raise ConfigError(f"invalid paddleflow_server_port {port!r} in {path}")
        address = host if "://" in host else f"http://{host}"
        server_url = normalize_server_url(f"{address.rstrip('/')}:{port}")
    user = parser.get("user", "name", fallback="").strip() or None
    password = parser.get("user", "password", fallback="") or None
    timeout = parser.get("server", "request_timeout", fallback="").strip() or None
    return _IniValues(str(path), server_url, user, password, timeout)


def resolve_settings(
    *,
    server: str | None = None,
    user: str | None = None,
    password: str | None = None,
    pf_config: str | None = None,
    request_timeout: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClientSettings:
    """Resolve the settings in force: flags, then environment, then the INI file, then defaults.

    ``pf_config`` (the ``--pf-config`` flag) or ``PADDLEFLOW_PF_CONFIG`` names the INI file; a
    file named that way must exist. The default ``~/.paddleflow/paddleflow.ini`` is optional.
    ``request_timeout`` is the ``--request-timeout`` flag's text (``30``, ``30s``, ``2m``).
    Raises ``ConfigError`` for an unreadable file, an invalid server address or timeout.
    """
    env = os.environ if environ is None else environ
    if pf_config:
        ini = _read_pf_config(Path(pf_config).expanduser(), required=True)
    elif env.get(ENV_PF_CONFIG):
        ini = _read_pf_config(Path(env[ENV_PF_CONFIG]).expanduser(), required=True)
    else:
        ini = _read_pf_config(default_pf_config_path(), required=False)

    if server:
        server_url, server_source = normalize_server_url(server), "--server flag"
    elif env.get(ENV_SERVER):
        server_url, server_source = normalize_server_url(env[ENV_SERVER]), f"env {ENV_SERVER}"
    elif ini is not None and ini.server_url:
        server_url, server_source = ini.server_url, f"{ini.path} [server]"
    else:
        server_url, server_source = DEFAULT_SERVER_URL, SOURCE_DEFAULT

    ini_user = (ini.user, f"{ini.path} [user] name") if ini is not None else (None, "")
    ini_password = (ini.password, f"{ini.path} [user] password") if ini is not None else (None, "")
    user_value, user_source = _first_set(
        (user, "--user flag"), (env.get(ENV_USER), f"env {ENV_USER}"), ini_user
    ) or (DEFAULT_USER, SOURCE_DEFAULT)
    password_value, password_source = _first_set(
        (password, "--password flag"), (env.get(ENV_PASSWORD), f"env {ENV_PASSWORD}"), ini_password
    ) or (DEFAULT_PASSWORD, SOURCE_DEFAULT)
    ini_timeout = (
        (ini.request_timeout, f"{ini.path} [server] request_timeout") if ini else (None, "")
    )
    timeout_text, timeout_source = _first_set(
        (request_timeout, "--request-timeout flag"),
        (env.get(ENV_REQUEST_TIMEOUT), f"env {ENV_REQUEST_TIMEOUT}"),
        ini_timeout,
    ) or ("", SOURCE_DEFAULT)
    timeout = (
        parse_request_timeout(timeout_text, timeout_source)
        if timeout_text
        else DEFAULT_REQUEST_TIMEOUT
    )
    return ClientSettings(
        server_url=server_url,
        user=user_value,
        password=password_value,
        server_source=server_source,
        user_source=user_source,
        password_source=password_source,
        pf_config=ini.path if ini is not None else None,
        request_timeout=timeout,
        request_timeout_source=timeout_source,
    )


def _first_set(*candidates: tuple[str | None, str]) -> tuple[str, str] | None:
    """The first (value, source) whose value is set."""
    for value, source in candidates:
        if value:
            return value, source
    return None
