"""Screenshots of the page's main screens, in French and English, by the headless Chromium of the
browser tests, against `recoupe serve` on the seeds. They are the pictures of the README and docs/page.md:

    .venv/bin/python -m tests.browser.screenshots docs/screens

Each is downscaled and reduced to 256 colours (Pillow) so that the folder stays small.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from tests.browser.harness import chrome, served
from tests.servers import REPO

WIDTH = 1100  # CSS pixels of the browser window
SAVED_WIDTH = 880  # pixels of the saved image
CLAIM = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"
BATCH = ("id,claim\n1,Kim Kardashian n'a que 10 millions d'abonnés sur Instagram\n"
         "2,Kim Kardashian will not post on Instagram on Wednesday\n3,La tour Eiffel mesure 330 mètres\n"
         "4,Kim Kardashian a 189 millions d'abonnés sur Instagram\n")


def main(out: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="recoupe-shots-") as tmp, served(Path(tmp) / "data") as base:
        claims = Path(tmp) / "claims.csv"
        claims.write_text(BATCH, encoding="utf-8")
        driver = chrome("en", width=WIDTH, height=900)
        wait = WebDriverWait(driver, 300)
        try:
            driver.get(base + "/")
            driver.find_element(By.ID, "claim").send_keys(CLAIM)
            driver.find_element(By.ID, "check-button").click()
            wait.until(ec.presence_of_element_located((By.ID, "verdict-word")))
            check = driver.current_url
            card = driver.find_element(By.CSS_SELECTOR, "#group-refutes .card a.open-article")
            article = card.get_attribute("href")
            driver.get(base + "/batch")
            driver.find_element(By.ID, "claims-file").send_keys(str(claims))
            driver.find_element(By.ID, "batch-button").click()
            wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#batch-progress[data-status='done']")))
            batch = driver.current_url
            screens = {"home": base + "/?example=1", "check": check, "article": article, "batch": batch,
                       "corpus": base + "/corpus", "history": base + "/checks"}
        finally:
            driver.quit()
        for lang in ("en", "fr"):
            # a browser of that language: the page follows ?lang, the browser's own widgets (date fields)
            # follow its --lang
            driver = chrome(lang, width=WIDTH, height=900)
            try:
                for name, url in screens.items():
                    sep = "&" if "?" in url.split("#")[0] else "?"
                    at, _, frag = url.partition("#")
                    driver.get(f"{at}{sep}lang={lang}" + (f"#{frag}" if frag else ""))
                    time.sleep(0.3)
                    _save(driver, out / f"{name}-{lang}.png")
            finally:
                driver.quit()


def _save(driver, path: Path) -> None:
    raw = path.with_suffix(".raw.png")
    driver.save_screenshot(str(raw))
    with Image.open(raw) as img:
        img = img.convert("RGB")
        img = img.resize((SAVED_WIDTH, round(img.height * SAVED_WIDTH / img.width)), Image.LANCZOS)
        img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    raw.unlink()
    print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {path.stat().st_size // 1024} kB")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens").resolve())
