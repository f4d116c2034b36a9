"""What a queue grant allows, where PaddleFlow checks it: a non-root user lists and shows only the
queues granted to them (``QueueStore.ListQueue``, ``GetQueueByName``), and submitting a job
checks no grant (``validateQueue`` in ``controller/job/create.go`` reads none)."""

from __future__ import annotations

import uuid

from tests.helpers.api import assert_error, create, grant_queue, new_queue, revoke_queue


def _listed(api, **params) -> list[str]:
    response = api.get("/queue", params={"maxKeys": 1000, **params})
    assert response.status_code == 200, response.text
    return [queue["name"] for queue in response.json()["queueList"]]


def test_a_queue_is_shown_to_a_user_while_it_is_granted(root_api, make_user):
    user = make_user("shown")
    queue = new_queue(root_api)
    assert_error(
        user.get(f"/queue/{queue}"),
        403,
        "ActionNotAllowed",
        "The operation cannot be executed at this phase/stage",
    )
    assert _listed(user) == []

    grant_queue(root_api, user.user_name, queue)
    shown = user.get(f"/queue/{queue}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["name"] == queue
    assert _listed(user) == [queue]

    revoke_queue(root_api, user.user_name, queue)
    assert_error(user.get(f"/queue/{queue}"), 403, "ActionNotAllowed")
    assert _listed(user) == []


def test_access_is_checked_before_existence(root_api, make_user):
    user = make_user("exists")
    assert_error(user.get("/queue/no-such-queue"), 403, "ActionNotAllowed")
    assert_error(root_api.get("/queue/no-such-queue"), 400, "QueueNameNotFound")


def test_the_default_queue_needs_a_grant_like_any_other(root_api, make_user):
    """PaddleFlow's InitDefaultQueue creates default-queue as root and grants it to nobody."""
    user = make_user("default")
    assert_error(user.get("/queue/default-queue"), 403, "ActionNotAllowed")
    assert "default-queue" not in _listed(user)
    assert "default-queue" in _listed(root_api)
    grant_queue(root_api, user.user_name, "default-queue")
    assert user.get("/queue/default-queue").status_code == 200
    assert "default-queue" in _listed(user)


def test_a_user_lists_only_their_granted_queues_page_by_page(root_api, make_user):
    user = make_user("lister")
    other = make_user("neighbr")
    queues = [new_queue(root_api) for _ in range(5)]
    granted = [queues[0], queues[2], queues[4]]
    for queue in granted:
        grant_queue(root_api, user.user_name, queue)
    grant_queue(root_api, other.user_name, queues[1])

    seen: list[str] = []
    params: dict[str, str | int] = {"maxKeys": 1}
    while True:
        page = user.get("/queue", params=params).json()
        seen += [queue["name"] for queue in page["queueList"]]
        if not page["isTruncated"]:
            break
        params["marker"] = page["nextMarker"]
    assert seen == granted
    assert _listed(user, name=queues[1]) == []
    assert _listed(other) == [queues[1]]
    assert set(queues) <= set(_listed(root_api))


def test_a_user_grant_does_not_open_a_queue_of_that_name(root_api, make_user):
    """A grant of resource type ``user`` is not a queue grant, whatever its id."""
    user = make_user("typed")
    target = make_user("q-person")
    queue = new_queue(root_api, target.user_name.lower())
    body = {"userName": user.user_name, "resourceType": "user", "resourceID": target.user_name}
    assert root_api.post("/grant", json=body).status_code == 200
    assert_error(user.get(f"/queue/{queue}"), 403, "ActionNotAllowed")
    assert _listed(user) == []


def test_submitting_to_a_queue_needs_no_grant_as_on_paddleflow(root_api, make_user):
    """PaddleFlow's job create checks that the queue exists and is open, never a grant: a
    user without one submits, sees and stops their job."""
    user = make_user("submit")
    queue = new_queue(root_api)
    job_id = create(user, schedulingPolicy={"queue": queue})
    assert user.job(job_id)["schedulingPolicy"]["queue"] == queue
    default_job = create(user, schedulingPolicy={})
    assert user.job(default_job)["schedulingPolicy"]["queue"] == "default-queue"
    assert user.put(f"/job/{job_id}", params={"action": "stop"}).status_code == 200
    assert_error(user.get(f"/queue/{queue}"), 403, "ActionNotAllowed")


def test_a_server_that_requires_queue_grants_refuses_an_ungranted_submit(start_pf_server):
    """``pfctl server run --require-queue-grants``: the rule PaddleFlow leaves out, for a team
    that wants it. Root submits anywhere; a user only to a queue granted to them, and again not
    once the grant is taken back; the refusal names the user and the queue."""
    from tests.helpers.api import login
    from tests.helpers.jobs import fresh_single

    server = start_pf_server(args=["--no-executor", "--require-queue-grants"])
    root = login(server.url)
    name = f"strict{uuid.uuid4().hex[:8]}"
    assert root.post("/user", json={"username": name, "password": "secret123"}).ok
    user = login(server.url, name, "secret123")
    queue = new_queue(root)
    create(root, schedulingPolicy={"queue": queue})

    def refused(policy):
        response = user.post("/job/single", json=fresh_single(schedulingPolicy=policy))
        assert_error(
            response,
            403,
            "AccessDenied",
            f"user[{name}] has no access to queue[{policy.get('queue', 'default-queue')}]: "
            "this server lets a user submit only to the queues granted to them "
            "(POST /grant, as root)",
        )

    refused({"queue": queue})
    refused({})  # default-queue too
    grant_queue(root, name, queue)
    job_id = create(user, schedulingPolicy={"queue": queue})
    assert user.job(job_id)["schedulingPolicy"]["queue"] == queue
    revoke_queue(root, name, queue)
    refused({"queue": queue})
    listed = user.get("/job", params={"maxKeys": 100}).json()["jobList"]
    assert [job["id"] for job in listed] == [job_id]  # nothing of the refused ones was stored
