"""Already checked? Published fact-checks imported (files, API, CLI), the history file's migration, and
every verification answering the earlier checks and fact-checks of its claim, with the real models."""

from __future__ import annotations

import json
import sqlite3

import pytest

from service.factchecks.records import read_file, read_objects, read_text
from service.history.store import SCHEMA_VERSION, HistoryStore

KEY = "fc-key"
KIM_EN = {"@context": "https://schema.org", "@type": "ClaimReview",
          "claimReviewed": "Kim Kardashian has 189 million followers on Instagram",
          "reviewRating": {"@type": "Rating", "alternateName": "True"}, "datePublished": "2020-09-20",
          "url": "https://factcheck.example/kim-followers", "author": {"@type": "Organization", "name": "Example Check"}}
TOWER = {"claim": "The Eiffel Tower is 330 metres tall", "rating": "Mostly true", "date": "2022-03-01",
         "url": "https://factcheck.example/eiffel", "author": "Desk"}
KIM_FR = "Kim Kardashian a 189 millions d'abonnés sur Instagram"


# ---------------------------------------------------------------- files


def test_claimreview_json_ld_is_read_as_one_object_a_list_and_a_graph():
    one, bad = read_text(json.dumps(KIM_EN), "json")
    assert [f.claim for f in one] == [KIM_EN["claimReviewed"]] and not bad
    assert one[0].rating == "True" and one[0].date == "2020-09-20" and one[0].author == "Example Check"
    many, _ = read_text(json.dumps([KIM_EN, TOWER]), "json")
    graph, _ = read_text(json.dumps({"@context": "https://schema.org", "@graph": [KIM_EN]}), "json")
    assert len(many) == 2 and graph[0].id == one[0].id


def test_bad_records_are_listed_with_their_position_and_the_others_kept(tmp_path):
    lines = [json.dumps(KIM_EN), "{not json", json.dumps({**KIM_EN, "claimReviewed": ""}),
             json.dumps({**KIM_EN, "datePublished": "20 Sept"}), json.dumps({**KIM_EN, "url": "javascript:alert(1)"}),
             json.dumps(TOWER), json.dumps({"@type": "Article", "headline": "x"})]
    path = tmp_path / "reviews.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    good, bad = read_file(path)
    assert [f.claim for f in good] == [KIM_EN["claimReviewed"], TOWER["claim"]]
    assert [b.where for b in bad] == ["line 2", "line 3", "line 4", "line 5", "line 7"]
    assert "no claim" in bad[1].reason and "ISO date" in bad[2].reason and "http" in bad[3].reason
    assert "not a ClaimReview" in bad[4].reason


def test_a_csv_of_claim_rating_date_url_author_is_read_and_bad_lines_named(tmp_path):
    path = tmp_path / "checks.csv"
    path.write_text("Claim,Rating,Date,URL,Author\n"
                    f"{KIM_FR},Vrai,2020-09-16,https://verif.example/kim,Rédaction\n"
                    ",Faux,2020-01-01,,\n"
                    "La tour Eiffel mesure 330 mètres,,2021-01-01,,\n"
                    "La tour Eiffel mesure 330 mètres,Vrai,2021-02-30,,\n", encoding="utf-8")
    good, bad = read_file(path)
    assert [(f.claim, f.rating, f.author) for f in good] == [(KIM_FR, "Vrai", "Rédaction")]
    assert [b.where for b in bad] == ["line 3", "line 4", "line 5"]
    assert "no rating" in bad[1].reason and "not a real day" in bad[2].reason


def test_an_html_page_gives_its_claimreview_blocks_and_ignores_its_other_json_ld(tmp_path):
    page = tmp_path / "article.html"
    page.write_text('<html><head><script type="application/ld+json">{"@type": "Organization", "name": "X"}</script>'
                    f'<script type="application/ld+json">{json.dumps(KIM_EN)}</script></head><body></body></html>',
                    encoding="utf-8")
    good, bad = read_file(page)
    assert [f.rating for f in good] == ["True"] and not bad


@pytest.mark.parametrize("name, content, words", [
    ("notes.docx", b"PK", "extension"), ("empty.csv", b"", "empty"), ("broken.json", b"{", "not valid JSON"),
    ("page.html", b"<html></html>", "no <script"), ("nocolumn.csv", b"a,b\n1,2\n", "no claim column"),
    ("utf16.json", "\ufeff[]".encode("utf-16"), "UTF-16")])
def test_a_file_that_cannot_be_read_at_all_is_one_clear_error(tmp_path, name, content, words):
    from service.errors import InvalidInput

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=words):
        read_file(path)


def test_objects_sent_to_the_api_may_be_claimreviews_or_plain_records():
    good, bad = read_objects([KIM_EN, TOWER, 7, {"claim": "x y z"}])
    assert len(good) == 2 and [b.where for b in bad] == ["item 2", "item 3"]


# ---------------------------------------------------------------- migration


def test_a_version_1_history_file_is_migrated_and_keeps_its_checks(tmp_path):
    path = tmp_path / "desk.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                       "INSERT INTO meta VALUES ('schema_version', '1');"
                       "CREATE TABLE checks (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, claim TEXT NOT NULL, "
                       "language TEXT NOT NULL, verdict TEXT NOT NULL, confidence REAL NOT NULL, settings TEXT NOT NULL, "
                       "generation INTEGER NOT NULL, models TEXT NOT NULL, record TEXT NOT NULL);"
                       "INSERT INTO checks VALUES ('c1', '2026-01-01T00:00:00+00:00', 'x', 'fr', 'supported', 0.9, "
                       "'{}', 1, '{}', '{}');")
    conn.commit()
    conn.close()
    store = HistoryStore(path)
    store.close()
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"factchecks", "check_vectors", "checks"} <= tables
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert conn.execute("SELECT claim FROM checks WHERE id = 'c1'").fetchone()[0] == "x"


