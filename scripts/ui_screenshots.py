"""Regenerate the screenshots of docs/ui.md: a real `pfctl server run` on a temporary data
directory, a few jobs in every state, and headless Chromium (as the browser tests drive it).

Run: `.venv/bin/python scripts/ui_screenshots.py` (needs Debian's chromium and chromium-driver:
`bash .ci/browser.sh` as root). Writes docs/images/ui-*.png.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
API = "/api/paddleflow/v1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until(check: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _jobs(api: Any, url: str) -> tuple[str, str]:
    """Demo jobs in every state; the ids of the running one with a log and of a waiting one."""

    def create(name: str, command: str, queue: str = "default-queue", **extra: Any) -> str:
        body = {
            "name": name,
            "image": "python:3.11",
            "flavour": {"name": "flavour1"},
            "schedulingPolicy": {"queue": queue},
            "command": command,
            **extra,
        }
        answer = api.post(f"{url}{API}/job/single", json=body, timeout=30)
        answer.raise_for_status()
        return str(answer.json()["id"])

    queue = {"name": "team-a", "namespace": "default", "maxResources": {"cpu": "2", "mem": "4Gi"}}
    api.post(f"{url}{API}/queue", json=queue, timeout=30).raise_for_status()
    create("prepare-data", "echo downloading; echo 1200 files; echo done")
    create("train-bad-lr", "echo epoch 1 loss=nan; echo 'diverged: loss is nan' >&2; exit 3")
    training = create(
        "train-resnet50",
        'for i in $(seq 1 400); do echo "epoch $i step 100 loss=0.$((900 - i))"; sleep 0.5; done',
        env={"WANDB_API_KEY": "not-shown", "EPOCHS": "400"},
        labels={"team": "a", "model": "resnet50"},
    )
    for n in range(2):
        create(f"sweep-{n}", "sleep 300", queue="team-a")
    waiting = create("sweep-2", "sleep 300", queue="team-a")  # waits: the queue is full
    create("<img src=x onerror=alert(1)>", "echo a name is only text", queue="team-a")
    return training, waiting


#: Jobs of the last hour on default-queue, for the timeline: (name, minutes ago accepted,
#: minutes waited, minutes run, final status).
HISTORY = (
    ("nightly-eval", 58, 0.5, 9, "succeeded"),
    ("train-small", 50, 1, 14, "succeeded"),
    ("train-large", 47, 4, 20, "failed"),
    ("sweep-lr-1", 40, 8, 6, "succeeded"),
    ("sweep-lr-2", 40, 13, 6, "terminated"),
    ("export-onnx", 30, 2, 3, "succeeded"),
    ("train-medium", 22, 6, 12, "succeeded"),
)


def _history(data_dir: Path) -> None:
    """Store the finished jobs of ``HISTORY`` before the server starts (as bench/ seeds jobs)."""
    import dataclasses

    from pfctl.server.jobs.create import build_new_job
    from pfctl.server.store.storage import Store

    store = Store(data_dir)
    body = {
        "image": "python:3.11",
        "flavour": {"name": "flavour1"},
        "schedulingPolicy": {"queue": "default-queue"},
        "command": "true",
    }
    template = build_new_job(store, "single", body, "root")
    jobs = [
        dataclasses.replace(template, id=f"job-history-{n}", name=name)
        for n, (name, *_) in enumerate(HISTORY)
    ]
    store.create_jobs(jobs)
    now = time.time()
    with store.db.write() as conn:
        for n, (_, ago, waited, ran, status) in enumerate(HISTORY):
            accepted = now - ago * 60
            started = accepted + waited * 60
            finished = started + ran * 60
            conn.execute(
                "UPDATE jobs SET status = ?, message = ?, created_at = ?, activated_at = ?, "
                "finished_at = ?, updated_at = ? WHERE id = ?",
                (status, f"job is {status}", accepted, started, finished, finished, jobs[n].id),
            )
    store.close()


def main() -> int:
    import requests
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pfctl-ui-shots-") as tmp_name:
        tmp = Path(tmp_name)
        tmp.chmod(0o711)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "HOME": str(tmp / "home")}
        argv = [sys.executable, "-m", "pfctl", "server", "run", "--port", str(port)]
        argv += ["--data-dir", str(tmp / "data")]
        _history(tmp / "data")
        with (tmp / "server.log").open("wb") as log:
            server = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
            options.add_argument(argument)
        options.add_argument("--hide-scrollbars")
        driver = None
        try:

            def answers() -> bool:
                try:
                    requests.get(f"{url}/ui/login", timeout=2)
                except requests.ConnectionError:
                    return False
                return True

            _wait_until(answers, "the server")
            api = requests.Session()
            token = api.post(
                f"{url}{API}/login", json={"username": "root", "password": "paddleflow"}
            ).json()["authorization"]
            api.headers["x-pf-authorization"] = token
            training, waiting = _jobs(api, url)

            def log_lines() -> bool:
                answer = api.get(
                    f"{url}{API}/log/job",
                    params={"jobID": training, "clusterName": "default-cluster"},
                    timeout=30,
                )
                return json.dumps(answer.json()).count("epoch") >= 8

            _wait_until(log_lines, "the training job's log")
            driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

            def shot(name: str, path: str, width: int = 1280, height: int = 860) -> None:
                driver.set_window_size(width, height)
                driver.get(url + path)
                time.sleep(0.5)
                driver.save_screenshot(str(IMAGES / f"ui-{name}.png"))

            shot("login", "/ui/login", 1280, 600)
            driver.find_element(By.NAME, "username").send_keys("root")
            driver.find_element(By.NAME, "password").send_keys("paddleflow")
            driver.find_element(By.CSS_SELECTOR, "form.login button").click()
            shot("overview", "/ui/")
            shot("jobs", "/ui/jobs")
            shot("job", f"/ui/jobs/{training}", 1280, 1300)
            shot("waiting", f"/ui/jobs/{waiting}", 1280, 760)
            shot("timeline", "/ui/timeline?queue=default-queue", 1280, 720)
            shot("phone", "/ui/", 390, 844)
            driver.execute_cdp_cmd(
                "Emulation.setEmulatedMedia",
                {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
            )
            shot("dark", "/ui/jobs", 1280, 640)
        finally:
            if driver is not None:
                driver.quit()
            server.terminate()
            server.wait(timeout=60)
    print(f"wrote {', '.join(sorted(p.name for p in IMAGES.glob('ui-*.png')))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
