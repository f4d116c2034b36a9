"""``GET /job``: envelope, filters, and paging that stays correct while jobs are created."""

from __future__ import annotations

import threading
import time
import uuid

from pfctl.server.store.storage import Store
from tests.helpers.api import assert_error, create, login
from tests.helpers.jobs import stored_job, unique_id
from tests.helpers.server import NO_EXECUTOR


def test_list_envelope_and_job_keys(root_api):
    create(root_api)
    create(root_api)
    response = root_api.get("/job", params={"maxKeys": 1})
    body = response.json()
    assert list(body) == ["maxKeys", "isTruncated", "nextMarker", "jobList"]
    assert body["maxKeys"] == 1 and body["isTruncated"] is True
    [job] = body["jobList"]
    assert "runtime" not in job and "distributedRuntime" not in job
    assert list(job)[:5] == ["id", "name", "labels", "annotations", "schedulingPolicy"]


def test_default_max_keys_is_50_and_bounds_are_checked(root_api):
    assert root_api.get("/job").json()["maxKeys"] == 50
    assert root_api.get("/job", params={"maxKeys": 1000}).status_code == 200
    for bad in ("0", "1001", "x", "-3"):
        assert_error(
            root_api.get("/job", params={"maxKeys": bad}),
            400,
            "InvalidURI",
            f"maxKeys[{bad}] is invalid",
        )


def test_query_errors(root_api):
    assert_error(root_api.get("/job", params={"marker": "garbage"}), 400, "InvalidMarker")
    assert_error(root_api.get("/job", params={"timestamp": "soon"}), 400, "InvalidURI")
    assert_error(
        root_api.get("/job", params={"timestamp": "-1"}),
        400,
        "InvalidURI",
        "invalid timestamp params[-1]",
    )
    assert_error(
        root_api.get("/job", params={"startTime": "yesterday"}),
        400,
        "InvalidURI",
        "invalid startTime params[yesterday]",
    )
    assert_error(root_api.get("/job", params={"labels": "{not json"}), 400, "InvalidURI")
    assert_error(root_api.get("/job", params={"queue": "no-queue"}), 400, "QueueNameNotFound")


def test_filters(root_api):
    tag = uuid.uuid4().hex[:8]
    first = create(root_api, labels={"batch": tag, "kind": "a"})
    second = create(root_api, labels={"batch": tag, "kind": "b"})
    root_api.put(f"/job/{second}", params={"action": "stop"})

    def ids(**params):
        params.setdefault("maxKeys", 1000)
        return [job["id"] for job in root_api.get("/job", params=params).json()["jobList"]]

    assert ids(labels=f'{{"batch": "{tag}"}}') == [second, first]
    assert ids(labels=f'{{"batch": "{tag}", "kind": "a"}}') == [first]
    assert ids(labels=f'{{"batch": "{tag}"}}', status="terminated") == [second]
    assert ids(labels=f'{{"batch": "{tag}"}}', queue="default-queue") == [second, first]
    assert ids(labels=f'{{"batch": "{tag}"}}', timestamp=str(int(time.time()) + 3600)) == []
    assert ids(labels=f'{{"batch": "{tag}"}}', timestamp="0") == [second, first]
    # Neither job ever ran, so neither has a start time.
    assert ids(labels=f'{{"batch": "{tag}"}}', startTime="2000-01-01 00:00:00") == []


def test_paging_5000_jobs_at_max_keys_7_returns_each_once_while_jobs_are_created(
    start_pf_server, tmp_path
):
    data_dir = tmp_path / "data"
    store = Store(data_dir)
    expected = [f"bulk-{index:05d}" for index in range(5000)]
    store.create_jobs([stored_job(job_id) for job_id in expected])
    store.close()
    server = start_pf_server(data_dir, args=NO_EXECUTOR)
    api = login(server.url)

    stop_creating = threading.Event()
    created_during: list[str] = []

    def keep_creating() -> None:
        creator = login(server.url)
        while not stop_creating.is_set():
            created_during.append(create(creator, id=unique_id("during")))

    creator = threading.Thread(target=keep_creating)
    creator.start()
    try:
        seen: list[str] = []
        marker = None
        while True:
            params = {"maxKeys": 7, **({"marker": marker} if marker else {})}
            page = api.get("/job", params=params).json()
            assert len(page["jobList"]) <= 7
            seen.extend(job["id"] for job in page["jobList"])
            if not page["isTruncated"]:
                assert "nextMarker" not in page
                break
            marker = page["nextMarker"]
    finally:
        stop_creating.set()
        creator.join()
    assert created_during, "no job was created while paging"
    bulk_seen = [job_id for job_id in seen if job_id.startswith("bulk-")]
    assert bulk_seen == list(reversed(expected))
    assert len(seen) == len(set(seen))
