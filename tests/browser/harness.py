"""The browser tests' machinery: the real server on the seeds, headless Chromium from the system's
packages driven by Selenium, and axe-core injected into the page (the app never serves it).

Chromium and its driver come from Debian's packages (`apt-get install chromium chromium-driver chromium-l10n`, which
`setup.sh` runs when it runs as root and they are missing); nothing is downloaded at run time: Selenium
is given both paths and told to stay offline.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from tests.servers import NO_RATE_LIMITS, serving

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


def browser_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) from the system's packages, or None."""
    chromium = next((p for p in CHROMIUM_CANDIDATES if os.access(p, os.X_OK)), None) or shutil.which("chromium")
    driver = next((p for p in DRIVER_CANDIDATES if os.access(p, os.X_OK)), None) or shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


MISSING_BROWSER = ("headless Chromium is not installed: `apt-get install chromium chromium-driver chromium-l10n` "
                   "(setup.sh does it when run as root)")
MISSING_AXE = "axe-core is not installed: `npm ci --prefix tests/browser` (setup.sh does it when npm is present)"


@contextmanager
def served(data_dir: Path, env_extra: dict | None = None, timeout: float = 600):
    """`recoupe serve` on 127.0.0.1 (the real app, models and corpus), on a fresh data folder holding the
    seeds; yields the base URL."""
    with serving(data_dir, env={**NO_RATE_LIMITS, **(env_extra or {})}, timeout=timeout) as server:
        yield server.base


def chrome(language: str = "en", width: int = 1280, height: int = 1000, javascript: bool = True):
    """Headless Chromium asking for `language` first (its Accept-Language), JavaScript on or off."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser or a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", f"--lang={language}", "--no-first-run",
                "--disable-extensions", "--disable-background-networking"):
        options.add_argument(arg)
    prefs = {"intl.accept_languages": f"{language},{language[:2]}"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    # On Linux, Chromium takes its own locale (the date fields' jj/mm/aaaa, the file field's words) from
    # LANGUAGE, not from --lang; the language's resources come with Debian's chromium-l10n. LANG is left
    # as it is: a locale the system lacks would make the driver lose the non-ASCII file names it is given.
    env = {**os.environ, "LANGUAGE": language[:2]}
    return webdriver.Chrome(options=options, service=Service(executable_path=driver, env=env))


def axe_violations(driver, impacts=("moderate", "serious", "critical")) -> list[dict]:
    """axe-core's violations of the current page at these impacts (WCAG 2 A and AA rules, best practices).
    Moderate and worse by default: the desk's bar is no violation of moderate or higher on any screen."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done(String(e)));")
    if isinstance(result, str):
        raise RuntimeError(f"axe-core failed: {result}")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result if v["impact"] in impacts]
