"""The web view's rules over plain HTTP (no browser): sessions, cookies, CSRF, headers, isolation,
escaping and masking, against the session's real ``pfctl server``."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

import pytest
import requests

from tests.helpers.api import FINAL, Api, create, grant_queue
from tests.helpers.server import ServerHandle


def _session(
    server: ServerHandle, user: str = "root", password: str = "paddleflow"
) -> requests.Session:
    browser = requests.Session()
    answer = browser.post(
        f"{server.url}/ui/login",
        data={"username": user, "password": password, "next": "/ui/jobs"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/ui/jobs"
    return browser


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("path", ["/ui/", "/ui/jobs", "/ui/timeline", "/ui/jobs/anything"])
def test_every_page_asks_to_sign_in_first(pf_server: ServerHandle, path: str) -> None:
    answer = requests.get(f"{pf_server.url}{path}", allow_redirects=False, timeout=30)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/ui/login?next=")


def test_a_script_without_a_session_gets_401_and_a_bad_cookie_is_no_session(
    pf_server: ServerHandle,
) -> None:
    answer = requests.get(
        f"{pf_server.url}/ui/jobs",
        headers={"X-Pfctl-Live": "1"},
        cookies={"pfctl_ui": "forged"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 401


def test_the_session_cookie_is_httponly_and_samesite_strict(pf_server: ServerHandle) -> None:
    answer = requests.post(
        f"{pf_server.url}/ui/login",
        data={"username": "root", "password": "paddleflow"},
        allow_redirects=False,
        timeout=30,
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("pfctl_ui=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/ui" in cookie


def test_a_wrong_password_signs_nobody_in(pf_server: ServerHandle) -> None:
    answer = requests.post(
        f"{pf_server.url}/ui/login",
        data={"username": "root", "password": "wrong-one1"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 401
    assert "set-cookie" not in answer.headers
    assert "wrong user name or password" in answer.text


def test_sign_in_goes_only_to_pages_of_the_web_view(pf_server: ServerHandle) -> None:
    answer = requests.post(
        f"{pf_server.url}/ui/login",
        data={"username": "root", "password": "paddleflow", "next": "//evil.example/"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.headers["location"] == "/ui/"


def test_pages_carry_a_strict_policy_and_no_cors(pf_server: ServerHandle) -> None:
    browser = _session(pf_server)
    for path in ("/ui/", "/ui/jobs", "/ui/timeline", "/ui/static/ui.js", "/ui/login"):
        answer = browser.get(
            f"{pf_server.url}{path}", headers={"Origin": "http://elsewhere.example"}, timeout=30
        )
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert not any(name.lower().startswith("access-control-") for name in answer.headers)
    page = browser.get(f"{pf_server.url}/ui/jobs", timeout=30).text
    assert "<script>" not in page and " on" + "click=" not in page  # only <script src=...>


def test_stop_needs_the_csrf_token_of_the_session(pf_server: ServerHandle, root: Api) -> None:
    job_id = create(root, command="sleep 60")
    try:
        root.wait_status(job_id, {"running"})
        browser = _session(pf_server)
        url = f"{pf_server.url}/ui/jobs/{job_id}/stop"
        for data in ({}, {"csrf": "0" * 64}):
            refused = browser.post(url, data=data, allow_redirects=False, timeout=30)
            assert refused.status_code == 403
        token = _csrf(browser.get(url, timeout=30).text)
        foreign = browser.post(
            url,
            data={"csrf": token},
            headers={"Origin": "http://elsewhere.example"},
            allow_redirects=False,
            timeout=30,
        )
        assert foreign.status_code == 403
        assert root.job(job_id)["status"] == "running"
        done = browser.post(url, data={"csrf": token}, allow_redirects=False, timeout=30)
        assert done.status_code == 303
        assert root.wait_status(job_id, FINAL)["status"] == "terminated"
    finally:
        root.put(f"/job/{job_id}", params={"action": "stop"})


def test_a_user_sees_only_their_jobs_and_root_sees_all(
    pf_server: ServerHandle, root: Api, other_user: Callable[[], Api]
) -> None:
    owner, stranger = other_user(), other_user()
    mine = create(owner, command="true", name="owned-by-one")
    theirs = create(stranger, command="true", name="owned-by-other")
    browser = _session(pf_server, owner.user_name, "secret123")
    listing = browser.get(f"{pf_server.url}/ui/jobs", params={"q": "owned-by"}, timeout=30).text
    assert mine in listing and theirs not in listing
    for path in (f"/ui/jobs/{theirs}", f"/ui/jobs/{theirs}/stop"):
        assert browser.get(f"{pf_server.url}{path}", timeout=30).status_code == 404
    as_root = (
        _session(pf_server)
        .get(f"{pf_server.url}/ui/jobs", params={"q": "owned-by"}, timeout=30)
        .text
    )
    assert mine in as_root and theirs in as_root


def test_the_spec_masks_secrets_as_plans_do_and_names_are_escaped(
    pf_server: ServerHandle, root: Api
) -> None:
    job_id = create(
        root,
        command="true",
        name="<script>x</script>",
        env={"DB_PASSWORD": "hunter2-secret", "PLAIN": "visible-value"},
        labels={"note": "<b>bold</b>"},
    )
    browser = _session(pf_server)
    listing = browser.get(f"{pf_server.url}/ui/jobs", params={"q": job_id}, timeout=30).text
    assert "<b>bold</b>" not in listing
    assert '<span class="label">note=&lt;b&gt;bold&lt;/b&gt;</span>' in listing
    page = browser.get(f"{pf_server.url}/ui/jobs/{job_id}", timeout=30).text
    assert "hunter2-secret" not in page
    assert "DB_PASSWORD: (sensitive)" in page
    assert "visible-value" in page
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_signing_out_ends_the_session(pf_server: ServerHandle) -> None:
    browser = _session(pf_server)
    token = _csrf(browser.get(f"{pf_server.url}/ui/", timeout=30).text)
    answer = browser.post(
        f"{pf_server.url}/ui/logout", data={"csrf": token}, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 303
    again = browser.get(f"{pf_server.url}/ui/", allow_redirects=False, timeout=30)
    assert again.status_code == 303 and again.headers["location"].startswith("/ui/login")


def test_the_job_list_pages_through_markers(pf_server: ServerHandle, root: Api) -> None:
    label = uuid.uuid4().hex[:12]
    ids = [create(root, command="true", name="paged", labels={"uipage": label}) for _ in range(52)]
    browser = _session(pf_server)
    first = browser.get(
        f"{pf_server.url}/ui/jobs", params={"labels": f"uipage={label}"}, timeout=30
    ).text
    shown_first = set(re.findall(r'data-job="([^"]+)"', first))
    assert len(shown_first) == 50
    next_link = re.search(r'href="(/ui/jobs\?[^"]*marker=[^"]+)" rel="next"', first)
    assert next_link is not None
    second = browser.get(
        f"{pf_server.url}{next_link.group(1).replace('&amp;', '&')}", timeout=30
    ).text
    shown_second = set(re.findall(r'data-job="([^"]+)"', second))
    assert shown_first | shown_second == set(ids) and not shown_first & shown_second


def test_a_waiting_job_shows_why_it_waits_and_its_events(
    pf_server: ServerHandle, root: Api
) -> None:
    queue = f"ui-wait-{uuid.uuid4().hex[:8]}"
    body = {"name": queue, "namespace": "default", "maxResources": {"cpu": "1", "mem": "1Gi"}}
    assert root.post("/queue", json=body).status_code == 200
    running = create(root, command="sleep 60", schedulingPolicy={"queue": queue})
    waiting = create(root, command="true", schedulingPolicy={"queue": queue})
    try:
        root.wait_status(running, {"running"})
        deadline = time.monotonic() + 30
        # The scheduler's pass after the create writes the reason (the create's own message
        # comes first).
        while not (job := root.wait_status(waiting, {"pending"}))["message"].startswith(
            "Capacity:"
        ):
            assert time.monotonic() < deadline, job["message"]
            time.sleep(0.1)
        page = _session(pf_server).get(f"{pf_server.url}/ui/jobs/{waiting}", timeout=30).text
        reason = re.search(r'id="pending-reason"><strong>Waiting:</strong> ([^<]*)</p>', page)
        assert reason is not None
        assert reason.group(1) == job["message"] != ""
        kinds = re.findall(r'<span class="kind">([a-z-]+)</span>', page)
        assert kinds[0] == "accepted"
        overview = _session(pf_server).get(f"{pf_server.url}/ui/", timeout=30).text
        card = overview.split(f'data-queue="{queue}"', 1)[1].split("</article>", 1)[0]
        cpu = card.split('data-resource="cpu"', 1)[1].split("</div>", 1)[0]
        assert '<span class="used-text">1 / 1</span>' in cpu
        assert '<span class="waiting-text">+1 waiting, over the max</span>' in cpu
        assert "pending 1" in card or "init 1" in card
    finally:
        for job_id in (running, waiting):
            root.put(f"/job/{job_id}", params={"action": "stop"})


def test_the_timeline_draws_waiting_running_and_finished_segments(
    pf_server: ServerHandle, root: Api
) -> None:
    queue = f"ui-line-{uuid.uuid4().hex[:8]}"
    body = {"name": queue, "namespace": "default", "maxResources": {"cpu": "4", "mem": "4Gi"}}
    assert root.post("/queue", json=body).status_code == 200
    done = create(root, command="true", schedulingPolicy={"queue": queue})
    failed = create(root, command="exit 2", schedulingPolicy={"queue": queue})
    live = create(root, command="sleep 60", schedulingPolicy={"queue": queue})
    try:
        root.wait_status(done, FINAL)
        root.wait_status(failed, FINAL)
        root.wait_status(live, {"running"})
        page = (
            _session(pf_server)
            .get(f"{pf_server.url}/ui/timeline", params={"queue": queue}, timeout=30)
            .text
        )
        rows = re.findall(r'aria-label="([^:"]+): ([a-z]+)">(.*?)</svg>', page, re.DOTALL)
        drawn = {job_id: re.findall(r'class="seg ([a-z]+)"', svg) for job_id, _, svg in rows}
        assert drawn[done][-1] == "succeeded"
        assert drawn[failed][-1] == "failed"
        assert drawn[live][-1] == "running"
        assert [job_id for job_id, _, _ in rows] == [live, failed, done]  # newest first
    finally:
        root.put(f"/job/{live}", params={"action": "stop"})


def test_a_queue_shows_its_capacity_only_to_the_users_it_is_granted_to(
    pf_server: ServerHandle, root: Api, other_user: Callable[[], Api]
) -> None:
    user = other_user()
    browser = _session(pf_server, user.user_name, "secret123")

    def card(name: str) -> str | None:
        page = browser.get(f"{pf_server.url}/ui/", timeout=30).text
        if f'data-queue="{name}"' not in page:
            return None
        return page.split(f'data-queue="{name}"', 1)[1].split("</article>", 1)[0]

    assert card("default-queue") is None  # not granted, no job of theirs there
    timeline = browser.get(f"{pf_server.url}/ui/timeline", timeout=30).text
    assert "No queue to show" in timeline
    job_id = create(user, command="true")
    user.wait_status(job_id, FINAL)
    hidden = card("default-queue")
    assert hidden is not None and "not granted to you" in hidden and "bar-row" not in hidden
    assert browser.get(f"{pf_server.url}/ui/timeline", timeout=30).status_code == 200
    grant_queue(root, user.user_name, "default-queue")
    shown = card("default-queue")
    assert shown is not None and 'data-resource="cpu"' in shown
    assert "not granted to you" not in shown
