"""``GET /job`` is served from cached, pre-encoded list elements (``pfctl.server.jobs.listing``):
its bytes must equal the generic path's (``reference.list_jobs`` + ``job_view`` + the list
envelope + ``json_bytes``) on a cold cache, on a warm one, and after every kind of change to a
listed job."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pfctl.server.gojson import json_bytes
from pfctl.server.jobs.listing import JobElementCache
from pfctl.server.jobs.view import job_view
from pfctl.server.paging import MarkerCodec
from pfctl.server.store.jobrecords import JobFilter
from pfctl.server.store.storage import Store
from tests.helpers.api import Api, create, login
from tests.helpers.jobs import WORKFLOW, stored_job, unique_id
from tests.helpers.server import NO_EXECUTOR, ServerHandle, private_server
from tests.server.jobs.reference import encode_element, list_jobs

MANAGED = {"pfctl/managed-by": "pfctl"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """A private API-only server: its database holds only this module's jobs."""
    with private_server(tmp_path_factory, "list-speed", NO_EXECUTOR) as handle:
        yield handle


@pytest.fixture(scope="module")
def api(server: ServerHandle) -> Api:
    return login(server.url)


@pytest.fixture(scope="module")
def store(server: ServerHandle) -> Iterator[Store]:
    """The server's database, opened by the test (as the job runtime writes it)."""
    opened = Store(server.data_dir)
    yield opened
    opened.close()


def generic_page(store: Store, job_filter: JobFilter, limit: int) -> bytes:
    """What ``GET /job`` answered before the cache: the reference bytes."""
    jobs = list_jobs(store, job_filter, limit + 1)
    envelope = MarkerCodec(store.marker_secret()).envelope(
        jobs, limit, "jobList", lambda job: job_view(job, with_runtime=False)
    )
    return json_bytes(envelope)


def listed(api: Api, **params: Any) -> bytes:
    response = api.get("/job", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.content))
    return response.content


def managed_page(api: Api, store: Store, limit: int = 1000) -> tuple[bytes, bytes]:
    """(served, reference) for apply's list: every pfctl-managed job."""
    served = listed(api, maxKeys=limit, labels=json.dumps(MANAGED))
    return served, generic_page(store, JobFilter(labels=MANAGED), limit)


def create_variety(api: Api, tag: str) -> list[str]:
    """Jobs of every shape a list element can take; returns their ids."""
    labels = {**MANAGED, "tag": tag}
    return [
        create(api, labels=labels, annotations={"note": "é ☃ \u2028 </script>"}),
        create(
            api,
            labels=labels,
            name='naïve "quoted" \\ name',
            env={"EPOCHS": "3"},
            args=["--x", "ü"],
            port=8080,
            fs={"name": "main", "mountPath": "/m"},
            extraFS=[{"name": "data", "subPath": "x", "readOnly": True}, {"name": "b"}],
            flavour={"name": "", "cpu": "1", "mem": "1Gi"},
            schedulingPolicy={"queue": "default-queue", "priority": "HIGH"},
        ),
        create(
            api,
            "distributed",
            id=unique_id("ps"),
            labels=labels,
            framework="paddle",
            members=[
                {
                    "role": "pserver",
                    "replicas": 2,
                    "image": "paddle",
                    "flavour": {"name": "flavour1"},
                },
                {
                    "role": "worker",
                    "replicas": 2,
                    "image": "paddle",
                    "flavour": {"cpu": "500m", "mem": "1Gi"},
                    "env": {"BATCH": "64"},
                    "command": "train",
                },
            ],
        ),
        create(api, "workflow", id=unique_id("wf"), labels=labels, extensionTemplate=WORKFLOW),
    ]


def test_cold_and_warm_pages_are_the_generic_bytes(api, store):
    create_variety(api, "cold-warm")
    cold, reference = managed_page(api, store)
    warm, _ = managed_page(api, store)
    assert cold == reference
    assert warm == reference
    assert b'"name":"na\xc3\xafve \\"quoted\\" \\\\ name"' in warm  # UTF-8, not \u escapes


