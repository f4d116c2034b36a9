"""The job routes: create, show, list, stop, modify, delete, with PaddleFlow's shapes and errors."""

from __future__ import annotations

import re

import pytest

from tests.helpers.api import assert_error, create
from tests.helpers.jobs import WORKFLOW, fresh_single, unique_id

JOB_KEYS = [
    "id",
    "name",
    "labels",
    "annotations",
    "schedulingPolicy",
    "UserName",
    "flavour",
    "limitFlavour",
    "fs",
    "extraFS",
    "image",
    "env",
    "command",
    "args",
    "port",
    "extensionTemplate",
    "framework",
    "members",
    "status",
    "message",
    "acceptTime",
    "startTime",
    "finishTime",
]
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def test_create_single_and_show_it_in_paddleflow_shape(root_api):
    job_id = create(root_api, labels={"team": "a"}, env={"EPOCHS": "3"}, args=["--x"], port=8080)
    response = root_api.get(f"/job/{job_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    job = response.json()
    assert list(job) == JOB_KEYS
    assert job["id"] == job_id
    assert job["UserName"] == "root"
    assert job["schedulingPolicy"] == {"queue": "default-queue", "priority": "NORMAL"}
    assert job["flavour"] == {"cpu": "1", "mem": "1Gi", "name": "flavour1"}
    assert job["framework"] == "standalone"
    assert job["labels"] == {"team": "a"}
    assert job["env"] == {"EPOCHS": "3"}
    assert job["args"] == ["--x"] and job["port"] == 8080
    assert job["extensionTemplate"] is None
    assert job["status"] == "init" and job["message"] == ""
    assert TIME.fullmatch(job["acceptTime"]) and job["startTime"] == "" == job["finishTime"]
    [member] = job["members"]
    assert member["role"] == "worker" and member["replicas"] == 1
    assert member["image"] == "python:3.11"
    assert list(member)[:5] == ["id", "replicas", "role", "name", "fs"]


def test_generated_ids_look_like_paddleflows(root_api):
    body = fresh_single()
    del body["id"]
    job_id = root_api.post("/job/single", json=body).json()["id"]
    assert re.fullmatch(r"job-[0-9a-f]{16}", job_id)


def test_sdk_style_bodies_are_accepted(root_api):
    body = {
        "schedulingPolicy": {"queue": "default-queue"},
        "id": unique_id("dist"),
        "framework": "paddle",
        "members": [
            {
                "role": "pserver",
                "replicas": 1,
                "image": "paddle:2",
                "flavour": {"name": "flavour1"},
                "schedulingPolicy": {"queue": None},
            },
            {
                "role": "pworker",
                "replicas": 2,
                "image": "paddle:2",
                "flavour": {"name": "", "cpu": "2", "mem": "2Gi"},
                "schedulingPolicy": {"queue": None},
            },
        ],
    }
    job_id = create(root_api, "distributed", **body)
    job = root_api.get(f"/job/{job_id}").json()
    assert job["framework"] == "paddle"
    assert [m["role"] for m in job["members"]] == ["pserver", "worker"]
    assert job["image"] == "" and job["flavour"] == {"cpu": "", "mem": "", "name": ""}


def test_keys_are_matched_case_insensitively_and_unknown_keys_ignored(root_api):
    job_id = unique_id("job")
    response = root_api.post(
        "/job/single",
        json={"ID": job_id, "Image": "busybox", "somethingElse": [1, 2], "flavour": None},
    )
    assert response.status_code == 200, response.text
    assert root_api.get(f"/job/{job_id}").json()["image"] == "busybox"


def test_workflow_job(root_api):
    job_id = create(root_api, "workflow", id=unique_id("wf"), extensionTemplate=WORKFLOW)
    job = root_api.get(f"/job/{job_id}").json()
    assert "framework" not in job and "members" not in job
    assert_error(
        root_api.post("/job/workflow", json={"id": unique_id("wf")}),
        400,
        "JobCreateFailed",
        "ExtensionTemplate for workflow job is needed, and now is empty",
    )


@pytest.mark.parametrize(
    ("job_type", "body", "message"),
    [
        ("single", fresh_single(id="Bad_ID"), None),
        ("single", fresh_single(name="x" * 513), None),
        (
            "single",
            fresh_single(schedulingPolicy={"queue": "default-queue", "priority": "VERY_HIGH"}),
            "invalid job priority VERY_HIGH, should be in [LOW, NORMAL, HIGH]",
        ),
        (
            "single",
            fresh_single(schedulingPolicy={"queue": "nope-queue"}),
            "get queue failed when creating job, err=record not found",
        ),
        (
            "single",
            fresh_single(flavour={"name": "no-such-flavour"}),
            "get flavour[no-such-flavour] failed, err:record not found",
        ),
        ("single", fresh_single(image=""), "required fields in {image} are empty, please fill it"),
        ("single", fresh_single(port=65535), "port must be in range [0, 65535], but got 65535"),
        (
            "single",
            fresh_single(flavour={"name": "", "cpu": "30", "mem": "1Gi"}),
            None,
        ),
        (
            "distributed",
            {"framework": "caffe", "members": [{"role": "worker", "replicas": 1, "image": "x"}]},
            "invalid framework caffe for distributed job",
        ),
        ("distributed", {"framework": "paddle", "members": []}, "request.Members is empty"),
        (
            "distributed",
            {"framework": "paddle", "members": [{"role": "worker", "replicas": 1, "image": "x"}]},
            "framework paddle in collective mode, only setting role work",
        ),
        (
            "distributed",
            {"framework": "spark", "members": [{"role": "worker", "replicas": 1, "image": "x"}]},
            "the role[worker] for framework spark is not supported",
        ),
    ],
)
def test_create_rule_violations_are_job_create_failed(root_api, job_type, body, message):
    response = root_api.post(f"/job/{job_type}", json=body)
    assert_error(response, 400, "JobCreateFailed", message)


def test_resource_sum_over_the_queue_maximum_is_refused(root_api):
    body = fresh_single(flavour={"name": "", "cpu": "30", "mem": "1Gi"})
    response = root_api.post("/job/single", json=body)
    assert_error(response, 400, "JobCreateFailed")
    assert "is larger than queue's" in response.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"image": "x", "env": []},
        {"image": "x", "port": "80"},
        {"image": 3},
        {"image": "x", "env": {"A": 1}},
        {"image": "x", "schedulingPolicy": "default-queue"},
    ],
)
def test_wrong_json_types_are_malformed_json(root_api, body):
    assert_error(root_api.post("/job/single", json=body), 400, "MalformedJSON")


