"""The browser tests' machinery: the real server on the seeds, headless Chromium from the system's
packages driven by Selenium, and axe-core injected into the page (the app never serves it).

Chromium and its driver come from Debian's packages (`apt-get install chromium chromium-driver`, which
`setup.sh` runs when it runs as root and they are missing); nothing is downloaded at run time: Selenium
is given both paths and told to stay offline.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")

# Serves like `recoupe serve ...` (the real app, models and corpus).
SERVE = """
import argparse, sys
from service.cli import serve_cmd
from service.config import load_config
parser = argparse.ArgumentParser()
serve_cmd.register(parser.add_subparsers())
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args, load_config()))
"""


def browser_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) from the system's packages, or None."""
    chromium = next((p for p in CHROMIUM_CANDIDATES if os.access(p, os.X_OK)), None) or shutil.which("chromium")
    driver = next((p for p in DRIVER_CANDIDATES if os.access(p, os.X_OK)), None) or shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


MISSING_BROWSER = ("headless Chromium is not installed: `apt-get install chromium chromium-driver` "
                   "(setup.sh does it when run as root)")
MISSING_AXE = "axe-core is not installed: `npm ci --prefix tests/browser` (setup.sh does it when npm is present)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(data_dir: Path, env_extra: dict | None = None, timeout: float = 600):
    """`recoupe serve` on 127.0.0.1, on a fresh data folder holding the seeds; yields the base URL."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RECOUPE_DATA_DIR": str(data_dir), "RECOUPE_RATE_LIMIT_READS": "",
           "RECOUPE_RATE_LIMIT_WRITES": "", "RECOUPE_RATE_LIMIT_VERIFY": "", **(env_extra or {})}
    argv = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--threads", "4",
            "--ingest-if-empty", str(SEEDS)]
    log = open(data_dir.parent / f"server-{port}.log", "w+")
    proc = subprocess.Popen([sys.executable, "-c", SERVE, *argv], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read()}")
            try:
                with urllib.request.urlopen(f"{base}/v1/health", timeout=5) as r:
                    if json.loads(r.read())["models"]["stance"]:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer /v1/health within {timeout} s")
            time.sleep(0.5)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()


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
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


def axe_violations(driver, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of the current page at these impacts (WCAG 2 A and AA rules, best practices)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done(String(e)));")
    if isinstance(result, str):
        raise RuntimeError(f"axe-core failed: {result}")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result if v["impact"] in impacts]
