"""The PaddleFlow-SDK-compatible facade, driven the way PaddleFlow's docs use the SDK."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from pfctl.client import (
    Client,
    JobInfo,
    JobRequest,
    Member,
    PaddleFlowError,
    PaddleFlowSDKException,
)

from .helpers import PADDLE_PS_EXAMPLE, SINGLE_EXAMPLE, free_port, unique_id


@pytest.fixture
def sdk(pf_server: Any) -> Any:
    client = Client(pf_server.host, pf_server.user, pf_server.password, pf_server.port)
    yield client
    client.close()


def test_signatures_match_the_paddleflow_sdk() -> None:
    def params(function: Any) -> list[str]:
        return list(inspect.signature(function).parameters)

    assert params(Client.__init__) == [
        "self",
        "paddleflow_server_host",
        "username",
        "password",
        "paddleflow_server_port",
    ]
    assert params(Client.login) == ["self", "user_name", "password"]
    assert params(Client.create_job) == ["self", "job_type", "job_request"]
    assert params(Client.show_job) == ["self", "jobid"]
    assert params(Client.list_job) == [
        "self",
        "status",
        "timestamp",
        "start_time",
        "queue",
        "labels",
        "maxkeys",
        "marker",
    ]
    assert params(Client.update_job) == ["self", "jobid", "priority", "labels", "annotations"]
    assert params(Client.stop_job) == ["self", "jobid"]
    assert params(Client.delete_job) == ["self", "jobid"]
    assert params(JobRequest)[:3] == ["queue", "image", "job_id"]
    assert params(JobRequest)[-2:] == ["framework", "member_list"]
    assert params(JobInfo)[:6] == [
        "job_id",
        "job_name",
        "labels",
        "annotations",
        "username",
        "queue",
    ]
    assert params(Member)[:2] == ["role", "replicas"]


def test_documented_session(sdk: Client) -> None:
    assert sdk.login("root", "paddleflow") == (True, None)
    request = JobRequest(
        queue="default-queue",
        image="python:3.11",
        job_id=unique_id("sdk"),
        job_name="sdk-job",
        labels={"from": "sdk"},
        priority="HIGH",
        flavour={"name": "flavour1"},
        env={"EPOCHS": "3"},
        command="sleep 600",
        args_list=["--fast"],
        port=0,
    )
    ok, job_id = sdk.create_job("single", request)
    assert (ok, job_id) == (True, request.job_id)

    ok, info = sdk.show_job(job_id)
    assert ok and isinstance(info, JobInfo)
    assert (info.job_id, info.job_name, info.queue, info.priority) == (
        job_id,
        "sdk-job",
        "default-queue",
        "HIGH",
    )
    assert info.image == "python:3.11"
    assert info.labels == {"from": "sdk"}
    assert info.env is not None and info.env["EPOCHS"] == "3"
    assert info.args_list == ["--fast"]
    assert info.username == "root"
    assert info.status in {"init", "pending", "running"}
    assert info.accept_time

    assert sdk.update_job(job_id, labels={"from": "sdk", "more": "1"}) == (True, None)
    ok, jobs, marker = sdk.list_job(labels={"more": "1"}, maxkeys=10)
    assert ok and isinstance(jobs, list)
    assert [job.job_id for job in jobs] == [job_id]
    assert jobs[0].runtime is None
    assert marker is None

    assert sdk.stop_job(job_id) == (True, None)
    _wait_final(sdk, job_id)
    assert sdk.delete_job(job_id) == (True, None)
    ok, message = sdk.show_job(job_id)
    assert ok is False and isinstance(message, str) and job_id in message


def _wait_final(sdk: Client, job_id: str) -> None:
    import time

    for _ in range(300):
        ok, info = sdk.show_job(job_id)
        assert ok and isinstance(info, JobInfo)
        if info.status == "terminated":
            return
        time.sleep(0.1)
    raise AssertionError(f"{job_id} did not terminate")


def test_create_from_wire_dicts_like_paddleflow_example_files(sdk: Client) -> None:
    ok, single_id = sdk.create_job("single", dict(SINGLE_EXAMPLE))
    assert ok and single_id.startswith("job-")
    ok, distributed_id = sdk.create_job("distributed", dict(PADDLE_PS_EXAMPLE))
    assert ok, distributed_id
    ok, info = sdk.show_job(distributed_id)
    assert ok and isinstance(info, JobInfo)
    assert info.framework == "paddle"
    assert info.member_list and {m["role"] for m in info.member_list} == {"pserver", "worker"}
    for job_id in (single_id, distributed_id):
        assert sdk.stop_job(job_id) == (True, None)


def test_members_as_objects(sdk: Client) -> None:
    request = JobRequest(
        queue="default-queue",
        framework="paddle",
        member_list=[
            Member("worker", 2, image="paddle:2", command="sleep 600", flavour={"name": "flavour1"})
        ],
    )
    ok, job_id = sdk.create_job("distributed", request)
    assert ok, job_id
    assert sdk.stop_job(job_id) == (True, None)


def test_failures_return_false_and_the_message(sdk: Client) -> None:
    assert sdk.login("root", "wrong") == (False, "Username or password not correct")
    assert sdk.login() == (True, None)  # the constructor's credentials
    missing = unique_id("missing")
    ok, message = sdk.show_job(missing)
    assert ok is False and message == f"resouceType[job] with ID[{missing}] not found"
    assert sdk.stop_job(missing)[0] is False
    assert sdk.delete_job(missing)[0] is False
    assert sdk.update_job(missing, priority="HIGH")[0] is False
    ok, message = sdk.create_job("single", JobRequest(queue="no-such-queue", image="x"))
    assert ok is False
    assert "queue" in message
    ok, message, marker = sdk.list_job(maxkeys=5000)
    assert (ok, marker) == (False, None) and "maxKeys" in str(message)


def test_client_side_checks_raise_sdk_exceptions(sdk: Client) -> None:
    with pytest.raises(PaddleFlowSDKException) as caught:
        sdk.create_job("batch", JobRequest(queue="default-queue"))
    assert caught.value.code == "InvalidJobType"
    assert str(caught.value).startswith("[PaddleFlowSDKException] code:InvalidJobType message:")
    with pytest.raises(PaddleFlowSDKException, match="InvalidJobRequest"):
        sdk.create_job("single", JobRequest(queue=None, image="x"))
    with pytest.raises(PaddleFlowSDKException, match="InvalidJobID"):
        sdk.show_job("")
    with pytest.raises(PaddleFlowSDKException, match="InvalidServer"):
        Client("", "root", "paddleflow")
    with pytest.raises(PaddleFlowSDKException, match="InvalidUser"):
        sdk.login("", "x")


def test_unreachable_server_raises() -> None:
    client = Client("127.0.0.1", "root", "paddleflow", free_port())
    with pytest.raises(PaddleFlowSDKException) as caught:
        client.login()
    assert caught.value.code == "ConnectionError"
    assert isinstance(caught.value, PaddleFlowError)
