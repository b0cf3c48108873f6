"""The desk as a newsroom tool, in a real browser (headless Chromium, Selenium, axe-core), against `recoupe serve`
on the seeds with an API key: the compact check page (one review bar for the selected evidence card, with and
without JavaScript), the API key typed once per browser session (unlock / lock), the terms explained, the
corpus screen at 1280 px and the API documentation's landmarks and navigation.

Skips, saying what to install, when Chromium, its driver or axe-core is missing.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.browser.harness import chrome
from tests.browser.steps import WAIT, assert_axe_clean, check_claim, find_all, page_browser, page_server, wait_for

pytestmark = pytest.mark.slow
KEY = "desk-test-key-5b1f"
REFUTED = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"
# Measured on this claim (top k 10, 10 cards) before the review bar, when every card held a review form: the
# page 7,689 px high at 1280 px wide, a card 606 px high on average, 7 Tab stops per card (the card itself,
# its article link, a note, three buttons and a stance menu).
HEIGHT_BEFORE = 7689
CARD_HEIGHT_BEFORE = 606


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with page_server(tmp_path_factory.mktemp("desk") / "data", env_extra={"RECOUPE_API_KEY": KEY}) as url:
        yield url


@pytest.fixture
def browser(base):
    with page_browser("en", width=1280, height=1000) as driver:
        yield driver


def _unlock(driver, base: str, key: str = KEY):
    from selenium.webdriver.common.by import By

    driver.get(base + "/unlock")
    driver.find_element(By.ID, "unlock-key").send_keys(key)
    driver.find_element(By.ID, "unlock-button").click()


def _tab_stops_per_card(driver) -> list[int]:
    """Press Tab from the top of the page to its end and count, for each evidence card, the stops inside it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    cards = len(find_all(driver, ".card[data-item]"))
    counts = [0] * cards
    for _ in range(400):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        where = driver.execute_script(  # each stop is marked when visited: a marked one means Tab went round
            "const a = document.activeElement; if (!a || a === document.body || a.dataset.tabStop) return null;"
            "a.dataset.tabStop = '1'; const c = a.closest('.card[data-item]');"
            "return c ? Array.from(document.querySelectorAll('.card[data-item]')).indexOf(c) : -1;")
        if where is None:
            break  # back at the top: every stop was visited
        if where >= 0:
            counts[where] += 1
    return counts


# ---------------------------------------------------------------- the compact check page


def test_the_check_page_is_compact_with_one_review_bar(browser, base):
    check_claim(browser, base, REFUTED)
    cards = find_all(browser, ".card[data-item]")
    assert len(cards) >= 5
    height = browser.execute_script("return document.documentElement.scrollHeight")
    card_height = sum(c.size["height"] for c in cards) / len(cards)
    sources = [len(c.find_elements("css selector", ".sources > li")) for c in cards]
    stops = _tab_stops_per_card(browser)
    print(f"check page: {len(cards)} cards, {height} px high at 1280 px wide, a card {card_height:.0f} px on "
          f"average, Tab stops per card {stops} (sources per card {sources})")
    # a card's stops are its sources' own (open the article, its citation): the review adds none
    assert all(n <= 2 * k for n, k in zip(stops, sources)), f"Tab stops per card: {stops}, sources {sources}"
    assert max(stops) <= 2 or max(sources) > 1
    assert card_height < 0.8 * CARD_HEIGHT_BEFORE, f"a card is {card_height:.0f} px high (was {CARD_HEIGHT_BEFORE})"
    assert height < HEIGHT_BEFORE, f"the page is {height} px high (was {HEIGHT_BEFORE})"
    assert len(find_all(browser, "form#review-bar")) == 1 and not find_all(browser, ".card .note, .card [data-action]")
    assert_axe_clean(browser, "check")