def test_every_change_to_a_listed_job_shows_at_once(api, store):
    """Labels, annotations, priority, stop, statuses written by the runtime, delete: after each,
    the (warm) page equals the generic page, which shows the change."""
    single, custom, distributed, workflow = create_variety(api, "changes")
    managed_page(api, store)  # warm every element

    def check(expected_fragment: bytes | None = None, absent: bytes | None = None) -> None:
        served, reference = managed_page(api, store)
        assert served == reference
        if expected_fragment is not None:
            assert expected_fragment in served
        if absent is not None:
            assert absent not in served

    modify = {"labels": {"team": "blue"}, "annotations": {"owner": "me"}}
    assert api.put(f"/job/{single}", params={"action": "modify"}, json=modify).status_code == 200
    check(b'"team":"blue"')
    priority = {"priority": "very_high"}
    assert api.put(f"/job/{custom}", params={"action": "modify"}, json=priority).status_code == 200
    check(b'"priority":"VERY_HIGH"')
    store.set_job_status(distributed, "pending", "queued")
    check(b'"status":"pending","message":"queued"')
    store.set_job_status(distributed, "running", "", runtime={"phase": "Running"})
    check(b'"status":"running"')
    store.set_job_status(distributed, "succeeded", "done")
    check(b'"status":"succeeded","message":"done"')
    assert api.put(f"/job/{workflow}", params={"action": "stop"}).status_code == 200
    check(b'"status":"terminated"')
    assert api.delete(f"/job/{workflow}").status_code == 200
    check(absent=f'"id":"{workflow}"'.encode())
    # The same id again: a new row (new pk), never the deleted job's element.
    create(
        api, "workflow", id=workflow, labels={**MANAGED, "again": "yes"}, extensionTemplate=WORKFLOW
    )
    check(b'"again":"yes"')


def test_filters_pages_and_other_users_match_the_generic_bytes(api, store, server):
    tag = unique_id("filters")
    create_variety(api, tag)
    terminated = create(api, labels={**MANAGED, "tag": tag})
    api.put(f"/job/{terminated}", params={"action": "stop"})
    login(server.url).post("/user", json={"username": "listuser", "password": "secret123"})
    user = login(server.url, "listuser", "secret123")
    create(user, labels={**MANAGED, "tag": tag})
    cases: list[tuple[Api, dict[str, Any], JobFilter]] = [
        (api, {}, JobFilter()),
        (api, {"labels": json.dumps({"tag": tag})}, JobFilter(labels={"tag": tag})),
        (api, {"labels": json.dumps({"tag": "none"})}, JobFilter(labels={"tag": "none"})),
        (api, {"status": "terminated"}, JobFilter(status="terminated")),
        (api, {"queue": "default-queue"}, JobFilter(queue="default-queue")),
        (api, {"timestamp": "0"}, JobFilter(updated_since=0.0)),
        (user, {}, JobFilter(user_name="listuser")),
    ]
    for caller, params, job_filter in cases:
        for _ in range(2):  # cold, then warm
            assert listed(caller, **params) == generic_page(store, job_filter, 50), params
        # Page by page at maxKeys=2, following the markers.
        marker = None
        while True:
            query = {**params, "maxKeys": 2, **({"marker": marker} if marker else {})}
            page = listed(caller, **query)
            before = None if marker is None else MarkerCodec(store.marker_secret()).decode(marker)
            reference_filter = dataclasses.replace(job_filter, before_pk=before)
            assert page == generic_page(store, reference_filter, 2), query
            body = json.loads(page)
            if not body["isTruncated"]:
                break
            marker = body["nextMarker"]


def test_show_job_bytes_are_unchanged(api, store):
    ids = create_variety(api, "show")
    store.set_job_status(ids[2], "running", "", runtime={"phase": "Running", "f": 1.5e-7})
    listed(api, maxKeys=1000)  # fill the list cache: show must not use it
    for job_id in ids:
        job = store.get_job(job_id)
        assert job is not None
        assert api.get(f"/job/{job_id}").content == json_bytes(job_view(job, with_runtime=True))


