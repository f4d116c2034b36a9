"""docs/sdk.md's queue, grant, flavour and user example runs as written against the local server,
after a root client is made as in the page's migration example (the names are made unique, so
that tests sharing the server never meet)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from .helpers import unique_id

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_the_admin_example_runs_against_the_local_server(pf_server: Any) -> None:
    (example,) = [b for b in BLOCK.findall(PAGE.read_text()) if "client.add_queue(" in b]
    user, queue = unique_id("al").replace("-", ""), unique_id("vision")
    setup = "from pfctl.client import Client\n"
    setup += f"client = Client('127.0.0.1', 'root', 'paddleflow', {pf_server.port})\n"
    code = setup + example.replace('"alice"', repr(user)).replace('"vision"', repr(queue))
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    grants, shown, listed, flavours, version = completed.stdout.splitlines()
    assert grants == str([(user, queue)])
    assert shown == f"{queue} 8 8"
    assert queue in listed and "default-queue" in listed
    assert "flavour1" in flavours
    assert ": " in version

    from pfctl.client import Client

    with Client("127.0.0.1", "root", "paddleflow", pf_server.port) as client:
        assert client.show_queue(queue)[0] is False  # the example cleaned up after itself
        ok, users = client.list_user(1000)
        assert ok and isinstance(users, list) and user not in {u.name for u in users}
