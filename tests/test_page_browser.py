"""The fact-checker's page in a real browser: headless Chromium (the system's package) driven by Selenium,
against `recoupe serve` on the seeds with the real models. axe-core checks each screen.

Skips, saying what to install, when Chromium, its driver or axe-core is missing.
"""

from __future__ import annotations

import pytest

from service.config import Config
from tests.browser.harness import AXE, MISSING_AXE, MISSING_BROWSER, axe_violations, browser_paths, chrome, served
from tests.conftest import need_stance_model

pytestmark = pytest.mark.slow
REFUTED = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"  # refuted by the number check
VERDICT_WORDS_EN = {"Supported", "Refuted", "Conflicting sources", "Not enough evidence"}
WAIT = 180  # seconds: a check runs the stance model on a loaded machine


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    if browser_paths() is None:
        pytest.skip(MISSING_BROWSER)
    pytest.importorskip("selenium", reason="selenium is not installed: pip install -e '.[test]'")
    need_stance_model(Config())
    with served(tmp_path_factory.mktemp("page") / "data") as url:
        yield url


@pytest.fixture
def browser(base):
    driver = chrome("en")
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def _wait(driver, css: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _check(driver, base: str, claim: str):
    from selenium.webdriver.common.by import By

    driver.get(base + "/")
    box = driver.find_element(By.ID, "claim")
    box.clear()
    box.send_keys(claim)
    driver.find_element(By.ID, "check-button").click()
    return _wait(driver, "#verdict-word")


def _css(driver, css: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def _no_serious_violation(driver, screen: str):
    if not AXE.is_file():
        pytest.skip(MISSING_AXE)
    violations = axe_violations(driver)
    assert violations == [], f"axe-core on the {screen} screen: {violations}"


# ---------------------------------------------------------------- check a claim, open the article


def test_check_a_claim_shows_the_verdict_groups_and_sources(browser, base):
    verdict = _check(browser, base, REFUTED)
    assert verdict.text.strip() == "Refuted"
    assert "calibrated confidence" in _css(browser, "#confidence")[0].text
    assert _css(browser, "#explanation li"), "the explanation is shown"
    titles = [h.text for h in _css(browser, ".group h2")]
    assert [t.split(" (")[0] for t in titles] == ["Supports", "Refutes", "Does not decide"]
    assert all(t.endswith(")") for t in titles), "each group says its count"
    refuting = _css(browser, "#group-refutes .card")
    assert refuting, "the refuting passages are listed"
    card = refuting[0]
    # the number check with both values, the stance in words with its probabilities, and a source
    cells = [td.text for td in card.find_elements("css selector", "table.findings td")]
    assert "10 millions" in cells and "conflict" in cells
    assert "stance model: supports" in card.find_element("css selector", ".stance-line").text
    source = card.find_element("css selector", ".sources li")
    assert source.find_element("css selector", ".title").text.strip()
    assert source.find_element("css selector", ".badge").text in {"FR", "EN"}
    # an empty group says so in words
    if not _css(browser, "#group-supports .card"):
        assert "No supporting passage among" in _css(browser, "#group-supports .empty")[0].text
    _no_serious_violation(browser, "check")


def test_open_the_article_highlights_the_passage_at_its_offsets(browser, base):
    _check(browser, base, REFUTED)
    card = _css(browser, "#group-refutes .card")[0]
    passage = card.find_element("css selector", ".passage mark").text.strip()
    card.find_element("css selector", "a.open-article").click()
    mark = _wait(browser, "mark#passage")
    assert mark.text.strip() == passage
    assert browser.current_url.split("#")[0].split("?")[0].startswith(base + "/articles/")
    _no_serious_violation(browser, "article")


def test_french_by_default_for_a_french_browser_and_the_switch(base):
    from selenium.webdriver.common.by import By

    driver = chrome("fr-FR")
    try:
        driver.get(base + "/")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
        assert driver.find_element(By.TAG_NAME, "h1").text == "Vérifier une affirmation"
        _no_serious_violation(driver, "home (French)")
        driver.find_element(By.ID, "lang-switch").click()
        _wait(driver, "html[lang='en']")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Check a claim"
        driver.get(base + "/checks")  # the choice is remembered
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        driver.find_element(By.ID, "lang-switch").click()
        _wait(driver, "html[lang='fr']")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Vérifications passées"
    finally:
        driver.quit()


def test_each_screen_has_no_serious_accessibility_violation(browser, base):
    browser.get(base + "/")
    _no_serious_violation(browser, "home")
    browser.get(base + "/checks")
    _no_serious_violation(browser, "history")
    browser.get(base + "/checks/no-such-check")
    _wait(browser, "#error-message")
    _no_serious_violation(browser, "error")


def test_a_whole_check_with_the_keyboard_alone(browser, base):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def press(*keys):
        ActionChains(browser).send_keys(*keys).perform()

    def focused():
        return browser.switch_to.active_element

    def tab_to(predicate, limit=60):
        for _ in range(limit):
            press(Keys.TAB)
            if predicate(focused()):
                return focused()
        raise AssertionError("Tab never reached the element")

    browser.get(base + "/")
    tab_to(lambda e: e.get_attribute("id") == "claim")
    press(REFUTED)
    tab_to(lambda e: e.get_attribute("id") == "check-button")
    press(Keys.ENTER)
    _wait(browser, "#verdict-word")
    press("j")  # the first evidence card
    assert focused().get_attribute("class").startswith("card")
    tab_to(lambda e: "open-article" in (e.get_attribute("class") or ""))
    press(Keys.ENTER)
    assert _wait(browser, "mark#passage").text.strip()


# ---------------------------------------------------------------- review


def test_reviewing_recomputes_the_verdict(browser, base):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _check(browser, base, REFUTED)
    check_url = browser.current_url
    assert _css(browser, "#verdict-word")[0].text.strip() == "Refuted"
    browser.find_element(By.ID, "reviewer").send_keys("Ana Test")
    rejected = 0
    # Reject every refuting passage with the keyboard: no refutation is left, so the verdict cannot stay "refuted".
    while cards := _css(browser, "#group-refutes .card"):
        cards[0].click()  # focus the card (a click on its text, not on a control)
        before = browser.find_element(By.TAG_NAME, "html")
        ActionChains(browser).send_keys("x").perform()
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(browser, WAIT).until(ec.staleness_of(before))  # the page reloaded with the new verdict
        _wait(browser, "#after-review")
        rejected += 1
        assert rejected < 20
    assert _css(browser, "#verdict-word")[0].text.strip() in VERDICT_WORDS_EN - {"Refuted"}
    assert "the models alone said: Refuted" in _css(browser, "#after-review")[0].text
    assert "Reviewed by Ana Test" in _css(browser, ".review-state")[0].text or \
        any("Reviewed by Ana Test" in s.text for s in _css(browser, ".review-state"))
    # the permalink reopens the reviewed check; undo (u) brings the refutation back
    browser.get(check_url)
    assert _css(browser, "#after-review")
    _no_serious_violation(browser, "reviewed check")
    for _ in range(rejected):
        card = next(c for c in _css(browser, ".card") if c.find_elements(By.CSS_SELECTOR, "button[data-action=undo]"))
        card.click()
        before = browser.find_element(By.TAG_NAME, "html")
        ActionChains(browser).send_keys("u").perform()
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(browser, WAIT).until(ec.staleness_of(before))
        _wait(browser, "#verdict-word")
    assert _css(browser, "#verdict-word")[0].text.strip() == "Refuted"
    assert not _css(browser, "#after-review")