def test_env_array_gives_the_go_decoder_text(root_api):
    response = root_api.post("/job/single", json={"image": "x", "env": []})
    assert response.json()["message"] == (
        "json: cannot unmarshal array into Go struct field CreateSingleJobRequest.env "
        "of type map[string]string"
    )


def test_body_that_is_not_json(root_api):
    assert_error(root_api.post("/job/single", data=b"{nope"), 400, "MalformedJSON")


def test_duplicate_id_fails_and_is_reusable_after_delete(root_api):
    job_id = create(root_api)
    response = root_api.post("/job/single", json=fresh_single(id=job_id))
    assert_error(response, 400, "JobCreateFailed")
    assert response.json()["message"].startswith(f"create job[{job_id}] in database faield")
    assert root_api.put(f"/job/{job_id}", params={"action": "stop"}).status_code == 200
    deleted = root_api.delete(f"/job/{job_id}")
    assert deleted.status_code == 200 and deleted.content == b""
    assert_error(
        root_api.get(f"/job/{job_id}"),
        404,
        "JobNotFound",
        f"resouceType[job] with ID[{job_id}] not found",
    )
    assert create(root_api, id=job_id) == job_id
    assert root_api.get(f"/job/{job_id}").json()["status"] == "init"


def test_stop_init_job_is_terminated_at_once(root_api):
    job_id = create(root_api)
    response = root_api.put(f"/job/{job_id}", params={"action": "stop"})
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"] == "application/json"
    job = root_api.get(f"/job/{job_id}").json()
    assert job["status"] == "terminated" and job["message"] == "job is terminated."
    assert TIME.fullmatch(job["finishTime"])
    assert_error(
        root_api.put(f"/job/{job_id}", params={"action": "stop"}),
        500,
        "",
        f"stop job failed, err: job {job_id} status is already terminated, "
        "and job cannot be stopped",
    )


