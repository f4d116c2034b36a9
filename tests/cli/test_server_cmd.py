"""``pfctl server start|status|stop|run`` as a user runs them."""

from __future__ import annotations

import socket
import subprocess

from tests.helpers.api import login
from tests.helpers.cli import run_pfctl
from tests.helpers.server import free_port


def pfctl(*args: str) -> subprocess.CompletedProcess[str]:
    return run_pfctl(*args, timeout=60)


def test_start_status_stop(tmp_path):
    data_dir = tmp_path / "server-data"
    port = free_port()
    started = pfctl("server", "start", "--port", str(port), "--data-dir", str(data_dir))
    try:
        assert started.returncode == 0, started.stderr
        assert f"http://127.0.0.1:{port}" in started.stdout
        assert str(data_dir) in started.stdout
        login(f"http://127.0.0.1:{port}")  # root can log in

        status = pfctl("server", "status", "--data-dir", str(data_dir))
        assert status.returncode == 0 and "running" in status.stdout

        # Starting it again changes nothing and succeeds (the README's demo can run twice).
        again = pfctl("server", "start", "--port", str(port), "--data-dir", str(data_dir))
        assert again.returncode == 0, again.stderr
        assert f"already running at http://127.0.0.1:{port}" in again.stdout
        elsewhere = pfctl(
            "server", "start", "--port", str(free_port()), "--data-dir", str(data_dir)
        )
        assert elsewhere.returncode == 1
        assert "already running" in elsewhere.stderr and "stop it first" in elsewhere.stderr
        assert "Traceback" not in elsewhere.stderr

        busy = pfctl("server", "start", "--port", str(port), "--data-dir", str(tmp_path / "other"))
        assert busy.returncode == 1
        assert f"port {port} on 127.0.0.1 is already in use" in busy.stderr
    finally:
        stopped = pfctl("server", "stop", "--data-dir", str(data_dir))
    assert stopped.returncode == 0, stopped.stderr
    assert not (data_dir / "server.pid").exists()
    gone = pfctl("server", "status", "--data-dir", str(data_dir))
    assert gone.returncode == 1 and "no server is running" in gone.stderr
    assert pfctl("server", "stop", "--data-dir", str(data_dir)).returncode == 1


def test_run_on_a_busy_port_says_so(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = pfctl("server", "run", "--port", str(port), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 1
    assert f"error: port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_default_data_dir_is_under_the_user_data_dir(_isolated_home):
    from pfctl.server.daemon import default_data_dir

    assert default_data_dir().is_relative_to(_isolated_home)


def test_start_passes_require_queue_grants_to_the_server_it_starts(tmp_path):
    data_dir = tmp_path / "strict-data"
    port = free_port()
    started = pfctl(
        "server", "start", "--port", str(port), "--data-dir", str(data_dir),
        "--no-executor", "--require-queue-grants",
    )  # fmt: skip
    try:
        assert started.returncode == 0, started.stderr
        url = f"http://127.0.0.1:{port}"
        root = login(url)
        assert root.post("/user", json={"username": "carol", "password": "secret123"}).ok
        refused = login(url, "carol", "secret123").post(
            "/job/single", json={"image": "busybox", "command": "true"}
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "AccessDenied"
    finally:
        assert pfctl("server", "stop", "--data-dir", str(data_dir)).returncode == 0
