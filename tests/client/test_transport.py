"""The transport's request ids, and what importing the client costs."""

from __future__ import annotations

import subprocess
import sys
import uuid

from pfctl.client import PaddleFlowClient
from pfctl.client.transport import HEADER_REQUEST_ID, RetryPolicy, new_request_id


def test_request_ids_are_random_uuid4_text() -> None:
    ids = {new_request_id() for _ in range(200)}
    assert len(ids) == 200
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_each_request_carries_a_request_id(client: PaddleFlowClient) -> None:
    client.list_jobs(max_keys=1)
    response = client.transport.send(
        "GET", "/job", params={"maxKeys": 1}, policy=RetryPolicy.IDEMPOTENT, token=client.login()
    )
    sent = response.request.headers[HEADER_REQUEST_ID]
    assert uuid.UUID(str(sent)).version == 4


def test_importing_the_client_imports_no_uuid_nor_configparser() -> None:
    code = (
        "import sys, pfctl.client.api; "
        "print(','.join(m for m in ('uuid', 'configparser') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == ""
