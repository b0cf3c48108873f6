"""Batches and retractions over /v1 (service/api/v1/batches.py, articles.py): the same work as the page's
batch and corpus screens, on the real verifier and seed corpus; and the page's errors in French."""

from __future__ import annotations

import html
import io
import re
import time

import pytest

REFUTED = "Kim Kardashian n'a que 10 millions d'abonnés sur Instagram"
KEY = "batch-key"


def _claims_file(body: str, name: str = "claims.csv"):
    return (io.BytesIO(body.encode()), name)


def _until_done(client, location: str, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while (batch := client.get(location).get_json())["status"] == "running":
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.5)
    return batch


def test_a_claims_file_is_checked_over_the_api_then_triaged_and_downloaded(client, keyed):
    from service.check.writers import COLUMNS

    body = f"id,claim\nb1,{REFUTED}\nb2,\nb3,Kim Kardashian will not post on Instagram on Wednesday\n"
    assert keyed.post("/v1/batches", data={"claims": _claims_file(body)},
                      content_type="multipart/form-data").status_code == 401
    sent = keyed.post("/v1/batches", data={"claims": _claims_file(body), "top_k": "4"},
                      headers={"X-API-Key": KEY}, content_type="multipart/form-data")
    assert sent.status_code == 202, sent.get_json()
    started = sent.get_json()
    assert started["total"] == 2 and started["top_k"] == 4 and started["name"] == "claims.csv"
    # the reason typed (a code and its values) beside its English words
    assert started["bad_rows"] == [{"line": 3, "reason": "the claim is empty", "code": "empty", "values": {}}]
    batch = _until_done(client, sent.headers["Location"])
    assert (batch["status"], batch["done"]) == ("done", 2)

    rows = client.get(f"/v1/batches/{batch['id']}/rows").get_json()
    assert [r["id"] for r in rows["rows"]] == ["b1", "b3"] and rows["batch"]["id"] == batch["id"]
    assert all(r["check"]["verdict"] for r in rows["rows"])
    refuted = client.get(f"/v1/batches/{batch['id']}/rows", query_string={"verdict": "refuted"}).get_json()
    assert [r["id"] for r in refuted["rows"]] == ["b1"]
    check = client.get(f"/v1/checks/{refuted['rows'][0]['check']['id']}").get_json()
    assert check["settings"]["top_k"] == 4  # each row is a saved check, with the batch's settings
    by_confidence = client.get(f"/v1/batches/{batch['id']}/rows", query_string={"sort": "confidence"}).get_json()
    confidences = [r["check"]["confidence"] for r in by_confidence["rows"]]
    assert confidences == sorted(confidences, reverse=True)

    csv = client.get(f"/v1/batches/{batch['id']}/download/csv")
    lines = csv.data.decode("utf-8-sig").splitlines()
    # RFC 6266: an ASCII filename= for old clients and the UTF-8 name in filename*= (issue: odd upload names)
    assert csv.headers["Content-Disposition"] == (
        'attachment; filename="claims-checked.csv"; filename*=UTF-8\'\'claims-checked.csv')
    assert lines[0].split(",") == list(COLUMNS) and len(lines) == 3
    # The page's triage screen links to these same downloads.
    page = client.get(f"/batches/{batch['id']}").get_data(as_text=True)
    assert f'href="/v1/batches/{batch["id"]}/download/jsonl"' in page


