"""`pfctl version` and the server's ``GET /api/paddleflow/v1/version`` (PaddleFlow's shape: a
list of "Name: value" lines), against the real local server."""

from __future__ import annotations

import json
from typing import Any

import pfctl
from tests.helpers.api import login
from tests.helpers.cli import run_pfctl
from tests.helpers.server import free_port


def test_the_server_answers_in_paddleflows_shape(pf_server: Any) -> None:
    api = login(pf_server.url, pf_server.user, pf_server.password)
    response = api.get("/version")
    assert response.status_code == 200, response.text
    lines = response.json()
    assert [line.split(":", 1)[0] for line in lines] == [
        "PaddleFlow",
        "GitVersion",
        "GitCommit",
        "BuildDate",
        "GoVersion",
        "Compiler",
        "Platform",
    ]
    assert lines[1] == f"GitVersion: pfctl-server-{pfctl.__version__}"


def test_version_prints_client_and_server(pf_server: Any) -> None:
    text = run_pfctl("version", server=pf_server)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"Client: pfctl {pfctl.__version__}\nServer: {pf_server.url}")
    assert "  PaddleFlow: v1.4.7\n" in text.stdout
    document = json.loads(run_pfctl("version", "-o", "json", server=pf_server).stdout)
    assert document["client"] == {"pfctl": pfctl.__version__}
    assert document["server"]["version"][0] == "PaddleFlow: v1.4.7"


def test_client_only_needs_no_server() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    offline = run_pfctl("version", "--client", "--server", nowhere)
    assert offline.returncode == 0
    assert offline.stdout == f"Client: pfctl {pfctl.__version__}\n"
    unreachable = run_pfctl("version", "--server", nowhere)
    assert unreachable.returncode == 2  # could not run


def test_a_paddleflow_server_answers_with_an_empty_body(scripted_server: Any) -> None:
    # PaddleFlow's handler hands the function version.Info (not its result) to json.Marshal,
    # which cannot encode it: 200 with an empty body. The only part a real deployment can't run.
    url, received = scripted_server([(200, None)])
    shown = run_pfctl("version", "--server", url, "--user", "root", "--password", "x")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.endswith(
        f"Server: {url}/api/paddleflow/v1\n  (the server's answer was empty)\n"
    )
    assert received[-1] == "GET /api/paddleflow/v1/version"
