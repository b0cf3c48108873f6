"""The desk as a newsroom tool in a real browser (headless Chromium driven by Selenium, against `recoupe serve`
on the seeds with the real models, as tests/test_page_browser.py): the reviewed verdict is the one the history
lists and filters, with the reviewer; a rejected passage reads as rejected; history search without accents;
a batch keeps the file's ids and columns and flags a repeated claim, its unreadable rows said in French; a
source deleted since is badged, not linked; check again fills the form; the workflow form; one check's
downloads and citations. axe-core checks each screen.

Skips, saying what to install, when Chromium, its driver or axe-core is missing.
"""

from __future__ import annotations

import urllib.request

import pytest

from tests.browser.steps import WAIT, assert_axe_clean, call_api, find_all, page_browser, page_server, wait_for

pytestmark = pytest.mark.slow
REFUTED = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with page_server(tmp_path_factory.mktemp("page-desk") / "data") as url:
        yield url


@pytest.fixture
def browser(base):
    with page_browser("fr-FR") as driver:
        yield driver


def test_the_reviewed_verdict_is_the_one_the_history_lists_and_a_rejected_passage_reads_rejected(browser, base):
    check = call_api(base, "POST", "/v1/checks", {"claim": REFUTED})
    refuting = [i for i, e in enumerate(check["result"]["evidence"]) if e["stance"] == "refutes"]
    for i in refuting:
        reviewed = call_api(base, "POST", f"/v1/checks/{check['id']}/reviews",
                        {"item": i, "action": "reject", "reviewer": "Léa Test"})
    now = reviewed["verdict"]
    assert now != "refuted"
    # the history, filtered by the verdict of record, lists it with its reviewer; searched without accents
    browser.get(f"{base}/checks?q=abonnes&verdict={now}")
    row = next(r for r in find_all(browser, "#history-table tbody tr") if check["id"] in r.get_attribute("innerHTML"))
    assert "Léa Test" in row.find_element("css selector", ".reviewer").text
    assert "Réfutée" in row.find_element("css selector", ".reviewer").text  # the models' own verdict beside it
    assert_axe_clean(browser, "history")
    browser.get(f"{base}/checks?verdict=refuted")
    assert check["id"] not in browser.page_source
    # the check: each rejected passage says so in place of the models' stance
    browser.get(f"{base}/checks/{check['id']}")
    for i in refuting:
        card = find_all(browser, f"#e{i}")[0]
        assert "rejected" in card.get_attribute("class")
        assert "REJETÉ PAR LÉA TEST" in card.find_element("css selector", "h3").text.upper()
        assert not card.find_elements("css selector", "tr.o-conflict")
    assert_axe_clean(browser, "check with rejected passages")


