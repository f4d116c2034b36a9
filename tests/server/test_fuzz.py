"""Arbitrary request bodies never make the server fail: no 5xx, every error in PaddleFlow's form."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.api import Api

FIELDS = [
    "id",
    "name",
    "labels",
    "annotations",
    "schedulingPolicy",
    "queue",
    "priority",
    "flavour",
    "limitFlavour",
    "cpu",
    "mem",
    "scalarResources",
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
    "role",
    "replicas",
    "UserName",
    "mountPath",
    "readOnly",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    scalars
    | st.sampled_from(["flavour1", "paddle", "worker", "default-queue", "1Gi", "high", "x"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)
bodies = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8) | json_values


def check(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert list(response.json()) == ["requestID", "code", "message"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(job_type=st.sampled_from(["single", "distributed", "workflow"]), body=bodies)
def test_create_bodies(root_api: Api, job_type: str, body: object) -> None:
    check(root_api.post(f"/job/{job_type}", json=body))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_modify_queue_and_flavour_bodies(root_api: Api, body: object) -> None:
    check(root_api.put("/job/some-job", params={"action": "modify"}, json=body))
    check(root_api.post("/queue", json=body))
    check(root_api.post("/flavour", json=body))
    check(root_api.post("/user", json=body))
