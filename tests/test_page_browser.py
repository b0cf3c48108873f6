"""The fact-checker's page in a real browser: headless Chromium (the system's package) driven by Selenium,
against `recoupe serve` on the seeds with the real models. axe-core checks each screen (no violation of moderate impact or worse).

Skips, saying what to install, when Chromium, its driver or axe-core is missing.
"""

from __future__ import annotations

import pytest

from tests.browser.harness import chrome
from tests.browser.steps import WAIT, assert_axe_clean, check_claim, find_all, page_browser, page_server, wait_for

pytestmark = pytest.mark.slow
REFUTED = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"  # refuted by the number check
VERDICT_WORDS_EN = {"Supported", "Refuted", "Conflicting sources", "Not enough evidence"}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with page_server(tmp_path_factory.mktemp("page") / "data") as url:
        yield url


@pytest.fixture
def browser(base):
    with page_browser("en") as driver:
        yield driver


# ---------------------------------------------------------------- check a claim, open the article


def test_check_a_claim_shows_the_verdict_groups_and_sources(browser, base):
    verdict = check_claim(browser, base, REFUTED)
    assert verdict.text.strip() == "Refuted"
    assert "calibrated confidence" in find_all(browser, "#confidence")[0].text
    assert find_all(browser, "#explanation li"), "the explanation is shown"
    titles = [h.text for h in find_all(browser, ".group h2")]
    assert [t.split(" (")[0] for t in titles] == ["Supports", "Refutes", "Does not decide"]
    assert all(t.endswith(")") for t in titles), "each group says its count"
    refuting = find_all(browser, "#group-refutes .card")
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
    if not find_all(browser, "#group-supports .card"):
        assert "No supporting passage among" in find_all(browser, "#group-supports .empty")[0].text
    assert_axe_clean(browser, "check")


def test_open_the_article_highlights_the_passage_at_its_offsets(browser, base):
    check_claim(browser, base, REFUTED)
    card = find_all(browser, "#group-refutes .card")[0]
    passage = card.find_element("css selector", ".passage mark").text.strip()
    card.find_element("css selector", "a.open-article").click()
    mark = wait_for(browser, "mark#passage")
    assert mark.text.strip() == passage
    assert browser.current_url.split("#")[0].split("?")[0].startswith(base + "/articles/")
    assert_axe_clean(browser, "article")


def test_french_by_default_for_a_french_browser_and_the_switch(base):
    from selenium.webdriver.common.by import By

    driver = chrome("fr-FR")
    try:
        driver.get(base + "/")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
        assert driver.find_element(By.TAG_NAME, "h1").text == "Vérifier une affirmation"
        assert_axe_clean(driver, "home (French)")
        driver.find_element(By.ID, "lang-switch").click()
        wait_for(driver, "html[lang='en']")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Check a claim"
        driver.get(base + "/checks")  # the choice is remembered
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        driver.find_element(By.ID, "lang-switch").click()
        wait_for(driver, "html[lang='fr']")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Vérifications passées"
    finally:
        driver.quit()


def test_a_claim_is_checked_with_javascript_off(base):
    driver = chrome("en", javascript=False)
    try:
        assert check_claim(driver, base, REFUTED).text.strip() == "Refuted"
        assert find_all(driver, "#group-refutes .card .sources li")
        # the review bar is a plain form: reviewing needs no script either (tests/test_page_review_bar.py)
        assert driver.find_element("id", "review-bar").get_attribute("method") == "post"
    finally:
        driver.quit()


