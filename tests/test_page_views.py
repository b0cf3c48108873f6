"""The page and the desk without a browser: the Flask test client on the real verifier and seed corpus,
the history store, the reviewed verdict, the review export (API and CLI)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from service.api import create_app
from service.errors import InvalidInput, NotFound
from service.history import HistoryStore
from service.verdict.review import Action
from service.verdict.types import Stance, Verdict
from tests.conftest import REPO

PAGE = REPO / "service" / "page"
REFUTED = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"
KEY = "page-key"


@pytest.fixture(scope="module")
def checked(client):
    """A claim checked through the page: the permalink's path."""
    response = client.post("/check", data={"claim": REFUTED, "top_k": "10"})
    assert response.status_code == 303
    return response.headers["Location"]


# ---------------------------------------------------------------- words and headers


def test_the_page_loads_nothing_from_elsewhere_and_nothing_inline():
    for path in [*(PAGE / "templates").glob("*.html"), *(PAGE / "static").glob("*")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?(https?:)?//""", text), path
        if path.suffix == ".html":
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {path}"
            assert not re.search(r"<style|\sstyle=", text), f"inline style in {path}"


def test_page_responses_carry_a_strict_policy_and_the_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert response.headers[name]
    assert client.get("/assets/page.js").status_code == 200
    assert client.get("/assets/page.css").mimetype == "text/css"
    # the docs page is a page template now, its script and style in files: the same strict policy
    assert "unsafe-inline" not in client.get("/v1/docs").headers["Content-Security-Policy"]


def test_french_for_a_french_browser_english_otherwise_and_the_switch_is_remembered(client):
    fr = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="fr">' in fr and "Vérifier une affirmation" in fr
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    switched = client.get("/?lang=en", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in switched.get_data(as_text=True)
    assert "recoupe_lang=en" in switched.headers["Set-Cookie"]
    again = client.get("/checks", headers={"Accept-Language": "fr"})  # the cookie now says en
    assert '<html lang="en">' in again.get_data(as_text=True)
    client.delete_cookie("recoupe_lang")


# ---------------------------------------------------------------- checks through the page


def test_a_bad_claim_is_shown_back_with_the_reason(client):
    response = client.post("/check", data={"claim": "   ", "top_k": "99"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'role="alert"' in page
    assert "Passages to weigh (top k): a whole number from 1 to 50" in page  # the field and its rule, in words


def test_a_check_is_saved_and_its_permalink_shows_it(client, checked):
    page = client.get(checked).get_data(as_text=True)
    assert 'id="verdict-word"' in page and "Refuted" in page
    assert "No supporting passage among 10 retrieved." in page or 'id="group-supports"' in page
    check_id = checked.rsplit("/", 1)[1]
    saved = client.get(f"/v1/checks/{check_id}").get_json()
    assert saved["verdict"] == "refuted" and saved["corpus"] == {"generation_then": saved["corpus"]["generation_now"],
                                                                 "generation_now": saved["corpus"]["generation_now"],
                                                                 "changed": False}
    assert set(saved["models"]) == {"embedder", "stance", "verdict"} and saved["settings"]["top_k"] == 10
    # the same claim through /v1/verify gives the same verdict and evidence (one code path)
    direct = client.post("/v1/verify", json={"claim": REFUTED, "top_k": 10}).get_json()
    assert direct["verdict"] == saved["result"]["verdict"]
    assert [e["text"] for e in direct["evidence"]] == [e["text"] for e in saved["result"]["evidence"]]
    listed = client.get("/v1/checks", query_string={"q": "10 millions", "verdict": "refuted"}).get_json()
    assert check_id in [c["id"] for c in listed["checks"]]
    assert client.get("/v1/checks", query_string={"verdict": "supported", "q": "10 millions"}).get_json()["total"] == 0
    history = client.get("/checks", query_string={"q": "Kardashian"}).get_data(as_text=True)
    assert f'href="/checks/{check_id}"' in history


def test_the_article_view_highlights_the_passage_at_its_offsets(client, checked):
    check_id = checked.rsplit("/", 1)[1]
    source = client.get(f"/v1/checks/{check_id}").get_json()["result"]["evidence"][0]["sources"][0]
    article = client.get(f"/v1/articles/{source['article_id']}").get_json()
    page = client.get(f"/articles/{source['article_id']}",
                      query_string={"start": source["start"], "end": source["end"]}).get_data(as_text=True)
    marked = re.search(r'<mark id="passage" tabindex="-1">(.*?)</mark>', page, re.S).group(1)
    from html import unescape

    assert unescape(marked) == article["text"][source["start"]:source["end"]]
    # offsets that do not fit the text: the article, no highlight
    page = client.get(f"/articles/{source['article_id']}", query_string={"start": 5, "end": 10**9})
    assert page.status_code == 200 and "<mark" not in page.get_data(as_text=True)
    assert client.get("/articles/no-such-article").status_code == 404


# ---------------------------------------------------------------- reviews


def test_reviews_recompute_the_verdict_and_undo_restores_it(client, checked):
    check_id = checked.rsplit("/", 1)[1]
    first = client.get(f"/v1/checks/{check_id}").get_json()
    refuting = [i for i, e in enumerate(first["result"]["evidence"]) if e["stance"] == "refutes"]
    assert first["result"]["verdict"] == "refuted" and refuting
    view = first
    for i in refuting:
        response = client.post(f"/v1/checks/{check_id}/reviews",
                               json={"item": i, "action": "reject", "reviewer": "Ana", "note": "autre sujet"})
        assert response.status_code == 200, response.get_json()
        view = response.get_json()
    # no refutation left: the verdict layer cannot say refuted
    assert view["result"]["verdict"] != "refuted" and view["original"]["verdict"] == "refuted"
    assert {r["item"] for r in view["reviews"]} == set(refuting)
    exported = [json.loads(line) for line in client.get("/v1/reviews/export").get_data(as_text=True).splitlines()]
    mine = [r for r in exported if r["check_id"] == check_id]
    assert {r["item"] for r in mine} == set(refuting)
    row = mine[0]
    assert row["claim"] == REFUTED and row["model_stance"] == "refutes" and row["reviewed_stance"] == "neutral"
    assert row["passage"] and row["sources"][0]["title"] and row["reviewer"] == "Ana" and row["note"] == "autre sujet"
    for i in refuting:
        view = client.delete(f"/v1/checks/{check_id}/reviews/{i}").get_json()
    assert view["result"]["verdict"] == "refuted" and view["reviews"] == []


def test_a_review_is_checked_before_it_is_stored(client, checked):
    check_id = checked.rsplit("/", 1)[1]
    assert client.post(f"/v1/checks/{check_id}/reviews", json={"item": 999, "action": "accept",
                                                               "reviewer": "Ana"}).status_code == 400
    assert client.post(f"/v1/checks/{check_id}/reviews", json={"item": 0, "action": "stance",
                                                               "reviewer": "Ana"}).status_code == 400
    assert client.post(f"/v1/checks/{check_id}/reviews", json={"item": 0, "action": "accept"}).status_code == 400
    assert client.post("/v1/checks/nope/reviews", json={"item": 0, "action": "accept",
                                                        "reviewer": "Ana"}).status_code == 404
    assert client.delete(f"/v1/checks/{check_id}/reviews/0").status_code == 404  # nothing to undo
    assert client.get(f"/v1/checks/{check_id}").get_json()["reviews"] == []


def test_reviews_need_the_api_key_when_one_is_configured(keyed, checked):
    check_id = checked.rsplit("/", 1)[1]
    body = {"item": 0, "action": "accept", "reviewer": "Ana"}
    assert keyed.post(f"/v1/checks/{check_id}/reviews", json=body).status_code == 401
    assert keyed.post(f"/v1/checks/{check_id}/reviews", json=body, headers={"X-API-Key": "wrong"}).status_code == 401
    ok = keyed.post(f"/v1/checks/{check_id}/reviews", json=body, headers={"X-API-Key": KEY})
    assert ok.status_code == 200
    assert keyed.delete(f"/v1/checks/{check_id}/reviews/0").status_code == 401
    assert keyed.delete(f"/v1/checks/{check_id}/reviews/0", headers={"X-API-Key": KEY}).status_code == 200


def test_the_corpus_changing_is_said_on_the_permalink(client, services):
    response = client.post("/check", data={"claim": "Kim Kardashian will not post on Instagram on Wednesday"})
    path = response.headers["Location"]
    assert 'id="corpus-changed"' not in client.get(path).get_data(as_text=True)
    services.add_articles([{"id": "page-test-extra", "title": "Une note", "source": "test",
                            "text": "Le conseil municipal a voté le budget de la ville mardi soir."}])
    try:
        page = client.get(path).get_data(as_text=True)
        assert 'id="corpus-changed"' in page
    finally:
        services.delete_article("page-test-extra")


# ---------------------------------------------------------------- the store alone


def _record(verdict="refuted"):
    return {"claim": "c", "language": "fr", "verdict": verdict, "confidence": 0.5, "evidence": [], "reasons": [],
            "timings_ms": {}, "probabilities": {}}


def test_the_history_store_filters_and_keeps_a_log_of_reviews(tmp_path):
    store = HistoryStore.in_dir(tmp_path)
    a = store.save_check("Le 100% tarif", "fr", Verdict.REFUTED, 0.7, {"top_k": 5}, 3, {"stance": "s@1"},
                         _record(), ["art-1", "art-2"])
    b = store.save_check("Another claim", "en", Verdict.SUPPORTED, 0.9, {"top_k": 5}, 3, {}, _record("supported"),
                         ["art-2"])
    assert [c.id for c in store.list_checks()[0]] == [b.id, a.id]
    assert [c.id for c in store.list_checks("100%")[0]] == [a.id]  # LIKE wildcards are taken literally
    assert [c.id for c in store.list_checks("tarif 100")[0]] == [a.id]
    assert store.list_checks("1_0")[1] == 0 and store.list_checks("1%t")[1] == 0  # not wildcards
    assert [c.id for c in store.list_checks(verdict="supported")[0]] == [b.id]
    assert {c.id for c in store.list_checks(article_id="art-2")[0]} == {a.id, b.id}
    store.add_review(a.id, 0, Action.ACCEPT, Stance.REFUTES, "", "Ana")
    store.add_review(a.id, 0, Action.STANCE, Stance.SUPPORTS, "on second thought", "Ana")
    assert store.current_reviews(a.id)[0].stance == Stance.SUPPORTS
    store.undo_review(a.id, 0)
    assert store.current_reviews(a.id)[0].stance == Stance.REFUTES
    with pytest.raises(InvalidInput):
        store.add_review(a.id, 0, Action.ACCEPT, Stance.REFUTES, "", "  ")
    with pytest.raises(NotFound):
        store.add_review("missing", 0, Action.ACCEPT, Stance.REFUTES, "", "Ana")
    store.close()
    reopened = HistoryStore.in_dir(tmp_path)  # what was committed is on disk
    assert reopened.get_check(a.id).settings == {"top_k": 5} and len(reopened.current_reviews(a.id)) == 1
    reopened.close()


def test_recoupe_reviews_export_writes_the_same_lines_as_the_api(client, checked, services, tmp_path):
    from service.cli.main import main

    check_id = checked.rsplit("/", 1)[1]
    client.post(f"/v1/checks/{check_id}/reviews", json={"item": 0, "action": "stance", "stance": "supports",
                                                        "reviewer": "Léa"})
    try:
        out = tmp_path / "reviews.jsonl"
        data_dir = services.corpus.index.data_dir
        assert main(["--data-dir", str(data_dir), "reviews", "export", "-o", str(out)]) == 0
        api = client.get("/v1/reviews/export").get_data(as_text=True)
        assert out.read_text(encoding="utf-8") == api and json.loads(api.splitlines()[0])["reviewer"] == "Léa"
    finally:
        client.delete(f"/v1/checks/{check_id}/reviews/0")


# ---------------------------------------------------------------- corpus and batch screens


def test_corpus_uploads_and_deletions_need_the_key_and_a_same_site_form(keyed, client):
    import io

    def upload(c, **extra):
        files = {"files": [(io.BytesIO("Titre\nLa mairie de Lyon a rouvert le pont lundi matin.".encode()), "pont.txt"),
                           (io.BytesIO(b"%PDF"), "scan.pdf")], **extra}
        return c.post("/corpus/upload", data=files, content_type="multipart/form-data")

    assert upload(keyed).status_code == 401
    assert upload(keyed, api_key="wrong").status_code == 401
    page = client.get("/corpus").get_data(as_text=True)
    assert 'id="counts-languages"' in page and 'id="counts-months"' in page
    refused = client.post("/corpus/upload", headers={"Sec-Fetch-Site": "cross-site"},
                          data={"files": [(io.BytesIO(b"x y z"), "a.txt")]}, content_type="multipart/form-data")
    assert refused.status_code == 403
    done = upload(keyed, api_key=KEY)
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "1 article added" in page and "scan.pdf" in page  # the bad file is named
    # the right key also unlocked this browser; locked again, its forms need the key again
    assert keyed.post("/lock").status_code in (302, 303)
    assert keyed.post("/corpus/pont/delete").status_code == 401
    assert keyed.post("/corpus/pont/delete", data={"api_key": KEY}).status_code == 303
    assert client.get("/v1/articles/pont").status_code == 404


def _finished(services, batch_id, seconds=300):
    import time

    deadline = time.monotonic() + seconds
    while (b := services.desk.store.get_batch(batch_id)).status == "running":
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.5)
    return b


def test_a_batch_is_checked_triaged_and_written_by_the_writers_of_recoupe_check(client, services):
    import io

    from service.check.writers import COLUMNS

    body = "id,claim,desk\nb1," + REFUTED + ",culture\nb2,\nb3,Kim Kardashian will not post on Instagram on Wednesday,x\n"
    response = client.post("/batch", data={"claims": (io.BytesIO(body.encode()), "claims.csv"), "top_k": "5"},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    batch_id = response.headers["Location"].rsplit("/", 1)[1]
    batch = _finished(services, batch_id)
    assert (batch.status, batch.done, batch.total) == ("done", 2, 2) and [(b.line_no, b.reason, b.code) for b in batch.bad_rows] == [(3, "the claim is empty", "empty")]
    status = client.get(f"/v1/batches/{batch_id}").get_json()
    assert status["done"] == 2 and status["bad_rows"] == [{"line": 3, "reason": "the claim is empty", "code": "empty", "values": {}}]
    rows = services.desk.store.batch_rows(batch_id, verdict="refuted")
    assert [r.row_id for r in rows] == ["b1"] and rows[0].check.settings["top_k"] == 5
    csv = client.get(f"/v1/batches/{batch_id}/download/csv").data.decode("utf-8-sig").splitlines()
    assert csv[0].split(",") == [*COLUMNS, "desk"] and csv[1].startswith("b1,2,") and len(csv) == 3
    jsonl = [json.loads(line) for line in client.get(f"/v1/batches/{batch_id}/download/jsonl").data.splitlines()]
    assert [r["verdict"] for r in jsonl] == [r.check.verdict.value for r in services.desk.store.batch_rows(batch_id)]
    drafts = client.get(f"/v1/batches/{batch_id}/download/claimreview")
    assert drafts.mimetype == "application/ld+json" and "ClaimReview" in drafts.get_data(as_text=True)
    page = client.get(f"/batches/{batch_id}", query_string={"sort": "confidence"}).get_data(as_text=True)
    assert page.count('href="/checks/') == 2
    assert client.get(f"/v1/batches/{batch_id}/download/pdf").status_code == 400
    assert client.post("/batch", data={"claims": (io.BytesIO(b"id,claim\n1,\n"), "empty.csv")},
                       content_type="multipart/form-data").status_code == 400


def test_a_batch_whose_runner_died_is_resumed_from_the_first_unchecked_row(services):
    from service.history import batch as batches

    store = services.desk.store
    claims = [REFUTED, "Kim Kardashian will not post on Instagram on Wednesday", "La tour Eiffel mesure 330 mètres"]
    batch = store.create_batch("died.txt", 3, [(i + 1, f"k{i}", c, None, {}) for i, c in enumerate(claims)], [])
    # the runner checked the first row, then the server was killed
    first = services.desk.check_many([claims[0]], batch=(batch.id, [0]), top_k=3)[0]
    with store._write() as conn:  # its heartbeat is now old
        conn.execute("UPDATE batches SET updated_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", (batch.id,))
    before = store.list_checks(limit=1)[1]
    batches.resume_if_stale(services.desk, store.get_batch(batch.id))
    batches.resume_if_stale(services.desk, store.get_batch(batch.id))  # a second viewer does not start another
    done = _finished(services, batch.id)
    assert done.status == "done" and done.done == 3
    assert store.list_checks(limit=1)[1] == before + 2  # only the two unchecked rows were checked
    assert store.batch_rows(batch.id)[0].check.id == first.id


def test_page_writes_and_reviews_are_in_the_audit_log(config, services, checked, tmp_path):
    import io

    audit_path = tmp_path / "audit.jsonl"
    cfg = replace(config, data_dir=services.corpus.config.data_dir, api_key=KEY, audit_log=str(audit_path))
    c = create_app(cfg, services=services).test_client()
    c.post("/corpus/upload", data={"files": [(io.BytesIO(b"a b c d"), "a.txt")], "api_key": "wrong"},
           content_type="multipart/form-data")
    check_id = checked.rsplit("/", 1)[1]
    c.post(f"/v1/checks/{check_id}/reviews", json={"item": 0, "action": "accept", "reviewer": "Ana"},
           headers={"X-API-Key": KEY})
    c.delete(f"/v1/checks/{check_id}/reviews/0", headers={"X-API-Key": KEY})
    c.post("/unlock", data={"api_key": KEY})  # then a form without the key, from the unlocked browser
    c.post("/corpus/audit-none/delete")
    lines = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert [(r["path"], r["status"], r["who"].split(" ")[0]) for r in lines] == [
        ("/corpus/upload", 401, "wrong"), (f"/v1/checks/{check_id}/reviews", 200, "key"),
        (f"/v1/checks/{check_id}/reviews/0", 200, "key"), ("/unlock", 303, "key"),
        ("/corpus/audit-none/delete", lines[-1]["status"], "key")]
    assert lines[-1]["who"].endswith("(unlocked browser)") and lines[-1]["status"] != 401


def test_the_page_filters_reach_the_verifier_and_are_saved(client):
    response = client.post("/check", data={"claim": REFUTED, "top_k": "3", "languages": ["en"],
                                           "date_from": "2020-01-01", "date_to": "2020-12-31"})
    assert response.status_code == 303
    saved = client.get("/v1/checks/" + response.headers["Location"].rsplit("/", 1)[1]).get_json()
    assert saved["settings"] == {"top_k": 3, "languages": ["en"], "date_from": "2020-01-01", "date_to": "2020-12-31"}
    evidence = saved["result"]["evidence"]
    assert len(evidence) <= 3 and all(e["language"] == "en" for e in evidence)
    assert all("2020" <= (s["published_at"] or "")[:4] for e in evidence for s in e["sources"])
    bad = client.post("/check", data={"claim": REFUTED, "date_from": "2021-01-01", "date_to": "2020-01-01"})
    assert bad.status_code == 400 and "date_to" in bad.get_data(as_text=True)


def test_only_web_links_are_shown_as_links():
    from service.page.highlight import safe_url

    assert safe_url("https://example.org/a") == "https://example.org/a"
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None and safe_url(None) is None


def test_a_retracted_article_leaves_the_corpus_and_the_checks_that_cited_it_say_why(keyed, client, services):
    services.add_articles([{"id": "pont-retract", "title": "Le pont rouvre", "source": "Le Progrès test",
                            "text": "Le pont de la Guillotière a rouvert lundi après huit mois de travaux, a "
                                    "annoncé la mairie de Lyon."}])
    path = client.post("/check", data={"claim": "Le pont de la Guillotière a rouvert lundi"}).headers["Location"]
    check_id = path.rsplit("/", 1)[1]
    cited = {s["article_id"] for e in client.get(f"/v1/checks/{check_id}").get_json()["result"]["evidence"]
             for s in e["sources"]}
    assert "pont-retract" in cited
    confirm = client.get("/corpus/pont-retract/delete").get_data(as_text=True)
    assert f'href="/checks/{check_id}"' in confirm and 'id="retract-form"' in confirm  # the checks that cited it
    keyed.post("/lock")  # an earlier test's right key unlocked this browser
    assert keyed.post("/corpus/pont-retract/retract", data={"reason": "erreur de date"}).status_code == 401
    assert keyed.post("/corpus/pont-retract/retract", data={"reason": " ", "api_key": KEY}).status_code == 400
    done = keyed.post("/corpus/pont-retract/retract", data={"reason": "erreur de date", "api_key": KEY})
    assert done.status_code == 303 and client.get("/v1/articles/pont-retract").status_code == 404
    page = client.get(path).get_data(as_text=True)
    assert 'id="retracted-sources"' in page and "erreur de date" in page and 'class="retracted-badge"' in page
    saved = client.get(f"/v1/checks/{check_id}").get_json()
    assert [r["article_id"] for r in saved["retracted"]] == ["pont-retract"] and saved["corpus"]["changed"]


def test_the_explanation_is_in_the_interface_language(client, checked):
    en = client.get(checked + "?lang=en").get_data(as_text=True)
    fr = client.get(checked + "?lang=fr").get_data(as_text=True)
    client.delete_cookie("recoupe_lang")
    explanation = lambda page: re.search(r'<ul id="explanation">(.*?)</ul>', page, re.S).group(1)  # noqa: E731
    assert "Calibrated probabilities" in explanation(en) and "Probabilités calibrées" in explanation(fr)


def test_a_check_that_found_nothing_lists_no_confidence_in_the_history(client):
    """'Pas assez d'éléments 100 %' read as certainty; with no passage to weigh the list says so instead."""
    path = client.post("/check", data={"claim": "Le volcan Kilimandjaro a changé de couleur en 1850",
                                       "date_from": "1990-01-01", "date_to": "1990-12-31"}).headers["Location"]
    check_id = path.rsplit("/", 1)[1]
    assert client.get(f"/v1/checks/{check_id}").get_json()["result"]["evidence"] == []
    page = client.get("/checks?q=Kilimandjaro&lang=fr").get_data(as_text=True)
    row = re.search(rf'<tr><td>[^<]*</td><td><a href="/checks/{check_id}".*?</tr>', page, re.S).group(0)
    assert "aucun passage à peser" in row and "%" not in row
