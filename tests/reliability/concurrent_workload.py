"""A mixed concurrent workload against one server: clients creating, updating, stopping,
deleting and listing jobs at once, recording what the server acknowledged.

Used by ``test_concurrency.py`` (a bounded number of rounds, in CI) and by
``bench/soak_concurrency.py`` (a minute or more, figures in docs/reliability.md).

Each client is a thread with its own HTTP session; clients come in pairs per user, and both
clients of a user add their own label keys to the user's shared job (a lost update would drop
one). Every round a client creates a job, labels it, labels the shared job, stops the job,
deletes every other one, and walks the whole job list in small pages, checking that no job
appears twice and every job acknowledged before the walk (and not being deleted) appears.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.helpers.api import PREFIX, login_token
from tests.helpers.jobs import single_body

PAGE_SIZE = 7


@dataclass
class Shared:
    """What all clients record, under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    created: dict[str, str] = field(default_factory=dict)  # job id -> user
    deleting: set[str] = field(default_factory=set)
    own_labels: dict[str, str] = field(default_factory=dict)  # job id -> acknowledged label
    shared_keys: dict[str, set[str]] = field(default_factory=dict)  # user -> acknowledged keys
    stopped: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)  # "METHOD route status" counts
    server_errors: list[str] = field(default_factory=list)
    list_problems: list[str] = field(default_factory=list)
    list_walks: int = 0

    def count(self, label: str, response: requests.Response) -> None:
        with self.lock:
            self.statuses[f"{label} {response.status_code}"] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{label}: {response.status_code} {response.text}")


def _job_body(job_id: str) -> dict[str, Any]:
    return {"id": job_id, **single_body("true", image="busybox", labels={"load": "concurrent"})}


class Client:
    """One client thread's session and loop."""

    def __init__(self, base_url: str, user: str, token: str, number: int, shared: Shared) -> None:
        self.api = f"{base_url}{PREFIX}"
        self.user = user
        self.number = number
        self.shared = shared
        self.session = requests.Session()
        self.session.headers["x-pf-authorization"] = token
        self.shared_job = f"shared-{user}"

    def _call(self, label: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, f"{self.api}{path}", timeout=60, **kwargs)
        self.shared.count(label, response)
        return response

    def round(self, index: int) -> None:
        """One round of create, label, label the shared job, stop, maybe delete, list."""
        job_id = f"cc-{self.number}-{index}-{uuid.uuid4().hex[:8]}"
        if self._call("create", "POST", "/job/single", json=_job_body(job_id)).ok:
            with self.shared.lock:
                self.shared.created[job_id] = self.user
        value = f"v{index}"
        modify = {"params": {"action": "modify"}, "json": {"labels": {"mine": value}}}
        if self._call("modify", "PUT", f"/job/{job_id}", **modify).ok:
            with self.shared.lock:
                self.shared.own_labels[job_id] = value
        key = f"c{self.number}-{index}"
        modify = {"params": {"action": "modify"}, "json": {"labels": {key: "1"}}}
        if self._call("modify-shared", "PUT", f"/job/{self.shared_job}", **modify).ok:
            with self.shared.lock:
                self.shared.shared_keys.setdefault(self.user, set()).add(key)
        if self._call("stop", "PUT", f"/job/{job_id}", params={"action": "stop"}).ok:
            with self.shared.lock:
                self.shared.stopped.add(job_id)
        if index % 2:
            with self.shared.lock:
                self.shared.deleting.add(job_id)
            self._call("delete", "DELETE", f"/job/{job_id}")
        self.walk_list()

    def walk_list(self) -> None:
        """Page through the whole list; no duplicates, nothing acknowledged missing."""
        with self.shared.lock:
            expected = {
                job_id
                for job_id, owner in self.shared.created.items()
                if owner == self.user and job_id not in self.shared.deleting
            }
        seen: list[str] = []
        marker = ""
        while True:
            params = {"maxKeys": str(PAGE_SIZE), "labels": json.dumps({"load": "concurrent"})}
            if marker:
                params["marker"] = marker
            response = self._call("list", "GET", "/job", params=params)
            if not response.ok:
                return
            page = response.json()
            seen += [job["id"] for job in page["jobList"]]
            if not page["isTruncated"]:
                break
            marker = page["nextMarker"]
        problems = []
        duplicates = [job_id for job_id, n in Counter(seen).items() if n > 1]
        if duplicates:
            problems.append(f"listed twice: {duplicates[:5]}")
        with self.shared.lock:  # a job deleted during the walk may rightly be absent
            missing = expected - set(seen) - self.shared.deleting
        if missing:
            problems.append(f"acknowledged but not listed: {sorted(missing)[:5]}")
        with self.shared.lock:
            self.shared.list_walks += 1
            self.shared.list_problems += problems