def test_review_from_the_bar_with_the_keyboard_after_unlocking_once(browser, base):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _unlock(browser, base)
    check_claim(browser, base, REFUTED)
    assert not find_all(browser, "#review-bar input[name=api_key]"), "an unlocked browser is not asked the key"
    browser.find_element(By.ID, "reviewer").send_keys("Ana Test")
    browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    for _ in range(40):  # j moves from card to card; the bar follows the focused card
        ActionChains(browser).send_keys("j").perform()
        if browser.execute_script("return document.activeElement.matches('#group-refutes .card')"):
            break
    card = browser.switch_to.active_element
    item = card.get_attribute("data-item")
    assert Select(browser.find_element(By.ID, "review-item")).first_selected_option.get_attribute("value") == item
    ActionChains(browser).send_keys("x").perform()  # reject it from the bar
    answered = wait_for(browser, "#after-review, #review-error")
    assert answered.get_attribute("id") == "after-review", answered.text
    reviewed = answered
    assert "the models alone said: Refuted" in reviewed.text
    assert browser.switch_to.active_element.get_attribute("data-item") == item, "back on the reviewed card"
    assert "Reviewed by Ana Test" in browser.find_element(By.ID, f"e{item}-state").text
    assert "Review saved" in browser.find_element(By.ID, "review-status").text
    assert browser.find_element(By.ID, "reviewer").get_attribute("value") == "Ana Test", "the name is remembered"
    assert_axe_clean(browser, "reviewed check")
    ActionChains(browser).send_keys("u").perform()  # undo it: the models' verdict again
    WebDriverWaitGone(browser, "#after-review")
    assert browser.find_element(By.ID, "verdict-word").text.strip() == "Refuted"


def WebDriverWaitGone(driver, css: str):  # noqa: N802  (reads as the wait it is)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(lambda d: not d.find_elements("css selector", css)
                                      and d.find_elements("css selector", "#verdict-word"))


