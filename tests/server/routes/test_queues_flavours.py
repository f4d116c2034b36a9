"""Queue and flavour routes, and the seeds of a new server."""

from __future__ import annotations

import uuid

from pfctl.server.store.storage import Store
from tests.helpers.api import assert_error, create

QUEUE_KEYS = [
    "id",
    "createTime",
    "updateTime",
    "name",
    "namespace",
    "clusterName",
    "quotaType",
    "minResources",
    "maxResources",
    "location",
    "status",
    "usedResources",
    "idleResources",
]


def queue_name() -> str:
    return f"q-{uuid.uuid4().hex[:8]}"


def test_seeded_default_queue(root_api):
    queue = root_api.get("/queue/default-queue").json()
    assert list(queue) == QUEUE_KEYS
    assert queue["maxResources"] == {"cpu": "20", "memory": "20Gi"}
    assert queue["status"] == "open"
    assert queue["namespace"] == "default" and queue["clusterName"] == "default-cluster"
    assert queue["quotaType"] == "volcanoCapabilityQuota"
    assert queue["usedResources"] == {"cpu": "0", "memory": "0"}
    assert queue["idleResources"]["cpu"] == "20"


def test_seeded_flavours(root_api):
    listing = root_api.get("/flavour").json()
    assert list(listing) == ["maxKeys", "isTruncated", "flavourList"]
    flavours = {f["name"]: f for f in listing["flavourList"]}
    assert (flavours["flavour1"]["cpu"], flavours["flavour1"]["mem"]) == ("1", "1Gi")
    assert flavours["flavour2"]["scalarResources"] == {"nvidia.com/gpu": "1"}
    assert flavours["flavour3"]["scalarResources"] == {"nvidia.com/gpu": "2"}
    assert list(flavours["flavour1"]) == [
        "id",
        "name",
        "cpu",
        "mem",
        "scalarResources",
        "createTime",
        "updateTime",
    ]


def test_queue_lifecycle(root_api):
    name = queue_name()
    created = root_api.post(
        "/queue",
        json={
            "name": name,
            "namespace": "team",
            "maxResources": {"cpu": "8", "mem": "16Gi", "scalarResources": {"nvidia.com/gpu": "2"}},
        },
    )
    assert created.status_code == 200 and created.json() == {"name": name}
    assert_error(
        root_api.post("/queue", json={"name": name, "maxResources": {"cpu": "1", "mem": "1Gi"}}),
        403,
        "QueueNameDuplicated",
    )
    shown = root_api.get(f"/queue/{name}").json()
    assert shown["maxResources"] == {
        "cpu": "8",
        "memory": "16Gi",
        "scalarResources": {"nvidia.com/gpu": "2"},
    }
    assert shown["quotaType"] == "elasticQuota" and shown["status"] == "open"
    names = [
        q["name"] for q in root_api.get("/queue", params={"maxKeys": 1000}).json()["queueList"]
    ]
    assert "default-queue" in names and name in names
    assert [
        q["name"] for q in root_api.get("/queue", params={"name": name}).json()["queueList"]
    ] == [name]
    updated = root_api.put(
        f"/queue/{name}",
        json={
            "maxResources": {
                "cpu": "10",
                "mem": "16Gi",
                "scalarResources": {"nvidia.com/gpu": "2"},
            }
        },
    )
    assert updated.status_code == 200 and updated.json()["maxResources"]["cpu"] == "10"

    job_id = create(root_api, schedulingPolicy={"queue": name}, flavour={"name": "flavour2"})
    assert root_api.get(f"/job/{job_id}").json()["schedulingPolicy"]["queue"] == name
    assert_error(root_api.delete(f"/queue/{name}"), 400, "QueueIsInUse")
    root_api.put(f"/job/{job_id}", params={"action": "stop"})
    deleted = root_api.delete(f"/queue/{name}")
    assert deleted.status_code == 200 and deleted.content == b""
    assert_error(root_api.get(f"/queue/{name}"), 400, "QueueNameNotFound")


