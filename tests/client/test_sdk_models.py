"""The SDK's value classes: wire documents in and out, with the SDK's attribute names."""

from __future__ import annotations

import subprocess
import sys

from pfctl.client.sdk_models import JobInfo, JobRequest, Member

from .helpers import PADDLE_PS_EXAMPLE


def test_job_request_reads_and_writes_the_wire_shape() -> None:
    request = JobRequest.from_dict(PADDLE_PS_EXAMPLE)
    assert (request.queue, request.priority, request.framework) == (
        "default-queue",
        "NORMAL",
        "paddle",
    )
    document = request.to_document()
    assert document["schedulingPolicy"] == {"queue": "default-queue", "priority": "NORMAL"}
    assert document["members"] == PADDLE_PS_EXAMPLE["members"]


def test_members_as_objects_become_wire_members() -> None:
    member = Member("worker", 2, image="paddle:2", args_list=["--fast"], queue="q")
    document = JobRequest(queue="q", framework="paddle", member_list=[member]).to_document()
    wire = document["members"][0]
    assert (wire["role"], wire["replicas"], wire["image"], wire["args"]) == (
        "worker",
        2,
        "paddle:2",
        ["--fast"],
    )
    assert wire["schedulingPolicy"] == {"queue": "q", "priority": None}


def test_job_info_from_a_wire_job() -> None:
    job = {
        "id": "job-1",
        "name": "n",
        "UserName": "root",
        "schedulingPolicy": {"queue": "default-queue", "priority": "HIGH"},
        "status": "running",
        "runtime": {"name": "job-1"},
    }
    info = JobInfo.from_wire(job)
    assert (info.job_id, info.username, info.queue, info.priority) == (
        "job-1",
        "root",
        "default-queue",
        "HIGH",
    )
    assert info.runtime == {"name": "job-1"}
    assert info.finish_time == "" and info.member_list is None
    assert JobInfo.from_wire(job, with_runtime=False).runtime is None


def test_value_classes_load_without_an_http_library() -> None:
    probe = (
        "import sys\n"
        "from pfctl.client import JobInfo, JobRequest, Member\n"
        "print('requests' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.strip() == "False"
