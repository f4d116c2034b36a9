"""PaddleFlow's create rules (PADDLEFLOW_API.md §7), with PaddleFlow's exact error texts."""

from __future__ import annotations

from typing import Any

import pytest

from pfctl.spec.rules import (
    CREATE_PRIORITIES,
    FRAMEWORK_ROLES,
    FRAMEWORKS,
    UPDATE_PRIORITIES,
    RuleViolation,
    check_create_body,
    check_job_id,
    job_mode,
)


def member(role: str, replicas: int = 1, **fields: Any) -> dict[str, Any]:
    return {"role": role, "replicas": replicas, "image": "img", **fields}


def distributed(framework: str, *members: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"framework": framework, "members": list(members), **fields}


def messages(job_type: str, body: dict[str, Any]) -> list[str]:
    return [violation.message for violation in check_create_body(job_type, body)]


def test_constants_follow_paddleflow() -> None:
    assert {"paddle", "tensorflow", "pytorch", "mxnet", "spark", "mpi", "ray", "aitj"} == FRAMEWORKS
    assert FRAMEWORK_ROLES["spark"] == {"driver", "executor"}
    assert FRAMEWORK_ROLES["standalone"] == {"worker"}
    assert FRAMEWORK_ROLES["paddle"] == {"pserver", "master", "worker"}
    assert CREATE_PRIORITIES == ("LOW", "NORMAL", "HIGH")
    assert UPDATE_PRIORITIES == ("VERY_LOW", "LOW", "NORMAL", "HIGH", "VERY_HIGH")


def test_a_valid_single_body_has_no_violation() -> None:
    assert check_create_body("single", {"image": "img", "id": "a-1"}) == []


@pytest.mark.parametrize(
    ("job_id", "error"),
    [
        ("Upper", "a lowercase RFC 1123 label must consist of"),
        ("-start", "a lowercase RFC 1123 label"),
        ("end-", "a lowercase RFC 1123 label"),
        ("has.dot", "must not contain dots"),
        ("a" * 61, "must be no more than 60 characters"),
    ],
)
def test_job_id_must_be_a_short_dns_label(job_id: str, error: str) -> None:
    violations = check_create_body("single", {"image": "img", "id": job_id})
    assert [v.path for v in violations] == [("id",)]
    assert violations[0].message.startswith(f"ID[{job_id}] of Job is invalid, err: ")
    assert error in violations[0].message


def test_job_id_of_sixty_characters_is_accepted() -> None:
    assert check_job_id("a" * 60) is None


def test_name_is_limited_to_512_bytes_not_characters() -> None:
    assert messages("single", {"image": "i", "name": "é" * 256}) == []
    name = "é" * 257
    assert messages("single", {"image": "i", "name": name}) == [
        f"length of jobName[{name}] must be no more than 512 characters"
    ]


@pytest.mark.parametrize("priority", ["low", "Normal", "HIGH", ""])
def test_create_priority_in_any_case(priority: str) -> None:
    assert messages("single", {"image": "i", "schedulingPolicy": {"priority": priority}}) == []


def test_very_high_is_an_update_priority_only() -> None:
    body = {"image": "i", "schedulingPolicy": {"priority": "very_high"}}
    assert check_create_body("single", body) == [
        RuleViolation(
            ("schedulingPolicy", "priority"),
            "invalid job priority VERY_HIGH, should be in [LOW, NORMAL, HIGH]",
        )
    ]


def test_distributed_framework_must_be_known() -> None:
    assert messages("distributed", distributed("caffe", member("worker", 2))) == [
        "invalid framework caffe for distributed job"
    ]


def test_members_are_required_without_template() -> None:
    assert check_create_body("distributed", {"framework": "paddle"}) == [
        RuleViolation(("members",), "request.Members is empty")
    ]


def test_template_without_members_skips_member_checks() -> None:
    body = {"framework": "paddle", "extensionTemplate": {"kind": "PaddleJob"}}
    assert check_create_body("distributed", body) == []


def test_template_with_members_checks_roles_without_pworker_alias() -> None:
    body = distributed(
        "paddle", member("pworker", 2, image=""), extensionTemplate={"kind": "PaddleJob"}
    )
    assert messages("distributed", body) == [
        "the role[pworker] for framework paddle is not supported",
        "framework paddle in collective mode, only setting role work",
    ]


def test_pworker_counts_as_worker_on_the_normal_path() -> None:
    body = distributed("paddle", member("pserver"), member("pworker", 2))
    assert check_create_body("distributed", body) == []
    assert job_mode("paddle", body["members"]) == "PS"


@pytest.mark.parametrize(
    ("framework", "members", "error"),
    [
        (
            "paddle",
            [member("pserver")],
            "framework paddle in parameter server mode, role work must be set",
        ),
        (
            "tensorflow",
            [member("worker")],
            "framework tensorflow in collective mode, only setting role work",
        ),
        ("spark", [member("executor", 3)], "spark application must be set role driver"),
        ("mpi", [member("worker", 2)], "mpi job must be set a master role and a worker role"),
        ("ray", [member("master")], "ray job must be set a master role and a worker role"),
    ],
)
def test_role_counts_per_framework(
    framework: str, members: list[dict[str, Any]], error: str
) -> None:
    assert check_create_body("distributed", distributed(framework, *members)) == [
        RuleViolation(("members",), error)
    ]


