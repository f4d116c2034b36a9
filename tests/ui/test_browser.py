"""The web view in a real browser (headless Chromium) against a real ``pfctl server``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.helpers.api import FINAL, Api, create
from tests.ui.conftest import Ui


def _stop(api: Api, job_id: str) -> None:
    api.put(f"/job/{job_id}", params={"action": "stop"})


def test_sign_in_shows_the_overview_and_a_wrong_password_does_not(ui: Ui) -> None:
    ui.open("/ui/jobs")
    assert "/ui/login" in ui.driver.current_url
    ui.driver.find_element(By.NAME, "username").send_keys("root")
    ui.driver.find_element(By.NAME, "password").send_keys("not-the-password1")
    ui.driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    assert ui.wait_for(lambda d: ui.text(".error")) == "wrong user name or password"
    ui.sign_in()
    assert ui.text(".who") == "root"


def test_a_queue_bar_changes_when_a_job_starts(ui: Ui, root: Api) -> None:
    queue = f"ui-{uuid.uuid4().hex[:8]}"
    body = {"name": queue, "namespace": "default", "maxResources": {"cpu": "4", "mem": "4Gi"}}
    assert root.post("/queue", json=body).status_code == 200
    ui.sign_in()
    cpu = f'.queue[data-queue="{queue}"] .bar-row[data-resource="cpu"] .used-text'
    assert ui.text(cpu) == "0 / 4"
    job_id = create(root, command="sleep 60", schedulingPolicy={"queue": queue})
    try:
        # No reload: the page's live part follows the queue.
        ui.wait_for(lambda d: ui.text(cpu) == "1 / 4")
        root.wait_status(job_id, {"running"})
    finally:
        _stop(root, job_id)


def test_a_job_page_shows_its_log_lines_as_they_are_written(
    ui: Ui, root: Api, tmp_path: Path
) -> None:
    go = tmp_path / "go"  # the job writes its lines once the page is open
    command = (
        f"echo started; while [ ! -e {go} ]; do sleep 0.1; done; "
        "for i in $(seq 1 12); do echo log-line-$i; sleep 0.2; done; sleep 30"
    )
    job_id = create(root, command=command)
    try:
        root.wait_status(job_id, {"running"})
        ui.sign_in()
        ui.open(f"/ui/jobs/{job_id}")
        log = "pre.log-text"
        ui.wait_for(lambda d: "started" in ui.text(log))
        assert "log-line-1" not in ui.text(log)
        go.touch()
        ui.wait_for(lambda d: "log-line-12" in ui.text(log))
        lines = [line for line in ui.text(log).splitlines() if line.startswith("log-line-")]
        assert lines == [f"log-line-{i}" for i in range(1, 13)]
    finally:
        _stop(root, job_id)


def test_a_job_is_stopped_through_its_button_after_a_confirmation(ui: Ui, root: Api) -> None:
    job_id = create(root, command="sleep 120")
    root.wait_status(job_id, {"running"})
    ui.sign_in()
    ui.open(f"/ui/jobs/{job_id}")
    ui.driver.find_element(By.ID, "stop-button").click()
    ui.wait_for(lambda d: ui.text("h1") == "Stop this job?")
    assert root.job(job_id)["status"] == "running"  # asking is not stopping
    ui.driver.find_element(By.ID, "confirm-stop").click()
    ui.wait_for(lambda d: ui.text("#job-status") in ("terminating", "terminated"))
    assert root.wait_status(job_id, FINAL)["status"] == "terminated"
    ui.wait_for(lambda d: ui.text("#job-status") == "terminated")
    assert not ui.driver.find_elements(By.ID, "stop-button")


def test_another_users_job_is_not_reachable_by_its_url(
    ui: Ui, other_user: Callable[[], Api]
) -> None:
    owner, stranger = other_user(), other_user()
    job_id = create(owner, command="sleep 60", name="owners-job")
    try:
        ui.sign_in(stranger.user_name, "secret123")
        for path in (f"/ui/jobs/{job_id}", f"/ui/jobs/{job_id}/stop"):
            ui.open(path)
            assert ui.text("h1") == "Not found"
            assert job_id not in ui.driver.page_source
        ui.open(f"/ui/jobs?q={job_id}")
        assert ui.text("#job-list tbody") == "No jobs match."
        ui.open(f"/ui/jobs/{job_id}/log?task=worker-0&offset=0")
        assert "owners-job" not in ui.driver.page_source
        assert ui.driver.find_element(By.TAG_NAME, "body").text == "not found"
    finally:
        _stop(owner, job_id)


def test_a_job_named_like_markup_renders_as_text(ui: Ui, root: Api) -> None:
    name = "<img src=x onerror=alert(1)>"
    job_id = create(root, command="echo '<script>alert(2)</script>'; exit 1", name=name)
    root.wait_status(job_id, FINAL)
    ui.sign_in()
    for path in ("/ui/", f"/ui/jobs?q={job_id}", "/ui/timeline", f"/ui/jobs/{job_id}"):
        ui.open(path)
        assert not ui.driver.find_elements(By.CSS_SELECTOR, "main img, main script")
        assert name in ui.driver.find_element(By.TAG_NAME, "main").text
    assert "<script>alert(2)</script>" in ui.text("pre.log-text")  # the job page's log
    # An alert would have blocked the page: the driver would raise on the next command.
    assert ui.driver.execute_script("return document.title").endswith("pfctl server")


def test_pages_break_no_rule_of_their_policy_and_raise_no_script_error(ui: Ui, root: Api) -> None:
    job_id = create(root, command="echo done")
    root.wait_status(job_id, FINAL)
    ui.sign_in()
    ui.driver.get_log("browser")  # drop what came before
    for path in (
        "/ui/",
        "/ui/jobs",
        f"/ui/jobs/{job_id}",
        f"/ui/jobs/{job_id}/stop",
        "/ui/timeline",
    ):
        ui.open(path)
        ui.wait_for(lambda d: d.execute_script("return document.readyState") == "complete")
        problems = [entry["message"] for entry in ui.driver.get_log("browser")]
        assert problems == [], path


def test_pages_fit_a_390_px_phone_and_follow_the_dark_scheme(ui: Ui) -> None:
    ui.sign_in()
    try:
        ui.driver.set_window_size(390, 844)
        for path in ("/ui/", "/ui/jobs", "/ui/timeline"):
            ui.open(path)
            width = ui.driver.execute_script("return document.documentElement.clientWidth")
            scrolled = ui.driver.execute_script("return document.documentElement.scrollWidth")
            assert scrolled <= width, path  # nothing sticks out sideways
        background = "return getComputedStyle(document.body).backgroundColor"
        light = ui.driver.execute_script(background)
        ui.driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
        )
        dark = ui.driver.execute_script(background)
        assert light == "rgb(255, 255, 255)" and dark != light
    finally:
        ui.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        ui.driver.set_window_size(1280, 900)


def test_the_job_list_shows_a_new_job_without_a_reload(ui: Ui, root: Api) -> None:
    name = f"live-{uuid.uuid4().hex[:8]}"
    ui.sign_in()
    ui.open(f"/ui/jobs?q={name}")
    assert ui.text("#job-list tbody") == "No jobs match."
    job_id = create(root, command="echo hi", name=name)
    ui.wait_for(lambda d: d.find_elements(By.CSS_SELECTOR, f'tr[data-job="{job_id}"]'))
    ui.wait_for(lambda d: ui.text(f'tr[data-job="{job_id}"] .status') == "succeeded")
