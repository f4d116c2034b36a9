"""The storage API the job runtime uses: status transitions, timestamps, queues."""

from __future__ import annotations

from decimal import Decimal

from pfctl.server.store.storage import Store
from tests.helpers.jobs import stored_job


def test_status_transitions_and_timestamps(tmp_path):
    store = Store(tmp_path)
    store.create_job(stored_job("job-a"))
    job = store.set_job_status("job-a", "pending", "submit job to cluster successfully.")
    assert job is not None and job.status == "pending" and job.activated_at is None
    running = store.set_job_status("job-a", "running", "job is running", runtime={"x": 1})
    assert running is not None and running.activated_at is not None
    assert running.runtime == {"x": 1}
    store.set_job_status("job-a", "pending", "again")
    again = store.set_job_status("job-a", "running", "job is running")
    assert again is not None and again.activated_at == running.activated_at
    done = store.set_job_status("job-a", "succeeded", "job is succeeded")
    assert done is not None and done.finished_at is not None
    after = store.set_job_status("job-a", "failed", "too late")
    assert after is not None and (after.status, after.message) == ("succeeded", "job is succeeded")
    assert store.set_job_status("missing", "running", "") is None
    store.close()


def test_terminating_rules(tmp_path):
    store = Store(tmp_path)
    store.create_job(stored_job("job-t"))
    store.set_job_status("job-t", "running", "job is running")
    job, previous = store.request_stop("job-t")
    assert previous == "running" and job is not None and job.status == "terminating"
    still = store.set_job_status("job-t", "running", "job is running")
    assert still is not None and still.status == "terminating"
    ended = store.set_job_status("job-t", "failed", "killed")
    assert ended is not None
    assert (ended.status, ended.message) == ("terminated", "job is terminated")
    assert ended.finished_at is not None
    assert [j.id for j in store.list_jobs_in_status(["terminated"])] == ["job-t"]
    store.close()


def test_queue_records_parse_resources(tmp_path):
    store = Store(tmp_path)
    queue = store.get_queue("default-queue")
    assert queue is not None
    assert queue.max_amounts == {"cpu": Decimal(20), "mem": Decimal(20 * 1024**3)}
    store.set_queue_used_resources("default-queue", {"cpu": "3", "mem": "1Gi"})
    used = store.get_queue("default-queue")
    assert used is not None and used.used_amounts["cpu"] == Decimal(3)
    store.close()


def test_reopening_keeps_seeds_single(tmp_path):
    Store(tmp_path).close()
    store = Store(tmp_path)
    assert [f.name for f in store.catalog.list_flavours(after_pk=None, limit=10)] == [
        "flavour1",
        "flavour2",
        "flavour3",
    ]
    assert [u.name for u in store.accounts.list_users(after_pk=None, limit=10)] == ["root"]
    store.close()
