"""Schemathesis fuzzing of the local server from its own OpenAPI document, over a real socket.

Every operation gets generated requests, schema-valid and schema-breaking (positive and negative
modes, including schemathesis' coverage of boundaries), sent as root to a private API-only
server. Each response must be: no 5xx (except PaddleFlow's documented ``code ""`` 500s: stopping
a finished job, reading logs with another ``clusterName`` than the job's queue's), every error in
PaddleFlow's form with the echoed request id, every body matching the documented schema and
content type.

Not used: schemathesis' ``ST401``/``ST202``-style status expectations. PaddleFlow answers a missing
token, an unknown user or queue with 400 (``AuthWithoutToken``, ``UserNotExist``,
``QueueNameNotFound``: PADDLEFLOW_API.md §1, §6), which the wire contract fixes; the auth rules
have their own tests in ``test_auth_isolation.py``.

``FUZZ_EXAMPLES`` (env ``PFCTL_FUZZ_EXAMPLES``) bounds the examples per operation; the CI value
keeps the module to a few seconds, the longer run's figures are in docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.helpers.api import PREFIX, Api, login_token
from tests.helpers.jobs import WORKFLOW
from tests.helpers.server import ServerHandle

FUZZ_EXAMPLES = int(os.environ.get("PFCTL_FUZZ_EXAMPLES", "6"))
_DOCUMENTED_500 = re.compile(
    r"^stop job failed, err: job \S+ status is already \w+, and job cannot"
    r"|^job \S+ not in cluster "
)


def _header(response: Any, name: str) -> str:
    values = response.headers.get(name, [])
    return values[0] if isinstance(values, list) and values else str(values or "")


def no_unexpected_server_error(ctx: Any, response: Any, case: Any) -> None:
    """No 5xx, but for PaddleFlow's own 500s with code "" (a finished job stopped; logs asked
    for with a ``clusterName`` that is not the job's queue's)."""
    if response.status_code < 500:
        return
    body = json.loads(response.content or b"{}")
    documented = body.get("code") == "" and _DOCUMENTED_500.match(body.get("message", ""))
    assert documented, f"{response.status_code} from {case.method} {case.path}: {body}"


def paddleflow_error_form(ctx: Any, response: Any, case: Any) -> None:
    """Errors are exactly ``{requestID, code, message}``, requestID echoing the header."""
    if response.status_code < 400:
        return
    body = json.loads(response.content)
    assert list(body) == ["requestID", "code", "message"], body
    assert all(isinstance(value, str) for value in body.values()), body
    assert body["requestID"] == _header(response, "x-pf-request-id"), body


CHECKS = [
    no_unexpected_server_error,
    paddleflow_error_form,
    response_schema_conformance,
    content_type_conformance,
]


@pytest.fixture(scope="module")
def root_token(fuzz_server: ServerHandle) -> str:
    """A root token for the fuzz server."""
    return login_token(fuzz_server.url)


@pytest.fixture(scope="module", autouse=True)
def request_report(fuzz_server: ServerHandle, root_token: str) -> Iterator[None]:
    """With ``PFCTL_FUZZ_REPORT=path``, write the server's per-route request counts there at the
    end (the figures of a long run in docs/reliability.md)."""
    yield
    report = os.environ.get("PFCTL_FUZZ_REPORT")
    if report:
        stats = Api(fuzz_server.url, root_token).stats()
        Path(report).write_text(stats.text, encoding="utf-8")


# The committed document (tests/server/test_http.py checks it equals the served one); loaded
# from the file because schemathesis' fixture-based loader does not run under pytest 9.
REPO = Path(__file__).resolve().parents[2]
documented = schemathesis.openapi.from_path(REPO / "docs" / "openapi.json")
documented.config.generation.update(max_examples=FUZZ_EXAMPLES)


@pytest.mark.slow
@documented.parametrize()
def test_every_operation_answers_per_contract(
    case: Any, fuzz_server: ServerHandle, root_token: str
) -> None:
    case.call_and_validate(
        base_url=fuzz_server.url,
        headers={"x-pf-authorization": root_token},
        checks=CHECKS,
        timeout=30,
    )


FLAVOUR1 = {"name": "flavour1"}
SEED_BODIES = {
    "single": {
        "name": "seed",
        "labels": {"team": "fuzz"},
        "image": "python:3.11",
        "command": "echo hi",
        "args": ["a"],
        "env": {"A": "1"},
        "flavour": {"name": "flavour1"},
        "fs": {"name": "data", "subPath": "x", "mountPath": "/mnt/data"},
        "extraFS": [{"name": "more", "mountPath": "/mnt/more", "readOnly": True}],
        "schedulingPolicy": {"queue": "default-queue", "priority": "HIGH"},
    },
    "distributed": {
        "framework": "paddle",
        "members": [
            {"role": "pserver", "replicas": 1, "image": "paddle:2", "flavour": FLAVOUR1},
            {"role": "pworker", "replicas": 2, "image": "paddle:2", "flavour": FLAVOUR1},
        ],
        "schedulingPolicy": {"queue": "default-queue"},
    },
    "workflow": {"extensionTemplate": WORKFLOW},
}


def _operation(method: str, path: str) -> Any:
    return documented[f"{PREFIX}{path}"][method]


@pytest.mark.parametrize("job_type", sorted(SEED_BODIES))
def test_a_job_lifecycle_conforms_to_the_document(
    job_type: str, fuzz_server: ServerHandle, root_token: str
) -> None:
    """Valid traffic (create, show, list, modify, stop, show, delete) matches the documented
    schemas too: the generated requests rarely make a job, so these cases reach the job object."""
    call: dict[str, Any] = {
        "base_url": fuzz_server.url,
        "headers": {"x-pf-authorization": root_token},
        "checks": CHECKS,
        "timeout": 30,
    }
    create = _operation("POST", f"/job/{job_type}").Case(body=SEED_BODIES[job_type])
    response = create.call_and_validate(**call)
    assert response.status_code == 200, response.text
    job_id = response.json()["id"]
    show = _operation("GET", "/job/{jobID}").Case(path_parameters={"jobID": job_id})
    shown = show.call_and_validate(**call).json()
    assert shown["id"] == job_id and shown["status"] == "init"
    listed = _operation("GET", "/job").Case(query={"maxKeys": "1000"})
    assert job_id in [job["id"] for job in listed.call_and_validate(**call).json()["jobList"]]
    put = _operation("PUT", "/job/{jobID}")
    modify = put.Case(
        path_parameters={"jobID": job_id},
        query={"action": "modify"},
        body={"priority": "low", "labels": {"k": "v"}},
    )
    assert modify.call_and_validate(**call).status_code == 200
    stop = put.Case(path_parameters={"jobID": job_id}, query={"action": "stop"}, body={})
    assert stop.call_and_validate(**call).status_code == 200
    again = stop.call_and_validate(**call)  # the documented code "" 500
    assert again.status_code == 500 and again.json()["code"] == ""
    assert show.call_and_validate(**call).json()["status"] == "terminated"
    log_query = {"jobID": job_id, "lineLimit": "10", "clusterName": "default-cluster"}
    logs = _operation("GET", "/log/job").Case(query=log_query)
    assert logs.call_and_validate(**call).status_code == 200
    delete = _operation("DELETE", "/job/{jobID}").Case(path_parameters={"jobID": job_id})
    assert delete.call_and_validate(**call).status_code == 200
    assert show.call_and_validate(**call).status_code == 404


STATEFUL_EXAMPLES = int(os.environ.get("PFCTL_FUZZ_STATEFUL_EXAMPLES", "10"))


@pytest.mark.slow
def test_stateful_sequences_follow_the_links(fuzz_server: ServerHandle, root_token: str) -> None:
    """Schemathesis' state machine: creates, then the operations the document links them to
    (show, stop/modify, delete, logs of the created job; queue, flavour and user follow-ups)."""
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    base = documented.as_state_machine()

    class AgainstFuzzServer(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {
                "base_url": fuzz_server.url,
                "headers": {"x-pf-authorization": root_token},
                "timeout": 30,
            }

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    run_state_machine_as_test(
        AgainstFuzzServer,
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
