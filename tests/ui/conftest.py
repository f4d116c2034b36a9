"""The web view's tests: a real ``pfctl server`` (the session's ``pf_server``) and, for the
browser tests, one headless Debian Chromium for the whole session driven by Selenium through
Debian's chromium-driver (docs/ui.md says why).

- ``browser`` (session): the WebDriver; skipped with the install command when Chromium or its
  driver is missing, and a failure instead when ``CI=true`` (CI must run these tests).
- ``ui``: the browser bound to ``pf_server``: ``sign_in(user, password)``, ``open(path)``,
  ``wait_for(condition)``; cookies are cleared before each test.
- ``root``: the API as root on ``pf_server``; ``other_user()``: a fresh user's ``Api``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers.api import Api, login
from tests.helpers.server import ServerHandle

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL_HINT = (
    "the browser tests need Debian's chromium and chromium-driver: "
    "run `sudo bash .ci/browser.sh` (apt-get install chromium chromium-driver)"
)
#: Seconds a browser test waits for the page to show what it expects.
WAIT_SECONDS = 60


def _find(path: str, name: str) -> str | None:
    return path if os.access(path, os.X_OK) else shutil.which(name)


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the session."""
    chromium, driver = _find(CHROMIUM, "chromium"), _find(CHROMEDRIVER, "chromedriver")
    if chromium is None or driver is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP reports, script errors
    # The driver path is given, so Selenium Manager never looks for (or downloads) a driver.
    driver_session = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield driver_session
    finally:
        driver_session.quit()


class Ui:
    """The browser on one server."""

    def __init__(self, driver: WebDriver, server: ServerHandle) -> None:
        self.driver = driver
        self.server = server

    def open(self, path: str) -> None:
        """Load ``path`` (below the server's URL)."""
        self.driver.get(f"{self.server.url}{path}")

    def sign_in(self, user: str = "root", password: str = "paddleflow") -> None:
        """Sign in through the form and wait for the overview."""
        from selenium.webdriver.common.by import By

        self.open("/ui/login")
        self.driver.find_element(By.NAME, "username").send_keys(user)
        self.driver.find_element(By.NAME, "password").send_keys(password)
        self.driver.find_element(By.CSS_SELECTOR, "form.login button").click()
        self.wait_for(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Overview")

    def wait_for(self, condition: Callable[[WebDriver], Any]) -> Any:
        """Wait until ``condition(driver)`` is truthy (missing elements count as not yet)."""
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        # Any driver error counts as "not yet": an element missing or gone while the page
        # changes, and Chromium's "unhandled inspector error" when an element is read while
        # a navigation replaces its document. The condition must still come true in time.
        waiting = WebDriverWait(
            self.driver, WAIT_SECONDS, poll_frequency=0.1, ignored_exceptions=(WebDriverException,)
        )
        try:
            return waiting.until(condition)
        except TimeoutException:
            shown = self.driver.execute_script(
                "return document.body ? document.body.innerText : ''"
            )
            raise AssertionError(
                f"waited {WAIT_SECONDS} s in vain on {self.driver.current_url}; the page shows:\n"
                f"{str(shown)[:3000]}"
            ) from None

    def text(self, css: str) -> str:
        """The visible text of the first element matching ``css``."""
        from selenium.webdriver.common.by import By

        return str(self.driver.find_element(By.CSS_SELECTOR, css).text)


@pytest.fixture
def ui(browser: WebDriver, pf_server: ServerHandle) -> Ui:
    """The session's browser on the session's server, signed out."""
    browser.delete_all_cookies()
    browser.get("about:blank")
    return Ui(browser, pf_server)


@pytest.fixture(scope="session")
def root(pf_server: ServerHandle) -> Api:
    """The API as root on the session's server."""
    return login(pf_server.url)


@pytest.fixture
def other_user(root: Api) -> Callable[[], Api]:
    """``make()``: a fresh user (password ``secret123``) logged in to the API."""

    def make() -> Api:
        name = f"ui{uuid.uuid4().hex[:8]}"
        response = root.post("/user", json={"username": name, "password": "secret123"})
        assert response.status_code == 200, response.text
        return login(root.base_url, name, "secret123")

    return make
