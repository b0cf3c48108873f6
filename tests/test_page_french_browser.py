"""A French reader at the desk in a real browser (headless Chromium asking for French, driven by Selenium, against
`recoupe serve` on the seeds with the real models, as tests/test_page_browser.py): a 2,000-character paste is
refused with the limit said in French and the text kept whole (no maxlength cuts it silently); the history is
searched without accents and filtered by date; and one walk over check, history, batch, corpus and claims meets
no English word (tests/test_page_french.py's list, on what the browser shows). axe-core checks each screen at
moderate and worse.

Skips, saying what to install, when Chromium, its driver or axe-core is missing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.browser.steps import assert_axe_clean, call_api, find_all, page_browser, page_server, wait_for
from tests.test_page_french import english_in

pytestmark = pytest.mark.slow
ABONNES = ("Kim Kardashian n'a que 10 millions d'abonnés sur Instagram",
           "Kim Kardashian a 189 millions d'abonnés sur Instagram")
NARROW = "\u202f"  # Babel's French thousands separator


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with page_server(tmp_path_factory.mktemp("page-french-browser") / "data") as url:
        yield url


@pytest.fixture
def browser(base):
    with page_browser("fr-FR") as driver:
        yield driver


def _french_only(driver, screen: str):
    """The screen as the browser holds it (after its script ran) is French and has no English word."""
    html = driver.page_source
    assert driver.find_element("tag name", "html").get_attribute("lang") == "fr", screen
    english = english_in(html)
    assert not english, f"English on the {screen} screen: {sorted(english)}"
    assert_axe_clean(driver, screen)


def _fill_date(driver, field, day) -> None:
    """A date typed as the reader types it in Chromium's own field, in the order of the browser's locale
    (jj/mm/aaaa for a French one with its language pack; mm/dd/yyyy where the pack is missing)."""
    order = driver.execute_script(
        "return new Intl.DateTimeFormat().formatToParts(new Date(2000, 10, 22))"
        ".filter(p => p.type !== 'literal').map(p => p.type);")
    parts = {"day": day.strftime("%d"), "month": day.strftime("%m"), "year": day.strftime("%Y")}
    field.send_keys("".join(parts[p] for p in order))


def test_a_2000_character_paste_is_refused_in_french_and_kept_whole(browser, base):
    from selenium.webdriver.common.by import By

    sentence = "Le conseil municipal de Lyon a voté un budget de 12 millions d'euros pour les pistes cyclables. "
    text = (sentence * 30)[:2000]
    text = text[:-1] + "x" if text.endswith(" ") else text
    assert len(text) == 2000
    browser.get(base + "/")
    box = browser.find_element(By.ID, "claim")
    # Typed as input events, which a maxlength would cut silently at its limit (a script's value would not be).
    box.send_keys(text)
    assert len(box.get_attribute("value")) == 2000, "nothing cut the text in the browser"
    browser.find_element(By.ID, "check-button").click()
    errors = wait_for(browser, "#form-errors")
    said = errors.text
    assert f"1{NARROW}000" in said and f"2{NARROW}000" in said, said  # the limit and the length, in French
    assert "caractères" in said and not english_in(errors.get_attribute("outerHTML")), said
    assert browser.find_element(By.ID, "claim").get_attribute("value") == text, "the text comes back whole"
    _french_only(browser, "home with a refused claim")


def test_the_history_is_searched_without_accents_and_filtered_by_date(browser, base):
    from selenium.webdriver.common.by import By

    ids = [call_api(base, "POST", "/v1/checks", {"claim": claim, "top_k": 3})["id"] for claim in ABONNES]
    call_api(base, "POST", "/v1/checks", {"claim": "La tour Eiffel mesure 330 mètres", "top_k": 3})
    browser.get(base + "/checks")
    browser.find_element(By.ID, "q").send_keys("abonnes")  # typed without the accent
    browser.find_element(By.CSS_SELECTOR, "form.history-filter button[type=submit]").click()
    wait_for(browser, "#q[value='abonnes']")
    rows = find_all(browser, "#history-table tbody tr")
    html = browser.find_element(By.ID, "history-table").get_attribute("innerHTML")
    assert all(i in html for i in ids), "both checks with 'abonnés' are found by 'abonnes'"
    assert rows and all("abonnés" in r.text for r in rows), [r.text for r in rows]
    assert "tour Eiffel" not in html
    assert re.search(rf"\b{len(rows)} vérifications?\b", browser.find_element(By.ID, "history-count").text)
    _french_only(browser, "history searched")
    # the date filter, typed in the browser's own French date field: today finds them, from tomorrow nothing
    today = datetime.now(timezone.utc).date()
    _fill_date(browser, browser.find_element(By.ID, "checked-from"), today)
    assert browser.find_element(By.ID, "checked-from").get_attribute("value") == today.isoformat()
    browser.find_element(By.CSS_SELECTOR, "form.history-filter button[type=submit]").click()
    wait_for(browser, f"#checked-from[value='{today.isoformat()}']")
    assert all(i in browser.find_element(By.ID, "history-table").get_attribute("innerHTML") for i in ids)
    assert browser.find_element(By.ID, "q").get_attribute("value") == "abonnes", "the search is kept"
    _french_only(browser, "history searched and filtered by date")
    field = browser.find_element(By.ID, "checked-from")
    field.clear()
    _fill_date(browser, field, today + timedelta(days=1))
    browser.find_element(By.CSS_SELECTOR, "form.history-filter button[type=submit]").click()
    wait_for(browser, f"#checked-from[value='{(today + timedelta(days=1)).isoformat()}']")
    assert not find_all(browser, "#history-table") or not find_all(browser, "#history-table tbody tr")
    assert browser.find_element(By.ID, "history-count").text.startswith("0 ")
    _french_only(browser, "history that finds nothing")


def test_a_french_reader_walks_the_desk_and_meets_no_english(browser, base, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(base + "/")
    _french_only(browser, "home")
    browser.find_element(By.ID, "claim").send_keys(ABONNES[0])
    browser.find_element(By.ID, "check-button").click()
    wait_for(browser, "#verdict-word")
    assert browser.find_element(By.ID, "verdict-word").text.strip() == "Réfutée"
    _french_only(browser, "check")
    browser.find_element(By.CSS_SELECTOR, "header nav a[href='/checks']").click()
    wait_for(browser, "#history-table")
    _french_only(browser, "history")
    claims = tmp_path / "affirmations.csv"
    claims.write_text(f"id,claim\nA-1,{ABONNES[0]}\nA-2,\nA-3,La tour Eiffel mesure 330 mètres\n", encoding="utf-8")
    browser.find_element(By.CSS_SELECTOR, "header nav a[href='/batch']").click()
    wait_for(browser, "#claims-file")
    _french_only(browser, "batch upload")
    browser.find_element(By.ID, "claims-file").send_keys(str(claims))
    browser.find_element(By.ID, "batch-button").click()
    wait_for(browser, "#batch-progress[data-status='done']")
    browser.find_element(By.CSS_SELECTOR, "#batch-progress summary").click()  # the unreadable row, said
    _french_only(browser, "batch triage")
    browser.find_element(By.CSS_SELECTOR, "header nav a[href='/corpus']").click()
    wait_for(browser, "#articles-table")
    _french_only(browser, "corpus")
    browser.find_element(By.CSS_SELECTOR, "header nav a[href='/claims']").click()
    assert browser.find_element(By.CSS_SELECTOR, "header nav a[aria-current=page]").text == "Que vérifier ?"
    _french_only(browser, "claims")
    browser.find_element(By.ID, "cx-text").send_keys(
        "La tour Eiffel mesure 330 mètres. Elle a été construite en 1889 par Gustave Eiffel. Quelle belle vue !")
    browser.find_element(By.ID, "cx-rank").click()
    wait_for(browser, "#cx-table")
    _french_only(browser, "claims ranked")