def test_each_screen_has_no_moderate_or_worse_accessibility_violation(browser, base):
    browser.get(base + "/")
    assert_axe_clean(browser, "home")
    browser.get(base + "/checks")
    assert_axe_clean(browser, "history")
    browser.get(base + "/checks/no-such-check")
    wait_for(browser, "#error-message")
    assert_axe_clean(browser, "error")
    browser.get(base + "/no-such-screen")  # an unknown address: the page's own error screen
    wait_for(browser, "#error-message")
    assert_axe_clean(browser, "not found")
    browser.get(base + "/v1/docs")
    wait_for(browser, "#paths .op")
    assert_axe_clean(browser, "API documentation")


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

    def outline(element):
        return browser.execute_script("const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];",
                                      element)

    browser.get(base + "/")
    skip = tab_to(lambda e: e.get_attribute("class") == "skip", limit=1)  # the first Tab: "skip to the content"
    assert skip.is_displayed()
    tab_to(lambda e: e.get_attribute("id") == "claim")
    press(REFUTED)
    button = tab_to(lambda e: e.get_attribute("id") == "check-button")
    assert outline(button)[0] == "solid" and outline(button)[1] != "0px", "the focus is visible"
    press(Keys.ENTER)
    wait_for(browser, "#verdict-word")
    press("j")  # the first evidence card
    assert focused().get_attribute("class").startswith("card")
    assert outline(focused())[0] == "solid"
    tab_to(lambda e: "open-article" in (e.get_attribute("class") or ""))
    press(Keys.ENTER)
    assert wait_for(browser, "mark#passage").text.strip()


# ---------------------------------------------------------------- review


def _keys_to_card(driver, css: str, limit: int = 60):
    """Move with j from the top of the page until the focused card matches `css` (keyboard only)."""
    from selenium.webdriver.common.action_chains import ActionChains

    driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    for _ in range(limit):
        ActionChains(driver).send_keys("j").perform()
        if driver.execute_script("return document.activeElement.matches(arguments[0])", css):
            return driver.switch_to.active_element
    raise AssertionError(f"j never reached a card matching {css}")


def _press_and_wait_reload(driver, key: str):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    before = driver.find_element(By.TAG_NAME, "html")
    ActionChains(driver).send_keys(key).perform()
    WebDriverWait(driver, WAIT).until(_replaced(before))  # the page reloaded with the new verdict
    wait_for(driver, "#verdict-word")