def test_review_without_javascript_from_the_bar(base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = chrome("en", javascript=False)
    try:
        check_claim(driver, base, REFUTED)
        card = find_all(driver, "#group-refutes .card")[0]
        item = card.get_attribute("data-item")
        Select(driver.find_element(By.ID, "review-item")).select_by_value(item)  # the passage, in the bar
        driver.find_element(By.ID, "reviewer").send_keys("Ben Test")
        driver.find_element(By.ID, "review-note").send_keys("not about her followers")
        bar_key = driver.find_element(By.CSS_SELECTOR, "#review-bar input[name=api_key]")  # still locked
        bar_key.send_keys(KEY)
        driver.find_element(By.CSS_SELECTOR, "#review-bar button[value=reject]").click()
        assert "the models alone said: Refuted" in wait_for(driver, "#after-review").text
        assert "not about her followers" in driver.find_element(By.ID, f"e{item}-state").text
        assert Select(driver.find_element(By.ID, "review-item")).first_selected_option.get_attribute("value") == item
        assert not find_all(driver, "#review-bar input[name=api_key]"), "the key typed in the bar unlocked the browser"
        driver.find_element(By.CSS_SELECTOR, "#review-bar button[value=undo]").click()
        wait_for(driver, "#verdict-word")
        assert not find_all(driver, "#after-review")
    finally:
        driver.quit()


def test_the_terms_are_explained_in_plain_words(browser, base):
    from selenium.webdriver.common.by import By

    browser.get(base + "/?lang=fr")
    help_id = browser.find_element(By.ID, "top_k").get_attribute("aria-describedby")
    assert help_id and "passages" in browser.find_element(By.ID, help_id).get_attribute("textContent")
    browser.get(base + "/?lang=en")  # the language chosen is remembered: back to English
    check_claim(browser, base, REFUTED)
    terms = browser.find_element(By.ID, "terms")
    terms.find_element(By.TAG_NAME, "summary").click()
    text = terms.text
    for term in ("top k", "Bears on the claim", "Strength"):
        assert term in text, f"{term!r} is explained"
    browser.get(browser.current_url.split("?")[0] + "?lang=fr")
    terms = browser.find_element(By.ID, "terms")
    terms.find_element(By.TAG_NAME, "summary").click()
    for term in ("top k", "Porte sur l'affirmation", "Force"):
        assert term in terms.text, f"{term!r} is explained in French"


# ---------------------------------------------------------------- the API key, once per browser session


def test_the_api_key_is_typed_once_per_browser_session(browser, base):
    from selenium.webdriver.common.by import By

    for path, field in (("/batch", "batch-key"), ("/corpus", "upload-key")):
        browser.get(base + path)
        assert find_all(browser, f"#{field}"), f"a locked browser is asked the key on {path}"
    _unlock(browser, base, "not-the-key")
    assert find_all(browser, "#unlock-key[aria-invalid=true]"), "a wrong key is refused beside the field"
    assert_axe_clean(browser, "unlock (a wrong key refused)")
    _unlock(browser, base)
    wait_for(browser, "#lock-button")
    assert_axe_clean(browser, "unlocked")
    cookie = browser.get_cookie("recoupe_unlock")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict" and "expiry" not in cookie
    assert KEY not in cookie["value"], "the cookie carries a signed token, never the key"
    for path in ("/batch", "/corpus"):
        browser.get(base + path)
        assert not find_all(browser, "input[name=api_key]"), f"an unlocked browser is not asked the key on {path}"
    browser.get(base + "/corpus")
    find_all(browser, "#articles-table a.delete")[0].click()
    wait_for(browser, "#delete-form")
    assert not find_all(browser, "input[name=api_key]"), "nor on the delete and retract forms"
    assert_axe_clean(browser, "delete (unlocked)")
    # the API keeps asking for its header: the page's cookie is not a key
    request = urllib.request.Request(base + "/v1/checks/none/reviews", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Cookie": f"recoupe_unlock={cookie['value']}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 401
    # a forged or stale token unlocks nothing
    browser.add_cookie({"name": "recoupe_unlock", "value": cookie["value"][:-4] + "AAAA"})
    browser.get(base + "/batch")
    assert find_all(browser, "#batch-key")
    browser.add_cookie({"name": "recoupe_unlock", "value": cookie["value"]})
    browser.get(base + "/batch")
    browser.find_element(By.ID, "lock-button").click()  # the visible lock
    wait_for(browser, "#unlock-link")
    browser.get(base + "/batch")
    assert find_all(browser, "#batch-key"), "locked again: the key is asked"
    assert browser.get_cookie("recoupe_unlock") is None


# ---------------------------------------------------------------- corpus at 1280 px, the API documentation


def test_the_corpus_breakdown_tables_do_not_overlap_at_1280_px(browser, base):
    browser.get(base + "/corpus?lang=fr")
    boxes = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.counts')).map(t => {"
        "const r = t.getBoundingClientRect(); return [t.id, r.left, r.top, r.right, r.bottom]; });")
    assert len(boxes) == 3
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, f"{a[0]} and {b[0]} overlap: {a} {b}"
    wide = browser.execute_script("return document.documentElement.scrollWidth")
    assert wide <= 1280, f"the corpus screen scrolls sideways ({wide} px)"
    assert_axe_clean(browser, "corpus (French)")


def test_the_api_documentation_has_landmarks_and_the_app_navigation(browser, base):
    from selenium.webdriver.common.by import By

    browser.get(base + "/v1/docs")
    wait_for(browser, "#paths .op")  # rendered from openapi.json by the docs script
    assert browser.find_element(By.CSS_SELECTOR, "header nav").is_displayed()
    assert len(find_all(browser, "main")) == 1
    links = {a.get_attribute("pathname") for a in find_all(browser, "header nav a")}
    assert {"/", "/checks", "/claims", "/batch", "/corpus", "/v1/docs"} <= links
    assert_axe_clean(browser, "API documentation")
    with urllib.request.urlopen(base + "/v1/docs", timeout=60) as response:
        policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    # the try-it form still answers, under that policy
    browser.find_element(By.CSS_SELECTOR, "#try button[type=submit]").click()
    verdict = wait_for(browser, "#result strong")
    assert verdict.text in {"supported", "refuted", "conflicting", "not_enough_evidence"}
    assert json.loads(browser.find_element(By.CSS_SELECTOR, "#result pre").get_attribute("textContent"))["evidence"]