def prepare_users(base_url: str, users: int, shared: Shared) -> list[tuple[str, str]]:
    """Create ``users`` fresh users, each with a shared job; (name, token) pairs."""
    root = requests.Session()
    root.headers["x-pf-authorization"] = login_token(base_url)
    made = []
    for _ in range(users):
        name = f"cc{uuid.uuid4().hex[:8]}"
        response = root.post(
            f"{base_url}{PREFIX}/user", json={"username": name, "password": "secret123"}
        )
        response.raise_for_status()
        token = login_token(base_url, name, "secret123")
        shared_job = _job_body(f"shared-{name}")
        shared_job["labels"] = {}
        created = requests.post(
            f"{base_url}{PREFIX}/job/single",
            json=shared_job,
            headers={"x-pf-authorization": token},
            timeout=30,
        )
        created.raise_for_status()
        made.append((name, token))
    return made


def run_workload(
    base_url: str, *, clients: int = 8, rounds: int | None = None, seconds: float | None = None
) -> Shared:
    """Run ``clients`` threads (two per user) for ``rounds`` rounds each or for ``seconds``."""
    shared = Shared()
    users = prepare_users(base_url, max(1, clients // 2), shared)
    workers = [
        Client(base_url, *users[number % len(users)], number, shared) for number in range(clients)
    ]
    failures: list[BaseException] = []
    stop_at = None if seconds is None else time.monotonic() + seconds

    def loop(client: Client) -> None:
        index = 0
        try:
            while (rounds is None or index < rounds) and (
                stop_at is None or time.monotonic() < stop_at
            ):
                client.round(index)
                index += 1
        except BaseException as error:  # reported by the caller, not lost in the thread
            failures.append(error)

    threads = [threading.Thread(target=loop, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return shared


def final_check(base_url: str, shared: Shared) -> list[str]:
    """After the workload: every acknowledged update is there, nothing listed twice."""
    problems: list[str] = []
    root = requests.Session()
    root.headers["x-pf-authorization"] = login_token(base_url)
    for user, keys in shared.shared_keys.items():
        labels = root.get(f"{base_url}{PREFIX}/job/shared-{user}", timeout=30).json()["labels"]
        lost = keys - set(labels or {})
        if lost:
            problems.append(f"lost updates on shared-{user}: {sorted(lost)[:5]}")
    for job_id, value in shared.own_labels.items():
        if job_id in shared.deleting:
            continue
        job = root.get(f"{base_url}{PREFIX}/job/{job_id}", timeout=30).json()
        if job["labels"].get("mine") != value:
            problems.append(f"lost update on {job_id}: {job['labels']}")
        if job_id in shared.stopped and job["status"] != "terminated":
            problems.append(f"{job_id} acknowledged stop but is {job['status']}")
    listed: list[str] = []
    marker = ""
    while True:
        params = {"maxKeys": "500", "labels": json.dumps({"load": "concurrent"})}
        if marker:
            params["marker"] = marker
        page = root.get(f"{base_url}{PREFIX}/job", params=params, timeout=30).json()
        listed += [job["id"] for job in page["jobList"]]
        if not page["isTruncated"]:
            break
        marker = page["nextMarker"]
    if len(listed) != len(set(listed)):
        problems.append("a job is listed twice in the final walk")
    kept = {job_id for job_id in shared.created if job_id not in shared.deleting}
    if kept - set(listed):
        problems.append(f"jobs missing from the final walk: {sorted(kept - set(listed))[:5]}")
    return problems