def test_queue_errors(root_api, make_user):
    assert_error(
        root_api.post(
            "/queue", json={"name": "Bad_Name", "maxResources": {"cpu": "1", "mem": "1Gi"}}
        ),
        400,
        "InvalidNamePattern",
    )
    assert_error(
        root_api.post(
            "/queue",
            json={
                "name": queue_name(),
                "quotaType": "odd",
                "maxResources": {"cpu": "1", "mem": "1Gi"},
            },
        ),
        400,
        "QueueQuotaTypeIsNotSupported",
    )
    assert_error(root_api.post("/queue", json={"name": queue_name()}), 400, "CPUNotFound")
    assert_error(
        root_api.post("/queue", json={"name": queue_name(), "maxResources": {"cpu": "1"}}),
        400,
        "MemoryNotFound",
    )
    assert_error(root_api.delete("/queue/no-such-queue"), 400, "QueueNameNotFound")
    user = make_user("quser")
    assert_error(
        user.post(
            "/queue", json={"name": queue_name(), "maxResources": {"cpu": "1", "mem": "1Gi"}}
        ),
        403,
        "OnlyRootAllowed",
    )
    # PaddleFlow shows a non-root user only the queues granted to them (tests/server/routes/
    # test_queue_grants.py).
    assert_error(user.get("/queue/default-queue"), 403, "ActionNotAllowed")


def test_closed_queue_refuses_jobs(root_api, api_server):
    name = queue_name()
    root_api.post("/queue", json={"name": name, "maxResources": {"cpu": "4", "mem": "4Gi"}})
    # No route closes a queue (a cluster does); close it in storage, as the server would see it.
    store = Store(api_server.data_dir)
    store.catalog.update_queue(name, {"status": "closed"})
    store.close()
    response = root_api.post(
        "/job/single", json={"image": "x", "schedulingPolicy": {"queue": name}}
    )
    assert_error(
        response,
        400,
        "JobCreateFailed",
        f"queue[{name}] status is closed, and only queue with open status can submit jobs",
    )


def test_flavour_lifecycle(root_api, make_user):
    name = f"fl-{uuid.uuid4().hex[:6]}"
    created = root_api.post(
        "/flavour",
        json={"name": name, "cpu": "2", "mem": "4Gi", "scalarResources": {"nvidia.com/gpu": "1"}},
    )
    assert created.status_code == 200 and created.json() == {"name": name}
    assert_error(
        root_api.post("/flavour", json={"name": name, "cpu": "1", "mem": "1Gi"}),
        400,
        "DuplicatedName",
    )
    shown = root_api.get(f"/flavour/{name}").json()
    assert (shown["cpu"], shown["mem"]) == ("2", "4Gi")
    assert [
        f["name"] for f in root_api.get("/flavour", params={"name": name}).json()["flavourList"]
    ] == [name]
    updated = root_api.put(f"/flavour/{name}", json={"cpu": "3", "scalarResources": {}})
    assert updated.json()["cpu"] == "3" and updated.json()["mem"] == "4Gi"

    job_id = create(root_api, flavour={"name": name})
    assert root_api.get(f"/job/{job_id}").json()["flavour"] == {
        "cpu": "3",
        "mem": "4Gi",
        "name": name,
    }
    deleted = root_api.delete(f"/flavour/{name}")
    assert deleted.status_code == 200 and deleted.content == b""
    assert_error(root_api.get(f"/flavour/{name}"), 404, "FlavourNotFound")
    assert_error(
        root_api.post("/flavour", json={"name": name, "cpu": "0", "mem": "1Gi"}),
        400,
        "FlavourInvalidField",
    )
    assert_error(
        root_api.post("/flavour", json={"cpu": "1", "mem": "1Gi"}), 400, "FlavourNameEmpty"
    )
    user = make_user("fuser")
    assert_error(
        user.post("/flavour", json={"name": "x1", "cpu": "1", "mem": "1Gi"}), 403, "OnlyRootAllowed"
    )


def test_list_paging_of_flavours(root_api):
    first = root_api.get("/flavour", params={"maxKeys": 2}).json()
    assert first["isTruncated"] is True and len(first["flavourList"]) == 2
    second = root_api.get("/flavour", params={"maxKeys": 2, "marker": first["nextMarker"]}).json()
    names = [f["name"] for f in first["flavourList"] + second["flavourList"]]
    assert names[:3] == ["flavour1", "flavour2", "flavour3"]