def test_a_bad_batch_upload_gets_one_problem_shape(client):
    missing = client.post("/v1/batches", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "claims" in missing.get_json()["title"]
    bad_k = client.post("/v1/batches", data={"claims": _claims_file(f"claim\n{REFUTED}\n"), "top_k": "99"},
                        content_type="multipart/form-data")
    assert bad_k.status_code == 400 and bad_k.mimetype == "application/problem+json"
    assert bad_k.get_json()["errors"]["top_k"] == ["must be between 1 and 50"]
    empty = client.post("/v1/batches", data={"claims": _claims_file("id,claim\n1,\n", "empty.csv")},
                        content_type="multipart/form-data")
    assert empty.status_code == 400 and "holds no claim" in empty.get_json()["title"]
    assert client.get("/v1/batches/no-such-batch").status_code == 404
    assert client.get("/v1/batches/no-such-batch/rows").status_code == 404
    assert client.get("/v1/batches/x/rows", query_string={"sort": "colour"}).status_code == 400
    unknown = client.get("/v1/batches/no-such-batch/download/pdf")
    assert unknown.status_code == 400 and "csv" in unknown.get_json()["title"]


def test_an_article_is_retracted_over_the_api_and_the_checks_that_cited_it_say_why(client, keyed, services):
    services.add_articles([{"id": "gare-retract", "title": "La gare rouvre", "source": "Le Progrès test",
                            "text": "La gare de Perrache a rouvert mardi après six mois de travaux, a annoncé "
                                    "la SNCF."}])
    check = client.post("/v1/checks", json={"claim": "La gare de Perrache a rouvert mardi"}).get_json()
    assert "gare-retract" in {s["article_id"] for e in check["result"]["evidence"] for s in e["sources"]}
    url = "/v1/articles/gare-retract/retract"
    assert keyed.post(url, json={"reason": "mauvaise gare"}).status_code == 401
    blank = keyed.post(url, json={"reason": "  "}, headers={"X-API-Key": KEY})
    assert blank.status_code == 400 and "reason" in blank.get_json()["errors"]
    done = keyed.post(url, json={"reason": "mauvaise gare"}, headers={"X-API-Key": KEY})
    assert done.status_code == 200, done.get_json()
    answer = done.get_json()
    assert answer["retraction"]["reason"] == "mauvaise gare" and answer["passages_removed"] >= 1
    assert answer["checks_citing"] == 1
    assert client.get("/v1/articles/gare-retract").status_code == 404
    reopened = client.get(f"/v1/checks/{check['id']}").get_json()
    assert [r["reason"] for r in reopened["retracted"]] == ["mauvaise gare"]
    assert keyed.post(url, json={"reason": "encore"}, headers={"X-API-Key": KEY}).status_code == 404


def test_the_new_operations_are_documented(client):
    spec = client.get("/v1/openapi.json").get_json()
    upload = spec["paths"]["/v1/batches"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"] and "415" not in upload["responses"]
    assert {"/v1/batches/{batch_id}/rows", "/v1/batches/{batch_id}/download/{fmt}",
            "/v1/articles/{article_id}/retract"} <= set(spec["paths"])
    download = spec["paths"]["/v1/batches/{batch_id}/download/{fmt}"]["get"]
    fmt, = [p for p in download["parameters"] if p["name"] == "fmt"]
    assert fmt["schema"]["enum"] == ["csv", "jsonl", "html", "md", "claimreview"]
    assert "400" in download["responses"]  # an unknown format is answered 400, so it is documented


def test_the_page_states_form_rules_and_errors_in_french(client, keyed):
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    page = html.unescape(client.post("/check", data={"claim": "  ", "top_k": "99"}, headers=french).get_data(as_text=True))
    assert "un nombre entier de 1 à 50" in page and "saisissez une affirmation de 1 à 1\u202f000 caractères" in page
    refused = keyed.post("/batch", data={"claims": _claims_file(f"claim\n{REFUTED}\n")}, headers=french,
                         content_type="multipart/form-data")
    text = html.unescape(refused.get_data(as_text=True))
    # the form back, the reason beside its focused key field (service/page/keys.py), not an error page
    assert refused.status_code == 401 and "Il faut la clé d'API du serveur : saisissez-la ici" in text
    assert re.search(r'id="batch-key"[^>]*autofocus', text)
    bad_k = client.post("/batch", data={"claims": _claims_file(f"claim\n{REFUTED}\n"), "top_k": "0"},
                        headers=french, content_type="multipart/form-data")
    assert bad_k.status_code == 400 and "un nombre entier de 1 à 50" in bad_k.get_data(as_text=True)
    english = client.get("/checks/no-such-check").get_data(as_text=True)
    assert "Not found (404)" in english


@pytest.mark.parametrize("name", ["中文の主張.csv", "中文 x.csv", "l'<img src=x onerror=alert(1)>.jsonl"])
def test_a_claims_file_named_in_any_script_is_checked_and_downloaded_under_its_name(client, name):
    from urllib.parse import quote

    sent = client.post("/v1/batches", data={"claims": _claims_file(f"id,claim\nz1,{REFUTED}\n"
                                                                   if name.endswith(".csv") else
                                                                   '{"id": "z1", "claim": "La tour Eiffel mesure 330 m"}\n',
                                                                   name), "top_k": "2"},
                       content_type="multipart/form-data")
    assert sent.status_code == 202, sent.get_json()  # not "the extension '(none)'"
    assert sent.get_json()["name"] == name
    _until_done(client, sent.headers["Location"])
    for fmt in ("csv", "jsonl", "html", "md", "claimreview"):
        got = client.get(f"{sent.headers['Location']}/download/{fmt}")
        assert got.status_code == 200, got.get_data(as_text=True)[:300]
        disposition = got.headers["Content-Disposition"]
        assert disposition.isascii() and "<" not in disposition and disposition.count('"') == 2
        assert "filename*=UTF-8''" in disposition
        if name.startswith("中文"):
            assert quote(name.rsplit(".", 1)[0], safe="") in disposition


@pytest.mark.parametrize("name", ['a"b; filename=evil.exe-checked.csv', "x\r\nSet-Cookie: a=b-checked.csv",
                                  "../../etc/passwd-checked.md", "中文-checked.csv", "-checked.csv"])
def test_a_download_name_cannot_break_out_of_its_header(name):
    from werkzeug.datastructures import Headers
    from werkzeug.http import parse_options_header

    from service.api.payload import attachment

    value = attachment(name)
    Headers([("Content-Disposition", value)])  # raises on a value a response could not carry
    kind, options = parse_options_header(value)
    assert kind == "attachment" and value.isascii() and value.count('"') == 2
    assert "/" not in options["filename"] and "\r" not in options["filename"] and '"' not in options["filename"]
    assert options["filename"].rsplit(".", 1)[1] == name.rsplit(".", 1)[1]