def test_a_history_file_from_a_newer_recoupe_is_refused(tmp_path):
    from service.errors import IndexCorrupt

    path = tmp_path / "desk.sqlite3"
    HistoryStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(IndexCorrupt, match="version 99"):
        HistoryStore(path)


# ---------------------------------------------------------------- the service, with the real models


@pytest.fixture(scope="module")
def imported(client):
    response = client.post("/v1/factchecks", json=[KIM_EN, TOWER, {"claim": "", "rating": "x"}])
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_import_through_the_api_keeps_the_good_records_and_lists_the_bad(imported):
    assert imported["added"] + imported["unchanged"] == 2 and len(imported["ids"]) == 2
    assert imported["bad_records"] == [{"file": "request", "where": "item 2", "reason": imported["bad_records"][0]["reason"]}]


def test_a_french_claim_finds_the_english_fact_check_of_the_same_claim(client, imported):
    result = client.post("/v1/verify", json={"claim": KIM_FR, "top_k": 3}).get_json()
    found = result["already_checked"]["fact_checks"]
    assert found and found[0]["url"] == KIM_EN["url"] and found[0]["rating"] == "True"
    assert found[0]["date"] == "2020-09-20" and 0 < found[0]["similarity"] <= 1
    assert all(f["url"] != TOWER["url"] for f in found)  # another claim is not a match


def test_a_saved_check_is_found_again_as_a_near_duplicate_and_reviewed_ones_say_so(client, imported):
    first = client.post("/v1/checks", json={"claim": KIM_FR, "top_k": 3}).get_json()
    client.post(f"/v1/checks/{first['id']}/reviews", json={"item": 0, "action": "reject", "reviewer": "Léa"})
    result = client.post("/v1/verify", json={"claim": KIM_FR + ".", "top_k": 3}).get_json()
    checks = result["already_checked"]["checks"]
    assert checks[0]["id"] == first["id"] and checks[0]["near_duplicate"] and checks[0]["reviewed"]
    assert checks[0]["url"] == f"/checks/{first['id']}"
    assert checks[0]["rating"] == client.get(f"/v1/checks/{first['id']}").get_json()["verdict"]  # the reviewed verdict


def test_the_page_shows_already_checked_above_the_evidence_with_links(client, imported):
    response = client.post("/check?lang=fr", data={"claim": KIM_FR, "top_k": "3"})
    page = client.get(response.headers["Location"] + "?lang=fr").get_data(as_text=True)
    assert "Déjà vérifié" in page and KIM_EN["url"] in page
    assert page.index('id="already-checked"') < page.index('id="group-supports"')


def test_list_get_delete_and_unknown_ids(client, imported):
    listed = client.get("/v1/factchecks?q=Eiffel").get_json()
    assert [f["url"] for f in listed["fact_checks"]] == [TOWER["url"]]
    tower = listed["fact_checks"][0]["id"]
    assert client.get(f"/v1/factchecks/{tower}").get_json()["claim"] == TOWER["claim"]
    assert client.delete(f"/v1/factchecks/{tower}").get_json() == {"id": tower, "deleted": True}
    assert client.get(f"/v1/factchecks/{tower}").status_code == 404
    assert client.delete(f"/v1/factchecks/{tower}").status_code == 404
    client.post("/v1/factchecks", json=TOWER)


@pytest.mark.parametrize("body, status, words", [
    ([], 400, "1 to 500"), ([{"claim": ""}], 400, "no fact-check could be imported"), ("text", 400, "imported"),
    ({"@type": "ClaimReview", "claimReviewed": "Le ciel est vert"}, 400, "no rating")])
def test_bad_fact_check_bodies_are_one_problem_with_a_clear_title(client, body, status, words):
    response = client.post("/v1/factchecks", json=body)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert words in response.get_json()["title"]


def test_writes_need_the_api_key_when_the_server_has_one(keyed, imported):
    assert keyed.post("/v1/factchecks", json=TOWER).status_code == 401
    assert keyed.delete(f"/v1/factchecks/{imported['ids'][0]}").status_code == 401
    assert keyed.post("/v1/factchecks", json=TOWER, headers={"X-API-Key": KEY}).status_code == 201
    assert keyed.get("/v1/factchecks").status_code == 200


def test_the_openapi_document_lists_the_fact_check_operations(client):
    spec = client.get("/v1/openapi.json").get_json()
    assert {"post", "get"} <= set(spec["paths"]["/v1/factchecks"])
    assert "delete" in spec["paths"]["/v1/factchecks/{fact_check_id}"]
    verify = spec["paths"]["/v1/verify"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert verify  # VerifyResponse, which now carries already_checked


def test_recoupe_factchecks_import_reports_skipped_lines_and_list_shows_them(services, tmp_path, capsys):
    from service.cli.main import main

    path = tmp_path / "desk.csv"
    path.write_text("claim,rating,date,url,author\nLe Mont Blanc mesure 4 805 mètres,Vrai,2023-05-01,,AFP\n"
                    "sans note,,2023-05-01,,\n", encoding="utf-8")
    data_dir = str(services.corpus.index.data_dir)
    assert main(["--data-dir", data_dir, "factchecks", "import", str(path)]) == 0
    err = capsys.readouterr().err
    assert "line 3" in err and "1 added" in err
    assert main(["--data-dir", data_dir, "factchecks", "list", "-q", "Mont Blanc", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["fact_checks"][0]["author"] == "AFP"
    assert main(["--data-dir", data_dir, "factchecks", "import", str(tmp_path / "missing.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
