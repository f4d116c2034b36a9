"""The transport's request ids, and what importing the client costs."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
import requests

from pfctl.client import PaddleFlowClient
from pfctl.client.transport import HEADER_REQUEST_ID, RetryPolicy, new_request_id, server_time
from tests.helpers.jobs import fresh_single


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


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777.0),
        ("Sun, 06 Nov 1994 08:49:37 -0000", 784111777.0),  # no zone given: GMT
        ("Sun, 06 Nov 1994 10:49:37 +0200", 784111777.0),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_the_server_time_comes_from_the_date_header(date: str | None, expected: float) -> None:
    response = requests.Response()
    if date is not None:
        response.headers["Date"] = date
    assert server_time(response) == expected


def test_list_pages_and_reads_carry_the_server_time(client: PaddleFlowClient) -> None:
    job_id = client.create_job("single", fresh_single("true"))
    page = client.list_jobs(max_keys=1)
    assert page.server_time is not None and page.server_time % 1 == 0
    read, answered_at = client.get_job_with_date(job_id)
    assert read["id"] == job_id
    assert answered_at is not None and answered_at >= page.server_time