# -- the cache itself, in this process -----------------------------------------------------------


@pytest.fixture
def local_store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "data")
    opened.create_jobs([stored_job(f"job-{n}", labels={"n": str(n)}) for n in range(20)])
    yield opened
    opened.close()


def test_unchanged_rows_hit_changed_rows_miss(local_store):
    cache = JobElementCache()
    rows = local_store.list_job_rows(JobFilter(), 100)
    first = cache.elements(rows)
    assert (cache.hits, cache.misses) == (0, 20)
    assert first == [encode_element(row) for row in rows]
    again = cache.elements(local_store.list_job_rows(JobFilter(), 100))
    assert (cache.hits, cache.misses) == (20, 20)
    assert again == first
    local_store.update_job_fields("job-3", labels={"n": "changed"})
    local_store.set_job_status("job-4", "pending", "")
    rows = local_store.list_job_rows(JobFilter(), 100)
    changed = cache.elements(rows)
    # job-3's definition changed: built again; job-4's status: only its status part.
    assert (cache.hits, cache.status_misses, cache.misses) == (38, 1, 21)
    assert changed == [encode_element(row) for row in rows]
    assert changed != first
    local_store.request_stop("job-4")
    local_store.update_job_fields("job-4", annotations={"a": "b"})  # both parts change
    for status, message in (("running", ""), ("failed", "exit 1")):
        local_store.set_job_status("job-5", status, message)
        rows = local_store.list_job_rows(JobFilter(), 100)
        assert cache.elements(rows) == [encode_element(row) for row in rows]
    assert (cache.status_misses, cache.misses) == (3, 22)
    # Another writer, straight to SQL: a final job without a finish time shows its last update.
    with local_store.db.write() as conn:
        conn.execute("UPDATE jobs SET status = 'failed', updated_at = 1e9 WHERE id = 'job-6'")
        conn.execute("UPDATE jobs SET spec = json_set(spec, '$.members[0].image', 'x:2')")
    rows = local_store.list_job_rows(JobFilter(), 100)
    elements = cache.elements(rows)
    assert elements == [encode_element(row) for row in rows]
    assert b'"finishTime":"2001-09-' in b"".join(elements)
    assert b'"image":"x:2"' in elements[0]
    assert (cache.status_misses, cache.misses) == (3, 42)


def test_memory_stays_within_the_budget(local_store):
    rows = local_store.list_job_rows(JobFilter(), 100)
    one_entry = len(encode_element(rows[0])) + sum(len(v) for v in rows[0] if isinstance(v, str))
    cache = JobElementCache(max_bytes=one_entry * 5)
    assert cache.elements(rows) == [encode_element(row) for row in rows]
    assert cache.size_bytes <= cache.max_bytes
    kept = len(cache)
    assert 0 < kept <= 5
    assert cache.elements(rows[-kept:]) == [encode_element(row) for row in rows[-kept:]]
    assert cache.hits == kept  # the most recently listed stay
    assert cache.elements(rows[:1]) == [encode_element(rows[0])]
    assert cache.hits == kept and cache.misses == len(rows) + 1  # the oldest were dropped
    assert cache.size_bytes <= cache.max_bytes and len(cache) == kept
    tiny = JobElementCache(max_bytes=10)
    assert tiny.elements(rows[:1]) == [encode_element(rows[0])]
    assert len(tiny) == 0 and tiny.size_bytes == 0


def test_threads_sharing_the_cache_get_correct_elements(local_store):
    cache = JobElementCache()
    expected = [encode_element(row) for row in local_store.list_job_rows(JobFilter(), 100)]
    results: list[list[bytes]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                results.append(cache.elements(local_store.list_job_rows(JobFilter(), 100)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 80 and all(result == expected for result in results)
    assert cache.hits + cache.misses == 80 * 20 and len(cache) == 20