def test_a_batch_keeps_the_files_ids_and_columns_and_flags_a_repeated_claim(browser, base, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "rédaction.csv"
    path.write_text(f"id,claim,rubrique\nK-1,{REFUTED},people\nK-2,,sport\nK-3,{REFUTED},culture\n",
                    encoding="utf-8")
    browser.get(base + "/batch")
    browser.find_element(By.ID, "claims-file").send_keys(str(path))
    browser.find_element(By.ID, "batch-button").click()
    wait_for(browser, "#batch-progress[data-status='done']")
    headers = [th.text for th in find_all(browser, "#triage-table thead th")]
    assert "Identifiant" in headers and "rubrique" in headers
    rows = find_all(browser, "#triage-table tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, ".row-id").text for r in rows] == ["K-1", "K-3"]
    assert [c.text for c in find_all(browser, "#triage-table td.file-column")] == ["people", "culture"]
    assert "même affirmation qu'à la ligne 2" in rows[1].text
    links = [r.find_element(By.TAG_NAME, "a").get_attribute("href") for r in rows]
    assert links[0] == links[1]  # checked once, one saved check for both rows
    progress = browser.find_element(By.ID, "batch-progress")
    progress.find_element(By.TAG_NAME, "summary").click()
    assert "ligne 3" in progress.text and "the claim is empty" not in progress.text  # the reason in French
    assert_axe_clean(browser, "batch triage")


def test_a_source_deleted_since_is_badged_and_check_again_fills_the_form(browser, base):
    from selenium.webdriver.common.by import By

    call_api(base, "POST", "/v1/articles", {"id": "metro-gone", "title": "La ligne B du métro rouvre",
                                        "source": "Le Progrès test", "url": "https://example.org/metro-b",
                                        "text": "La ligne B du métro de Lyon a rouvert jeudi matin après deux "
                                                "semaines de travaux, a annoncé le Sytral."})
    check = call_api(base, "POST", "/v1/checks", {"claim": "La ligne B du métro de Lyon a rouvert jeudi", "top_k": 5,
                                              "languages": ["fr"]})
    call_api(base, "DELETE", "/v1/articles/metro-gone")
    browser.get(f"{base}/checks/{check['id']}")
    assert find_all(browser, "#gone-sources")
    badged = [li for li in find_all(browser, ".sources li") if "La ligne B du métro rouvre" in li.text]
    assert badged and all(li.find_elements(By.CSS_SELECTOR, ".gone-badge") for li in badged)
    assert not any(li.find_elements(By.CSS_SELECTOR, "a.open-article") for li in badged)
    assert any(li.find_elements(By.CSS_SELECTOR, "a.original-url") for li in badged)  # the original page stays
    assert_axe_clean(browser, "check with a deleted source")
    browser.find_element(By.ID, "check-again").click()
    box = wait_for(browser, "#claim")
    assert box.get_attribute("value") == "La ligne B du métro de Lyon a rouvert jeudi"
    assert browser.find_element(By.ID, "top_k").get_attribute("value") == "5"
    assert browser.find_element(By.CSS_SELECTOR, "input[name=languages][value=fr]").is_selected()


def test_the_workflow_form_with_the_keyboard_and_one_checks_downloads_and_citations(browser, base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    check = call_api(base, "POST", "/v1/checks", {"claim": "Kim Kardashian will not post on Instagram on Wednesday"})
    browser.get(f"{base}/checks/{check['id']}")
    assert_axe_clean(browser, "check with its newsroom tools")
    status = browser.find_element(By.ID, "workflow-status")
    status.send_keys(Keys.END)  # the last status: published
    assignee = browser.find_element(By.ID, "workflow-assignee")
    assignee.send_keys("Ana Test")
    assignee.send_keys(Keys.ENTER)  # the form is sent from the keyboard, no script needed
    wait_for(browser, "#workflow-now")
    assert "publiée" in browser.find_element(By.ID, "workflow-now").text
    assert "Ana Test" in browser.find_element(By.ID, "workflow-now").text
    browser.get(f"{base}/checks?status=published&assignee=Ana%20Test")
    assert check["id"] in browser.find_element(By.ID, "history-table").get_attribute("innerHTML")
    browser.get(f"{base}/checks/{check['id']}")
    assert browser.find_element(By.ID, "permalink-url").get_attribute("value").endswith(f"/checks/{check['id']}")
    md = browser.find_element(By.ID, "export-md").get_attribute("href")
    with urllib.request.urlopen(md, timeout=WAIT) as response:
        assert "Kim Kardashian will not post" in response.read().decode("utf-8")
    cite = find_all(browser, "details.cite")[0]
    cite.find_element(By.TAG_NAME, "summary").click()
    text = cite.find_element(By.CSS_SELECTOR, "textarea.citation").get_attribute("value")
    assert text.startswith("«") and "—" in text
    assert cite.find_element(By.CSS_SELECTOR, "button.copy-citation").is_displayed()  # the script shows it


def test_a_date_filter_that_finds_nothing_says_why_and_offers_the_undated_articles(browser, base):
    from selenium.webdriver.common.by import By

    # the form filled from the address (as "check again" does), then sent as a reader would
    browser.get(f"{base}/?claim=Kim%20Kardashian%20ne%20publiera%20pas%20sur%20Instagram&date_from=2031-01-01")
    assert browser.find_element(By.ID, "date_from").get_attribute("value") == "2031-01-01"
    browser.find_element(By.ID, "check-button").click()
    wait_for(browser, "#verdict-word")
    assert not find_all(browser, "#confidence")  # no "100 %" for nothing weighed
    assert "rien ne pouvait la soutenir ni la réfuter" in browser.find_element(By.ID, "no-evidence").text
    assert "Chacun des 0" not in browser.page_source
    notice = browser.find_element(By.ID, "undated-set-aside")
    assert "dont la date de publication est inconnue" in notice.text
    assert_axe_clean(browser, "check that found nothing")
    notice.find_element(By.ID, "include-undated").click()
    wait_for(browser, "#claim")
    assert browser.find_element(By.ID, "include_undated").is_selected()
    browser.find_element(By.ID, "check-button").click()
    wait_for(browser, "#verdict-word")
    assert find_all(browser, "#confidence") and not find_all(browser, "#undated-set-aside")


def test_an_articles_metadata_is_edited_on_its_page_with_the_keyboard(browser, base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    call_api(base, "POST", "/v1/articles", {"id": "tram-meta", "title": "Le tram T1 prolongé", "source": "brouillon",
                                        "text": "Le tram T1 a été prolongé jusqu'à Debourg, a annoncé le Sytral."})
    browser.get(f"{base}/articles/tram-meta")
    assert "non daté" in browser.find_element(By.CSS_SELECTOR, "p.meta").text.lower()
    assert_axe_clean(browser, "article")
    summary = browser.find_element(By.ID, "metadata-title")
    summary.send_keys(Keys.ENTER)  # the details open from the keyboard
    assert_axe_clean(browser, "article with its metadata form open")
    source = browser.find_element(By.ID, "meta-source")
    source.clear()
    source.send_keys("Le Progrès")
    browser.find_element(By.ID, "meta-date").send_keys("2024-05-02")
    browser.find_element(By.ID, "meta-url").send_keys("https://example.org/tram-t1", Keys.ENTER)
    wait_for(browser, "#metadata")
    meta = browser.find_element(By.CSS_SELECTOR, "p.meta").text
    assert "Le Progrès" in meta and "2024" in meta
    assert browser.find_element(By.CSS_SELECTOR, "p.meta a[href='https://example.org/tram-t1']")
    assert call_api(base, "GET", "/v1/articles/tram-meta")["published_at"] == "2024-05-02"
