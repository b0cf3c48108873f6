"""The desk as a newsroom tool, over /v1 on the real verifier and seed corpus: the reviewed verdict is the
verdict of record everywhere a verdict is listed, filtered, counted or exported; history search without
accents, by day, status and assignee; batch rows that keep the file's ids and columns and flag repeated
claims; what a date filter set aside; the newsroom's workflow and exports of one check."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time

import pytest

REFUTED = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"
KEY = "desk-key"


def _until_done(client, location: str, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while (batch := client.get(location).get_json())["status"] == "running":
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.5)
    return batch


def _upload(client, body: str, name: str = "claims.csv"):
    sent = client.post("/v1/batches", data={"claims": (io.BytesIO(body.encode()), name), "top_k": "10"},
                       content_type="multipart/form-data")
    assert sent.status_code == 202, sent.get_json()
    return _until_done(client, sent.headers["Location"])


def _reject_refutations(client, check_id: str) -> dict:
    check = client.get(f"/v1/checks/{check_id}").get_json()
    refuting = [i for i, e in enumerate(check["result"]["evidence"]) if e["stance"] == "refutes"]
    assert refuting, "the seed corpus refutes this claim"
    for i in refuting:
        answer = client.post(f"/v1/checks/{check_id}/reviews", json={"item": i, "action": "reject", "reviewer": "Léa"})
        assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


# ---------------------------------------------------------------- 1. the verdict of record


def test_the_reviewed_verdict_is_the_verdict_of_record_in_lists_filters_and_exports(client):
    batch = _upload(client, f"id,claim\nr-1,{REFUTED}\n")
    row, = client.get(f"/v1/batches/{batch['id']}/rows").get_json()["rows"]
    check_id = row["check"]["id"]
    assert (row["check"]["verdict"], row["check"]["model_verdict"], row["check"]["reviewed"]) == \
        ("refuted", "refuted", False)

    reviewed = _reject_refutations(client, check_id)
    now = reviewed["verdict"]
    assert now != "refuted" and reviewed["result"]["verdict"] == now  # the record is what the page shows
    assert (reviewed["model_verdict"], reviewed["reviewed"], reviewed["reviewer"]) == ("refuted", True, "Léa")
    assert reviewed["reviewed_at"] and reviewed["original"]["verdict"] == "refuted"

    # the history: listed and filtered by the verdict of record, the model's beside it
    listed = {c["id"]: c for c in client.get("/v1/checks", query_string={"verdict": now}).get_json()["checks"]}
    assert listed[check_id]["model_verdict"] == "refuted" and listed[check_id]["reviewer"] == "Léa"
    refuted = client.get("/v1/checks", query_string={"verdict": "refuted"}).get_json()["checks"]
    assert check_id not in {c["id"] for c in refuted}
    # the batch: rows, filter and every download
    rows = client.get(f"/v1/batches/{batch['id']}/rows", query_string={"verdict": now}).get_json()["rows"]
    assert [r["check"]["id"] for r in rows] == [check_id]
    assert client.get(f"/v1/batches/{batch['id']}/rows", query_string={"verdict": "refuted"}).get_json()["rows"] == []
    table = list(csv.DictReader(io.StringIO(
        client.get(f"/v1/batches/{batch['id']}/download/csv").data.decode("utf-8-sig"))))
    assert (table[0]["verdict"], table[0]["model_verdict"], table[0]["reviewed_by"]) == (now, "refuted", "Léa")
    line = json.loads(client.get(f"/v1/batches/{batch['id']}/download/jsonl").data)
    assert (line["verdict"], line["model_verdict"]) == (now, "refuted")
    draft = json.loads(client.get(f"/v1/batches/{batch['id']}/download/claimreview").data)
    drafts = draft if isinstance(draft, list) else draft.get("@graph", [draft])
    from service.check.claimreview import RATING_VALUES, rating_name

    rating = drafts[0]["reviewRating"]  # the draft rates the verdict of record
    assert (rating["alternateName"], rating.get("ratingValue")) == (rating_name(now, "fr"), RATING_VALUES[now])
    report = client.get(f"/v1/batches/{batch['id']}/download/md").get_data(as_text=True)
    assert "Léa" in report  # the reviewer named beside the verdict of record

    # undoing every review gives the model's verdict back, everywhere
    for r in reviewed["reviews"]:
        client.delete(f"/v1/checks/{check_id}/reviews/{r['item']}")
    again = client.get("/v1/checks", query_string={"verdict": "refuted"}).get_json()["checks"]
    mine, = [c for c in again if c["id"] == check_id]
    assert (mine["reviewed"], mine["reviewer"]) == (False, None)


# ---------------------------------------------------------------- 10. history search, days, reviewer


def test_history_search_ignores_case_and_accents_and_filters_by_day(client):
    made = client.post("/v1/checks", json={"claim": "Kim Kardashian a 189 millions d'abonnés sur Instagram"})
    assert made.status_code == 201
    check_id = made.get_json()["id"]
    day = made.get_json()["created_at"][:10]

    def found(**query):
        return {c["id"] for c in client.get("/v1/checks", query_string=query).get_json()["checks"]}

    assert check_id in found(q="abonnés") and check_id in found(q="abonnes") and check_id in found(q="ABONNÉS")
    assert check_id in found(q="KARDASHIAN abonnes", checked_from=day, checked_until=day)
    assert check_id not in found(checked_until="2001-01-01") and check_id not in found(checked_from="2999-01-01")
    bad = client.get("/v1/checks", query_string={"checked_from": "hier"})
    assert bad.status_code == 400 and "checked_from" in bad.get_json()["errors"]


def test_a_history_file_of_schema_2_is_migrated_and_its_reviewed_checks_settled(tmp_path):
    import sqlite3

    from service.history import HistoryStore
    from service.history.store import _MIGRATIONS, _TABLES

    old = sqlite3.connect(tmp_path / "desk.sqlite3")
    old.executescript(_TABLES + _MIGRATIONS[2])
    old.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    record = {"claim": "Les abonnés", "language": "fr", "verdict": "refuted", "confidence": 0.7, "evidence": [],
              "reasons": [], "timings_ms": {}, "probabilities": {}}
    old.execute("INSERT INTO checks VALUES ('c1', '2024-05-02T10:00:00+00:00', 'Les abonnés', 'fr', 'refuted', 0.7, "
                "'{}', 1, '{}', ?)", (json.dumps(record),))
    old.execute("INSERT INTO reviews (check_id, item, action, stance, note, reviewer, created_at) "
                "VALUES ('c1', 0, 'reject', 'neutral', '', 'Ana', '2024-05-03T10:00:00+00:00')")
    old.commit()
    old.close()
    store = HistoryStore.in_dir(tmp_path)
    try:
        assert [c.id for c in store.list_checks("ABONNES")[0]] == ["c1"]  # claims folded by the migration
        before = store.get_check("c1")
        assert (before.model_verdict.value, before.reviewed) == ("refuted", False)
        assert store.settle_pending(lambda rec, reviews: {**rec, "verdict": "not_enough_evidence",
                                                          "confidence": 0.4}) == 1
        after = store.get_check("c1").summary()
        assert (after["verdict"], after["model_verdict"], after["reviewer"]) == ("not_enough_evidence", "refuted", "Ana")
        assert store.list_checks(checked_from="2024-05-02", checked_until="2024-05-02")[1] == 1
        assert store.settle_pending(lambda rec, reviews: rec) == 0  # once
    finally:
        store.close()


# ---------------------------------------------------------------- 11. batches keep the file's rows


def test_batch_rows_keep_the_files_ids_and_columns_flag_repeats_and_type_their_errors(client, services):
    body = (f"id,claim,desk\nA-7,{REFUTED},politique\nA-8,\"\",sport\n"
            f"A-9,{REFUTED},culture\n")
    saved_before = client.get("/v1/checks", query_string={"q": REFUTED}).get_json()["total"]
    batch = _upload(client, body)
    assert batch["total"] == 2 and batch["done"] == 2
    assert batch["bad_rows"] == [{"line": 3, "reason": "the claim is empty", "code": "empty", "values": {}}]
    first, second = client.get(f"/v1/batches/{batch['id']}/rows").get_json()["rows"]
    assert (first["id"], first["line"], first["columns"], first["same_as"]) == ("A-7", 2, {"desk": "politique"}, None)
    assert (second["id"], second["columns"]) == ("A-9", {"desk": "culture"})
    assert second["same_as"] == {"line": 2, "id": "A-7"} and second["check"]["id"] == first["check"]["id"]
    # the repeated claim was checked once: one saved check more, not two
    assert client.get("/v1/checks", query_string={"q": REFUTED}).get_json()["total"] == saved_before + 1
    table = list(csv.DictReader(io.StringIO(
        client.get(f"/v1/batches/{batch['id']}/download/csv").data.decode("utf-8-sig"))))
    assert [(r["id"], r["desk"], r["same_as_line"]) for r in table] == [("A-7", "politique", ""), ("A-9", "culture", "2")]
    lines = [json.loads(line) for line in client.get(f"/v1/batches/{batch['id']}/download/jsonl").data.splitlines()]
    assert [line["same_as_line"] for line in lines] == [None, 2]


# ---------------------------------------------------------------- 3. a source deleted since; check again


def test_a_check_whose_source_was_deleted_says_so_and_checks_again_with_its_filters(client, services):
    services.add_articles([{"id": "pont-gone", "title": "Le pont rouvre", "source": "Le Progrès test",
                            "url": "https://example.org/pont", "published_at": "2024-05-02",
                            "text": "Le pont Lafayette a rouvert lundi matin après trois mois de travaux, a annoncé "
                                    "la métropole de Lyon."}])
    made = client.post("/v1/checks", json={"claim": "Le pont Lafayette a rouvert lundi", "top_k": 5,
                                           "languages": ["fr"]}).get_json()
    assert "pont-gone" in {s["article_id"] for e in made["result"]["evidence"] for s in e["sources"]}
    assert made["articles_gone"] == []
    services.delete_article("pont-gone")
    reopened = client.get(f"/v1/checks/{made['id']}").get_json()
    assert reopened["articles_gone"] == ["pont-gone"] and reopened["retracted"] == []

    page = client.get(f"/checks/{made['id']}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'id="gone-sources"' in page and "supprimé du corpus" in page
    assert "/articles/pont-gone" not in page  # no link to a page that would answer 404
    again = re.search(r'id="check-again" href="([^"]+)"', page).group(1)
    form = client.get(html.unescape(again)).get_data(as_text=True)
    assert "Le pont Lafayette a rouvert lundi</textarea>" in form
    assert re.search(r'name="languages" value="fr" checked', form) and 'id="top_k" name="top_k" min="1" max="50" value="5"' in form


# ---------------------------------------------------------------- 2. a rejected passage reads as rejected


def test_a_rejected_passage_shows_the_review_not_the_models_stance(client):
    made = client.post("/v1/checks", json={"claim": REFUTED}).get_json()
    item = next(i for i, e in enumerate(made["result"]["evidence"]) if e["stance"] == "refutes")
    client.post(f"/v1/checks/{made['id']}/reviews", json={"item": item, "action": "reject", "reviewer": "Léa"})
    page = client.get(f"/checks/{made['id']}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    card = re.search(rf'<li class="card [^"]*" id="e{item}".*?</li>\s*</ol>|<li class="card [^"]*" id="e{item}".*?(?=<li class="card)',
                     page, re.S).group(0)
    assert 'class="card s-neutral rejected"' in card and "rejeté par Léa" in card
    assert "désaccord" not in card and "o-conflict" not in card  # the models' conflict no longer shown as one


# ---------------------------------------------------------------- 12. the newsroom's workflow and exports


def test_the_workflow_is_set_filtered_and_one_check_is_exported(client):
    made = client.post("/v1/checks", json={"claim": "Kim Kardashian will not post on Instagram on Wednesday"})
    check_id = made.get_json()["id"]
    assert made.get_json()["status"] == "to_check" and made.get_json()["assignee"] == ""
    moved = client.patch(f"/v1/checks/{check_id}", json={"status": "in_progress", "assignee": "Léa"})
    assert moved.status_code == 200 and (moved.get_json()["status"], moved.get_json()["assignee"]) == ("in_progress", "Léa")
    assert client.patch(f"/v1/checks/{check_id}", json={"status": "done"}).status_code == 400
    assert client.patch("/v1/checks/nope", json={"status": "checked"}).status_code == 404

    def listed(**query):
        return {c["id"] for c in client.get("/v1/checks", query_string=query).get_json()["checks"]}

    assert check_id in listed(status="in_progress", assignee="Léa") and check_id not in listed(status="published")
    # the page's form, without JavaScript
    sent = client.post(f"/checks/{check_id}/workflow", data={"status": "published", "assignee": "Ana"})
    assert sent.status_code == 303 and check_id in listed(status="published", assignee="Ana")
    history = client.get("/checks", query_string={"status": "published"}, headers={"Accept-Language": "fr"})
    assert check_id in history.get_data(as_text=True) and "publiée" in history.get_data(as_text=True)

    md = client.get(f"/v1/checks/{check_id}/export/md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert f"check-{check_id}.md" in md.headers["Content-Disposition"] and "Kim Kardashian will not post" in md.get_data(as_text=True)
    one = client.get(f"/v1/checks/{check_id}/export/json")
    assert json.loads(one.data)["id"] == check_id and json.loads(one.data)["status"] == "published"
    assert client.get(f"/v1/checks/{check_id}/export/pdf").status_code == 400
    page = client.get(f"/checks/{check_id}").get_data(as_text=True)
    assert f'href="/v1/checks/{check_id}/export/md"' in page and 'id="permalink-url"' in page
    assert 'class="citation"' in page  # a citation to copy under each source


# ---------------------------------------------------------------- 5. what a date filter sets aside


def test_a_date_filter_says_how_many_undated_articles_it_set_aside_and_can_include_them(client, services):
    undated = services.corpus.index.undated_articles()
    assert undated >= 3  # three of the four seeds have no publication date
    claim = "Kim Kardashian ne publiera pas sur Instagram mercredi"
    dated = client.post("/v1/verify", json={"claim": claim, "date_from": "2020-01-01"}).get_json()
    assert dated["undated_set_aside"] == undated
    assert all(s["published_at"] for e in dated["evidence"] for s in e["sources"])
    included = client.post("/v1/verify", json={"claim": claim, "date_from": "2020-01-01",
                                                "include_undated": True}).get_json()
    assert included["undated_set_aside"] is None
    assert any(not s["published_at"] for e in included["evidence"] for s in e["sources"])
    assert client.post("/v1/verify", json={"claim": claim}).get_json()["undated_set_aside"] is None

    # a period nothing falls in: not enough evidence, said with its reason, never "100 %" nor "each of 0"
    made = client.post("/v1/checks", json={"claim": claim, "date_from": "2031-01-01"}).get_json()
    assert made["result"]["evidence"] == [] and made["verdict"] == "not_enough_evidence"
    assert made["result"]["undated_set_aside"] == undated
    page = html.unescape(client.get(f"/checks/{made['id']}", headers={"Accept-Language": "fr"}).get_data(as_text=True))
    assert 'id="no-evidence"' in page and 'id="confidence"' not in page and "100" not in page.split('id="verdict"')[1].split("</section>")[0]
    assert "Chacun des 0" not in page and "0 passage" not in page
    assert f"{undated} articles" in page.split('id="undated-set-aside"')[1].split("</p>")[0]
    again = re.search(r'id="include-undated" href="([^"]+)"', page).group(1)
    form = client.get(again).get_data(as_text=True)
    assert re.search(r'id="include_undated" name="include_undated" value="1" checked', form)
    assert 'value="2031-01-01"' in form


def test_a_file_with_no_claim_is_refused_in_the_readers_language_with_its_rows_typed(client):
    sent = client.post("/v1/batches", data={"claims": (io.BytesIO(b"id,claim\nx1,\nx2,  \n"), "vide.csv")},
                       content_type="multipart/form-data", headers={"Accept-Language": "fr"})
    problem = sent.get_json()
    assert sent.status_code == 400 and problem["title"] == "vide.csv ne contient aucune affirmation à vérifier"
    assert [(r["line"], r["code"]) for r in problem["detail"]["bad_rows"]] == [(2, "empty"), (3, "empty")]
    english = client.post("/v1/batches", data={"claims": (io.BytesIO(b"id,claim\nx1,\n"), "empty.csv")},
                          content_type="multipart/form-data").get_json()
    assert english["title"] == "empty.csv holds no claim to check"