@pytest.mark.parametrize(
    ("framework", "members", "mode"),
    [
        ("paddle", [member("worker", 2)], "Collective"),
        ("pytorch", [member("master"), member("worker")], "PS"),
        ("spark", [member("driver"), member("executor")], "PS"),
        ("ray", [member("master"), member("worker")], ""),
        ("mpi", [member("master"), member("worker")], ""),
    ],
)
def test_valid_frameworks_and_their_mode(
    framework: str, members: list[dict[str, Any]], mode: str
) -> None:
    assert check_create_body("distributed", distributed(framework, *members)) == []
    assert job_mode(framework, members) == mode


def test_unsupported_role() -> None:
    body = distributed("spark", member("driver"), member("worker"))
    assert check_create_body("distributed", body) == [
        RuleViolation(
            ("members", 1, "role"), "the role[worker] for framework spark is not supported"
        )
    ]


def test_replicas_at_least_one_with_paddleflow_spelling() -> None:
    body = distributed("ray", member("master"), member("worker", 0), member("worker", 1))
    assert check_create_body("distributed", body) == [
        RuleViolation(("members", 1, "replicas"), "the repilcas of member is less than 1")
    ]


@pytest.mark.parametrize(
    ("port", "ok"), [(0, True), (1, True), (65534, True), (65535, False), (-1, False)]
)
def test_port_range(port: int, ok: bool) -> None:
    violations = check_create_body("single", {"image": "i", "port": port})
    if ok:
        assert violations == []
    else:
        assert violations == [
            RuleViolation(("port",), f"port must be in range [0, 65535], but got {port}")
        ]


def test_image_required_per_member() -> None:
    body = distributed("mpi", member("master"), {"role": "worker", "replicas": 1})
    assert check_create_body("distributed", body) == [
        RuleViolation(
            ("members", 1, "image"), "required fields in {image} are empty, please fill it"
        )
    ]


def test_single_job_image_required_unless_template() -> None:
    assert messages("single", {}) == ["required fields in {image} are empty, please fill it"]
    assert messages("single", {"extensionTemplate": {"kind": "Pod"}}) == []


def test_member_queue_must_equal_the_job_queue() -> None:
    body = distributed(
        "ray",
        member("master", schedulingPolicy={"queue": "q1"}),
        member("worker", schedulingPolicy={"queue": "q2"}),
        schedulingPolicy={"queue": "q1"},
    )
    assert check_create_body("distributed", body) == [
        RuleViolation(
            ("members", 1, "schedulingPolicy", "queue"),
            "schedulingPolicy.Queue should be the same, there are q1 and q2",
        )
    ]


def test_member_queue_against_the_default_queue() -> None:
    body = distributed("ray", member("master", schedulingPolicy={"queue": "q"}), member("worker"))
    assert messages("distributed", body) == [
        "schedulingPolicy.Queue should be the same, there are default-queue and q"
    ]


@pytest.mark.parametrize(
    ("flavour", "path", "error"),
    [
        (
            {"cpu": "two", "mem": "1Gi"},
            ("flavour", "cpu"),
            "validate cpu failed,err: quantities must match",
        ),
        (
            {"cpu": "0", "mem": "1Gi"},
            ("flavour", "cpu"),
            "validate cpu failed,err: cpu cannot be negative",
        ),
        (
            {"cpu": "1", "mem": "-1Gi"},
            ("flavour", "mem"),
            "validate mem failed,err: cpu cannot be negative",
        ),
        (
            {"name": "customFlavour", "cpu": "1", "mem": "1Gi", "scalarResources": {"gpu": "x"}},
            ("flavour", "scalarResources", "gpu"),
            "gpu quantities must match",
        ),
        (
            {"cpu": "1", "mem": "1Gi", "scalarResources": {"gpu": "-1"}},
            ("flavour", "scalarResources", "gpu"),
            "gpu resource cannot be negative",
        ),
    ],
)
def test_custom_flavour_quantities(
    flavour: dict[str, Any], path: tuple[str, ...], error: str
) -> None:
    violations = check_create_body("single", {"image": "i", "flavour": flavour})
    assert len(violations) == 1
    assert violations[0].path == path
    assert violations[0].message.startswith(error)


@pytest.mark.parametrize(
    "flavour",
    [
        {"name": "flavour1", "cpu": "garbage"},  # a registered flavour replaces the values
        {"cpu": "garbage"},  # mem missing: PaddleFlow falls back to cpu 1, mem 1Gi
        {"cpu": "1", "mem": "1Gi", "scalarResources": {"nvidia.com/gpu": "0"}},
    ],
)
def test_flavours_paddleflow_accepts(flavour: dict[str, Any]) -> None:
    assert check_create_body("single", {"image": "i", "flavour": flavour}) == []


def test_workflow_needs_an_extension_template() -> None:
    assert check_create_body("workflow", {}) == [
        RuleViolation(
            ("extensionTemplate",), "ExtensionTemplate for workflow job is needed, and now is empty"
        )
    ]
    assert check_create_body("workflow", {"extensionTemplate": {}}) == []


def test_violations_come_in_paddleflow_order() -> None:
    body = distributed(
        "paddle",
        member("worker", 0, port=70000, flavour={"cpu": "x", "mem": "1Gi"}),
        id="Bad",
        schedulingPolicy={"priority": "urgent"},
    )
    paths = [violation.path for violation in check_create_body("distributed", body)]
    assert paths == [
        ("id",),
        ("schedulingPolicy", "priority"),
        ("members", 0, "flavour", "cpu"),
        ("members", 0, "replicas"),
        ("members", 0, "port"),
        ("members",),
    ]


def test_wrong_types_are_left_to_the_schema() -> None:
    body = {"framework": "ray", "members": [{"role": 3, "replicas": "x"}, "nonsense"]}
    assert all(isinstance(v, RuleViolation) for v in check_create_body("distributed", body))