def _replaced(element):
    """A wait condition: `element`'s document has been replaced. Chromium answers a query on an
    element of a document being torn down with "Node with given id does not belong to the
    document" instead of a stale-element error; both mean the reload has happened."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def gone(_driver):
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in (exc.msg or ""):
                return True
            raise
        return False
    return gone


def test_reviewing_recomputes_the_verdict(browser, base):
    from selenium.webdriver.common.by import By

    check_claim(browser, base, REFUTED)
    check_url = browser.current_url
    assert find_all(browser, "#verdict-word")[0].text.strip() == "Refuted"
    browser.find_element(By.ID, "reviewer").send_keys("Ana Test")
    # Reject every refuting passage with the keyboard: no refutation is left, so the verdict cannot stay "refuted".
    rejected = 0
    while find_all(browser, "#group-refutes .card"):
        _keys_to_card(browser, "#group-refutes .card")
        _press_and_wait_reload(browser, "x")
        assert find_all(browser, "#after-review")
        rejected += 1
        assert rejected < 20
    assert rejected >= 1
    assert find_all(browser, "#verdict-word")[0].text.strip() in VERDICT_WORDS_EN - {"Refuted"}
    assert "the models alone said: Refuted" in find_all(browser, "#after-review")[0].text
    assert any("Reviewed by Ana Test" in s.text for s in find_all(browser, ".review-state"))
    # the permalink reopens the reviewed check; undo (u) on each reviewed card brings the refutation back
    browser.get(check_url)
    assert find_all(browser, "#after-review")
    assert_axe_clean(browser, "reviewed check")
    for _ in range(rejected):
        _keys_to_card(browser, ".card:has(.review-state)")
        _press_and_wait_reload(browser, "u")
    assert find_all(browser, "#verdict-word")[0].text.strip() == "Refuted"
    assert not find_all(browser, "#after-review")


# ---------------------------------------------------------------- corpus and batch screens


def test_upload_and_delete_an_article(browser, base, tmp_path):
    from selenium.webdriver.common.by import By

    title = "Le pont de la Guillotière rouvre"
    path = tmp_path / "pont-guillotiere.txt"
    path.write_text(f"{title}\nLe pont de la Guillotière a rouvert lundi après huit mois de travaux, a annoncé "
                    "la mairie de Lyon.\n", encoding="utf-8")
    browser.get(base + "/corpus")
    assert_axe_clean(browser, "corpus")
    browser.find_element(By.ID, "files").send_keys(str(path))
    browser.find_element(By.ID, "upload-button").click()
    summary = wait_for(browser, "#upload-summary")
    assert "1 article added" in summary.text
    row = next(r for r in find_all(browser, "#articles-table tbody tr") if title in r.text)
    assert "FR" in row.text
    row.find_element(By.CSS_SELECTOR, "a.delete").click()
    wait_for(browser, "#delete-form")
    assert find_all(browser, "#cited-none"), "no saved check cited the new article"
    assert_axe_clean(browser, "delete")
    browser.find_element(By.ID, "delete-button").click()
    wait_for(browser, "#deleted")
    assert all(title not in r.text for r in find_all(browser, "#articles-table tbody tr"))


def test_retract_an_article_and_the_check_that_cited_it_says_so(browser, base, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "tramway.txt"
    path.write_text("Le tramway T9 entre en service\nLe tramway T9 a transporté ses premiers voyageurs samedi entre "
                    "Paris et Orly-Ville, a annoncé la région.\n", encoding="utf-8")
    browser.get(base + "/corpus")
    browser.find_element(By.ID, "files").send_keys(str(path))
    browser.find_element(By.ID, "upload-button").click()
    assert "1 article added" in wait_for(browser, "#upload-summary").text
    check_claim(browser, base, "Le tramway T9 a transporté ses premiers voyageurs samedi")
    check_url = browser.current_url
    browser.get(base + "/corpus")
    row = next(r for r in find_all(browser, "#articles-table tbody tr") if "tramway T9" in r.text)
    row.find_element(By.CSS_SELECTOR, "a.delete").click()
    wait_for(browser, "#retract-form")
    assert check_url.split("/checks/")[1] in browser.find_element(By.ID, "cited-list").get_attribute("innerHTML")
    browser.find_element(By.ID, "retract-reason").send_keys("mauvaise date de mise en service")
    browser.find_element(By.ID, "retract-button").click()
    wait_for(browser, "#retracted")
    browser.get(check_url)
    notice = wait_for(browser, "#retracted-sources")
    assert "mauvaise date de mise en service" in notice.text and "Le tramway T9 entre en service" in notice.text
    assert_axe_clean(browser, "check with a retracted source")


def test_upload_a_batch_watch_it_and_triage_it(browser, base, tmp_path):
    import urllib.request

    from selenium.webdriver.common.by import By

    path = tmp_path / "claims.csv"
    path.write_text("id,claim\nc1," + REFUTED + "\nc2,\nc3,La tour Eiffel mesure 330 mètres\n", encoding="utf-8")
    browser.get(base + "/batch")
    assert_axe_clean(browser, "batch upload")
    browser.find_element(By.ID, "claims-file").send_keys(str(path))
    browser.find_element(By.ID, "batch-button").click()
    wait_for(browser, "#batch-progress")
    # the page polls the progress and reloads itself when the batch is finished
    wait_for(browser, "#batch-progress[data-status='done']")
    assert "2 of 2 claims checked" in browser.find_element(By.ID, "batch-count").text
    assert "1 row could not be read" in browser.find_element(By.ID, "batch-progress").text
    # the verdict by its class: a file with an id column shows it beside the line (its own column)
    verdicts = [span.text for span in find_all(browser, "#triage-table tbody .verdict-word")]
    assert len(verdicts) == 2 and "Refuted" in verdicts
    assert_axe_clean(browser, "batch triage")
    # filter by verdict, then open the row's check
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, "triage-verdict")).select_by_value("refuted")
    browser.find_element(By.CSS_SELECTOR, "form.history-filter button").click()
    wait_for(browser, "#triage-verdict option[value='refuted'][selected]")
    rows = find_all(browser, "#triage-table tbody tr")
    assert len(rows) == 1 and REFUTED in rows[0].text
    assert_axe_clean(browser, "batch triage filtered")
    csv_url = next(a.get_attribute("href") for a in find_all(browser, ".downloads a")
                   if a.get_attribute("href").endswith("/csv"))
    with urllib.request.urlopen(csv_url, timeout=60) as response:
        csv = response.read().decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("id,line,claim,verdict") and "c1,2," in csv
    rows[0].find_element(By.TAG_NAME, "a").click()
    assert wait_for(browser, "#verdict-word").text.strip() == "Refuted"
