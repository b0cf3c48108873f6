"""What every browser test file does the same way: start `recoupe serve` on the seeds for a module, open a
Chromium asking for a language, wait for and find elements, call the /v1 API as a script would, and run
axe-core on a screen. The files keep only their own steps."""

from __future__ import annotations

import json
import urllib.request
from contextlib import contextmanager

import pytest

from service.config import Config
from tests.browser.harness import AXE, MISSING_AXE, MISSING_BROWSER, axe_violations, browser_paths, chrome, served
from tests.conftest import need_stance_model

WAIT = 180  # seconds: a check runs the stance model on a loaded machine


@contextmanager
def page_server(data_dir, env_extra: dict | None = None):
    """The served desk for a module's tests, or a skip saying what to install."""
    if browser_paths() is None:
        pytest.skip(MISSING_BROWSER)
    pytest.importorskip("selenium", reason="selenium is not installed: pip install -e '.[test]'")
    need_stance_model(Config())
    with served(data_dir, env_extra=env_extra) as url:
        yield url


@contextmanager
def page_browser(language: str, **options):
    driver = chrome(language, **options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, css: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def find_all(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def call_api(base: str, method: str, path: str, body=None, headers: dict | None = None) -> dict:
    """The /v1 API as any client calls it (no browser: no Origin header, so no cross-site question)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              **(headers or {})})
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        return json.loads(response.read() or b"null")


def assert_axe_clean(driver, screen: str):
    """axe-core finds no violation of moderate impact or worse on the screen the browser shows."""
    if not AXE.is_file():
        pytest.skip(MISSING_AXE)
    violations = axe_violations(driver)
    assert violations == [], f"axe-core on the {screen} screen: {violations}"


def check_claim(driver, base: str, claim: str):
    """Type a claim on the home screen, send it, and wait for its verdict."""
    from selenium.webdriver.common.by import By

    driver.get(base + "/")
    box = driver.find_element(By.ID, "claim")
    box.clear()
    box.send_keys(claim)
    driver.find_element(By.ID, "check-button").click()
    return wait_for(driver, "#verdict-word")