def test_stop_delete_modify_of_missing_jobs(root_api):
    assert_error(
        root_api.put("/job/missing-job", params={"action": "stop"}),
        404,
        "JobNotFound",
        "stop job failed, err: record not found",
    )
    assert_error(
        root_api.put("/job/missing-job", params={"action": "modify"}, json={"priority": "HIGH"}),
        404,
        "JobNotFound",
        "update job failed, err: record not found",
    )
    assert_error(
        root_api.delete("/job/missing-job"),
        404,
        "JobNotFound",
        "delete job failed, err: get job missing-job failed, err: record not found",
    )


def test_other_put_actions_are_not_allowed(root_api):
    job_id = create(root_api)
    for params in ({"action": "restart"}, {}):
        assert_error(
            root_api.put(f"/job/{job_id}", params=params),
            403,
            "ActionNotAllowed",
            "The operation cannot be executed at this phase/stage",
        )


def test_empty_job_id_paths_are_not_found(root_api):
    assert_error(root_api.put("/job/", params={"action": "stop"}), 404, "PathNotFound", "")
    assert_error(root_api.delete("/job/"), 404, "PathNotFound", "")


def test_delete_needs_a_final_status(root_api):
    job_id = create(root_api)
    assert_error(
        root_api.delete(f"/job/{job_id}"),
        403,
        "ActionNotAllowed",
        f"delete job failed, err: job {job_id} status is init, please stop it first.",
    )


def test_modify_priority_labels_and_annotations(root_api):
    job_id = create(root_api, labels={"keep": "1", "drop": "2"}, annotations={"a": "1"})
    response = root_api.put(
        f"/job/{job_id}",
        params={"action": "modify"},
        json={"priority": "very_high", "labels": {"drop": "", "new": "3"}, "annotations": {}},
    )
    assert response.status_code == 200 and response.content == b""
    job = root_api.get(f"/job/{job_id}").json()
    assert job["schedulingPolicy"]["priority"] == "VERY_HIGH"
    assert job["labels"] == {"keep": "1", "new": "3"}
    assert job["annotations"] == {"a": "1"}
    assert root_api.put(f"/job/{job_id}", params={"action": "modify"}, json={}).status_code == 200


def test_modify_errors(root_api):
    job_id = create(root_api)
    assert_error(
        root_api.put(f"/job/{job_id}", params={"action": "modify"}, json={"priority": "urgent"}),
        400,
        "InvalidArguments",
        "the priorty urgent is invalid",
    )
    assert_error(
        root_api.put(f"/job/{job_id}", params={"action": "modify"}, data=b""),
        400,
        "MalformedJSON",
    )
    root_api.put(f"/job/{job_id}", params={"action": "stop"})
    assert_error(
        root_api.put(f"/job/{job_id}", params={"action": "modify"}, json={"priority": "LOW"}),
        403,
        "ActionNotAllowed",
        f"update job failed, err: the status of job {job_id} is terminated, "
        "job priority cannot be updated",
    )
    labels_only = root_api.put(
        f"/job/{job_id}", params={"action": "modify"}, json={"labels": {"late": "yes"}}
    )
    assert labels_only.status_code == 200
    assert root_api.get(f"/job/{job_id}").json()["labels"] == {"late": "yes"}


def test_users_see_and_touch_only_their_own_jobs(root_api, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    job_id = create(alice)
    assert alice.get(f"/job/{job_id}").json()["UserName"] == alice.user_name
    assert_error(
        bob.get(f"/job/{job_id}"),
        403,
        "ActionNotAllowed",
        f"user[{bob.user_name}] has no access to resource[job] with ID[{job_id}]",
    )
    assert_error(
        bob.put(f"/job/{job_id}", params={"action": "stop"}),
        403,
        "ActionNotAllowed",
        f"stop job failed, err: user[{bob.user_name}] has no access to resource[job] "
        f"with ID[{job_id}]",
    )
    assert_error(
        bob.put(f"/job/{job_id}", params={"action": "modify"}, json={"priority": "LOW"}),
        403,
        "ActionNotAllowed",
    )
    assert_error(bob.delete(f"/job/{job_id}"), 403, "ActionNotAllowed")
    bob_ids = {job["id"] for job in bob.get("/job", params={"maxKeys": 1000}).json()["jobList"]}
    assert job_id not in bob_ids
    alice_ids = {j["id"] for j in alice.get("/job", params={"maxKeys": 1000}).json()["jobList"]}
    assert alice_ids == {job_id}
    assert root_api.get(f"/job/{job_id}").status_code == 200
    assert_error(
        bob.post("/job/single", json=fresh_single(UserName=alice.user_name)),
        400,
        "AuthIllegalUser",
    )
