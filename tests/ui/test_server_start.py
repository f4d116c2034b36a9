"""``pfctl server start`` says where the web view is, and that address serves it."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.helpers.cli import run_pfctl
from tests.helpers.server import free_port


def test_server_start_prints_the_web_view_address(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    started = run_pfctl("server", "start", "--port", str(port), "--data-dir", str(data_dir))
    try:
        assert started.returncode == 0, started.stderr
        address = f"http://127.0.0.1:{port}/ui/"
        assert f"web view: {address}" in started.stdout
        answer = requests.get(address, allow_redirects=True, timeout=30)
        assert answer.status_code == 200
        assert answer.url.startswith(f"http://127.0.0.1:{port}/ui/login")
        assert '<form class="login"' in answer.text
        status = run_pfctl("server", "status", "--data-dir", str(data_dir))
        assert f"web view: {address}" in status.stdout
    finally:
        run_pfctl("server", "stop", "--data-dir", str(data_dir))
