"""Web view benchmark: time to first byte and full load of the job list with many stored jobs,
and the server's CPU while pages follow running jobs.

Run: `.venv/bin/python bench/ui.py [--stored 10000] [--runs 20] [--pages 5] [--follow-seconds 30]
[--no-write]`

- Page loads: `--stored` jobs are stored straight into the database (as bench/server.py seeds
  them), then each page is fetched `--runs` times by a signed-in HTTP client (time to first byte:
  request sent to the status line and headers received; whole: the body read too) and loaded
  `--runs` times by headless Chromium when it is installed (Navigation Timing: responseStart and
  loadEventEnd, i.e. the HTML, its CSS, script and icon, parsed and laid out).
- Following: `--pages` jobs print a line every 0.1 s; `--pages` clients do what a job page's
  script does (every 2 s the page's live parts, every 1 s each log from its offset) for
  `--follow-seconds`. The server process's CPU time (utime + stime from /proc, its jobs are other
  processes) is measured over the same window with no page open first, then with the pages.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from localserver import Session, running_server, single_job_body
from report import stamp, table, write_section
from server import seed_jobs

LIVE_HEADER = "X-Pfctl-Live"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class Browserless:
    """A signed-in web view client on one keep-alive connection (the session cookie)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = urlencode({"username": "root", "password": "paddleflow"})
        self.connection.request(
            "POST",
            "/ui/login",
            body=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        answer = self.connection.getresponse()
        answer.read()
        cookie = answer.getheader("set-cookie") or ""
        if answer.status != 303 or not cookie:
            raise RuntimeError(f"sign-in failed: {answer.status}")
        self.cookie = cookie.split(";", 1)[0]

    def get(self, path: str, live: bool = False) -> tuple[float, float, bytes]:
        """(time to first byte, whole time, body) of one GET."""
        headers = {"cookie": self.cookie}
        if live:
            headers[LIVE_HEADER] = "1"
        start = time.perf_counter()
        self.connection.request("GET", path, headers=headers)
        answer = self.connection.getresponse()
        first = time.perf_counter() - start
        body = answer.read()
        whole = time.perf_counter() - start
        if answer.status != 200:
            raise RuntimeError(f"GET {path}: {answer.status}")
        return first, whole, body

    def close(self) -> None:
        self.connection.close()


PAGES = {
    "jobs, first page": "/ui/jobs",
    "jobs, status failed (5%)": "/ui/jobs?status=failed",
    "jobs, label shard (1%)": "/ui/jobs?labels=shard%3D7",
    "jobs, text search (0.1%, the oldest: reads every row)": "/ui/jobs?q=seed-00001",
    "jobs, page 100 (marker)": "",  # filled in once the marker is known
    "overview": "/ui/",
    "timeline": "/ui/timeline",
}


def _page_100(client: Browserless) -> str:
    """The URL of the 100th page, by following the pages' own next links."""
    import re

    path = "/ui/jobs"
    for _ in range(99):
        body = client.get(path)[2].decode()
        found = re.search(r'href="(/ui/jobs\?[^"]*)" rel="next"', body)
        if found is None:
            break
        path = found.group(1).replace("&amp;", "&")
    return path


def _browser() -> Any:
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,900")
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _browser_load(driver: Any, url: str, runs: int) -> tuple[float, float]:
    """Median (first byte, load event) in seconds of `runs` loads of `url`."""
    script = (
        "const t = performance.getEntriesByType('navigation')[0];"
        "return [t.responseStart - t.startTime, t.loadEventEnd - t.startTime];"
    )
    firsts, loads = [], []
    driver.get(url)  # warm-up
    for _ in range(runs):
        driver.get(url)
        first, load = driver.execute_script(script)
        firsts.append(first / 1000)
        loads.append(load / 1000)
    return statistics.median(firsts), statistics.median(loads)


def loads_section(tmp: Path, stored: int, runs: int) -> str:
    data_dir = tmp / "loads"
    seed_jobs(data_dir, stored)
    rows = []
    with running_server(data_dir, executor=False) as server:
        client = Browserless(server.port)
        pages = dict(PAGES)
        pages["jobs, page 100 (marker)"] = _page_100(client)
        driver = _browser()
        try:
            if driver is not None:
                driver.get(f"{server.url}/ui/login")
                driver.find_element("name", "username").send_keys("root")
                driver.find_element("name", "password").send_keys("paddleflow")
                driver.find_element("css selector", "form.login button").click()
            for name, path in pages.items():
                client.get(path)  # warm-up
                samples = [client.get(path) for _ in range(runs)]
                first = statistics.median(sample[0] for sample in samples)
                whole = statistics.median(sample[1] for sample in samples)
                size = len(samples[-1][2])
                shown: list[str] = ["n/a (no chromium)", "n/a"]
                if driver is not None:
                    browser_first, browser_load = _browser_load(driver, server.url + path, runs)
                    shown = [_ms(browser_first), _ms(browser_load)]
                rows.append([name, f"{size / 1024:.0f} KiB", _ms(first), _ms(whole), *shown])
        finally:
            client.close()
            if driver is not None:
                driver.quit()
    headers = ["page", "HTML", "first byte", "whole HTML", "browser first byte", "browser load"]
    return (
        f"{stored:,} stored jobs; medians of {runs} runs. HTTP columns: a signed-in client on a "
        "keep-alive connection; browser columns: headless Chromium's Navigation Timing "
        "(load = the page with its CSS, script and icon).\n\n" + table(headers, rows)
    )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _follower(port: int, job_id: str, stop: threading.Event, counts: list[int]) -> None:
    """What a job page's script does: live parts every 2 s, the log from its offset every 1 s."""
    import json

    client = Browserless(port)
    offset, next_live = 0, 0.0
    try:
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_live:
                client.get(f"/ui/jobs/{job_id}", live=True)
                counts[0] += 1
                next_live = now + 2
            answer = json.loads(
                client.get(f"/ui/jobs/{job_id}/log?task=worker-0&offset={offset}")[2]
            )
            offset = answer["nextOffset"]
            counts[0] += 1
            stop.wait(1)
    finally:
        client.close()


def follow_section(tmp: Path, pages: int, seconds: float) -> str:
    command = "i=0; while true; do i=$((i+1)); echo line $i of a busy job; sleep 0.1; done"
    rows = []
    with running_server(tmp / "follow", executor=True) as server:
        api = Session(server.url)
        ids = []
        for n in range(pages):
            body = single_job_body(f"follow-{n}", {}, command)
            ids.append(api.call("POST", "/job/single", body)["id"])
        deadline = time.monotonic() + 60
        while any(api.call("GET", f"/job/{i}")["status"] != "running" for i in ids):
            if time.monotonic() > deadline:
                raise RuntimeError("the jobs did not start")
            time.sleep(0.2)
        pid = server.process.pid
        before = _cpu_seconds(pid)
        time.sleep(seconds)
        idle = (_cpu_seconds(pid) - before) / seconds
        rows.append([f"{pages} running jobs, no page open", f"{idle * 100:.1f}%", "0"])
        stop, counts = threading.Event(), [0]
        threads = [
            threading.Thread(target=_follower, args=(server.port, job_id, stop, counts))
            for job_id in ids
        ]
        before = _cpu_seconds(pid)
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        busy = (_cpu_seconds(pid) - before) / seconds
        stop.set()
        for thread in threads:
            thread.join()
        rows.append(
            [f"{pages} pages following them", f"{busy * 100:.1f}%", f"{counts[0] / seconds:.1f}"]
        )
        for job_id in ids:
            api.call("PUT", f"/job/{job_id}", params={"action": "stop"})
        api.close()
    headers = ["case", "server CPU (one core = 100%)", "page requests per second"]
    return f"Over {seconds:g} s each; every job prints 10 lines a second.\n\n" + table(
        headers, rows
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, default=10_000, help="jobs stored for the pages")
    parser.add_argument("--runs", type=int, default=20, help="loads per page (median)")
    parser.add_argument("--pages", type=int, default=5, help="pages following running jobs")
    parser.add_argument("--follow-seconds", type=float, default=30)
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pfbench-ui-") as tmp_name:
        tmp = Path(tmp_name)
        parts = [
            ("Page loads", loads_section(tmp, opts.stored, opts.runs)),
            ("Following running jobs", follow_section(tmp, opts.pages, opts.follow_seconds)),
        ]
    command = (
        f"python bench/ui.py --stored {opts.stored} --runs {opts.runs} --pages {opts.pages} "
        f"--follow-seconds {opts.follow_seconds:g}"
    )
    body = stamp(command) + "".join(f"\n### {title}\n\n{text}" for title, text in parts)
    print(body)
    if not opts.no_write:
        write_section("ui", "Web view", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
