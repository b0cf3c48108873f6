"""Every way a request can fail comes back as one application/problem+json shape, never a 500 trace."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest

from service.api import create_app
from service.api.services import Services

KEY = "test-key"
PROBLEM_KEYS = {"type", "title", "status", "detail", "errors", "code", "values"}  # code, values: a refused article


@pytest.fixture(scope="module")
def client(config, corpus):
    # No verifier: validation must answer before any model runs.
    app = create_app(replace(config, data_dir=corpus.config.data_dir, api_key=KEY), services=Services(corpus))
    return app.test_client()


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert {"type", "title", "status"} <= set(body) <= PROBLEM_KEYS
    assert body["status"] == status and body["title"] and isinstance(body["type"], str)
    assert "Traceback" not in response.get_data(as_text=True)
    return body


# --- 400: field errors ------------------------------------------------------------------

FIELD_ERRORS = [
    ({"claim": ""}, "claim"),
    ({"claim": "   \n\t "}, "claim"),
    ({"claim": "x" * 1001}, "claim"),
    ({"claim": 42}, "claim"),
    ({"claim": None}, "claim"),
    ({}, "claim"),
    ({"claim": "ok", "top_k": 0}, "top_k"),
    ({"claim": "ok", "top_k": 51}, "top_k"),
    ({"claim": "ok", "top_k": "5"}, "top_k"),
    ({"claim": "ok", "top_k": 2.5}, "top_k"),
    ({"claim": "ok", "top_k": True}, "top_k"),
    ({"claim": "ok", "languages": "fr"}, "languages"),
    ({"claim": "ok", "languages": ["french"]}, "languages"),
    ({"claim": "ok", "languages": []}, "languages"),
    ({"claim": "ok", "sources": [""]}, "sources"),
    ({"claim": "ok", "date_from": "2020-02-30"}, "date_from"),
    ({"claim": "ok", "date_from": "16/09/2020"}, "date_from"),
    ({"claim": "ok", "date_from": "2021-01", "date_to": "2020-12-31"}, "date_to"),
    ({"claim": "ok", "colour": "blue"}, "colour"),
]


@pytest.mark.parametrize("body,field", FIELD_ERRORS, ids=[f"{f}-{i}" for i, (_, f) in enumerate(FIELD_ERRORS)])
def test_invalid_verify_field_is_named_in_a_400(client, body, field):
    problem = problem_of(client.post("/v1/verify", json=body), 400)
    assert problem["type"] == "invalid-input"
    assert field in problem["errors"] and field in problem["title"]


def test_a_1000_character_claim_passes_validation(client):
    # Valid: reaches the application object, which has no verifier in this app.
    assert client.post("/v1/verify", json={"claim": "é" * 1000}).status_code == 503


def test_batch_errors_point_at_the_bad_claim(client):
    problem = problem_of(client.post("/v1/verify/batch", json={"claims": ["fine", " ", 7]}), 400)
    assert set(problem["errors"]["claims"]) == {"1", "2"}
    assert "claims[1]" in problem["title"]


@pytest.mark.parametrize("claims", [[], ["a claim"] * 65, "one claim"])
def test_batch_needs_1_to_64_claims(client, claims):
    assert "claims" in problem_of(client.post("/v1/verify/batch", json={"claims": claims}), 400)["errors"]


def test_a_list_where_an_object_is_expected_is_a_400(client):
    problem = problem_of(client.post("/v1/verify", json=["a claim"]), 400)
    assert problem["errors"] == {"_schema": ["Invalid input type."]}


# --- 400 / 413 / 415: the body itself ----------------------------------------------------


@pytest.mark.parametrize("raw", [b"{bad json", b'{"claim": "a"', b"", b"   ", b'{"claim": "a"} trailing',
                                 b'{"claim": "a", "top_k": NaN}', b"\xff\xfe\xfd"])
def test_malformed_json_is_a_400_saying_so(client, raw):
    problem = problem_of(client.post("/v1/verify", data=raw, content_type="application/json"), 400)
    assert "JSON" in problem["title"] or "empty" in problem["title"]
    assert "errors" not in problem


@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}])
def test_a_body_not_sent_as_json_is_a_415(client, headers):
    problem = problem_of(client.post("/v1/verify", data=b'{"claim": "a"}', headers=headers), 415)
    assert "Content-Type: application/json" in problem["title"]


def test_a_body_over_1_mb_is_a_413(client):
    body = json.dumps({"claim": "a", "sources": ["x" * (1024 * 1024)]})
    problem = problem_of(client.post("/v1/verify", data=body, content_type="application/json"), 413)
    assert "1 MB" in problem["title"]


# --- 404 / 405 / 401 -------------------------------------------------------------------------


@pytest.mark.parametrize("method,url", [("get", "/v1/nothing"), ("get", "/v2/verify"), ("post", "/v1/verify/"),
                                        ("get", "/v1/articles/no-such-id"), ("delete", "/v1/articles/no-such-id")])
def test_unknown_routes_and_articles_are_404(client, method, url):
    problem = problem_of(getattr(client, method)(url, headers={"X-API-Key": KEY}), 404)
    assert problem["type"] == "not-found"


def test_unknown_article_names_its_id(client):
    assert "no-such-id" in problem_of(client.get("/v1/articles/no-such-id"), 404)["title"]


@pytest.mark.parametrize("method,url,allowed", [("get", "/v1/verify", "POST"), ("put", "/v1/articles", "GET, POST"),
                                                ("post", "/v1/health", "GET")])
def test_wrong_method_is_405_naming_the_allowed_ones(client, method, url, allowed):
    response = getattr(client, method)(url)
    problem = problem_of(response, 405)
    assert problem["title"].endswith(f"use {allowed}")
    assert set(allowed.split(", ")) <= set(response.headers["Allow"].split(", "))


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}, {"X-Api-Key": KEY.upper()}])
@pytest.mark.parametrize("method,url", [("post", "/v1/articles"), ("delete", "/v1/articles/anything")])
def test_writes_without_the_api_key_are_401(client, method, url, headers):
    response = getattr(client, method)(url, json={"text": "Un texte qui ne doit pas être stocké ici."}, headers=headers)
    assert problem_of(response, 401)["type"] == "unauthorized"
    assert "X-API-Key" in response.headers["WWW-Authenticate"]


# --- nothing ever answers with a trace -----------------------------------------------------

ODD_BODIES = [
    b"null", b"[]", b"{}", b"0", b"-1e999", b"true", b'"claim"', b"\x00", bytes(range(256)),
    b'{"claim": null}', b'{"claim": ["a"]}', b'{"claim": {"a": 1}}', b'{"claim": "a", "top_k": 1e400}',
    b'{"claim": "a", "top_k": ' + b"9" * 5000 + b"}", b'{"claim": "a", "top_k": -9223372036854775809}',
    b'{"claim": "\\ud800"}', b'{"\\udfff": 1, "claim": "a"}', b'{"claim": "a", "languages": [null, 1, []]}',
    b"[" * 100_000, b"{" * 50_000, b'{"claims": [[[[]]]]}', b'{"claims": ' + b'["x"], ' * 10 + b"}",
    b'{"claim": "a", "date_from": "9999-99-99", "date_to": {"y": 1}}', b'{"claim": "a", "sources": "x"}',
    '{"claim": "🙂 ça va ? \u202e\u200b", "top_k": 50}'.encode(), '{"claim": "a"}'.encode("utf-16"),
    b'{"text": null}', b'[{"text": 1}]', b"[null]", b"[[]]", b'{"text": "\\ud800 x y z"}',
    b'{"text": "Trois mots au moins ici.", "language": "fran\\u00e7ais!"}',
    b'{"text": "Trois mots au moins ici.", "published_at": "yesterday"}',
    b'{"text": "!!! ??? ...", "title": "x"}', b'{"text": "   "}', b'{"id": 5, "text": "a b c d"}',
    b'{"id": "", "text": "a b c d"}', b'[' + b'{"text": "a"},' * 64 + b'{"text": "a"}]',
]


@pytest.mark.parametrize("url", ["/v1/verify", "/v1/verify/batch", "/v1/articles"])
def test_odd_bodies_never_cause_a_500(client, url):
    for raw in ODD_BODIES:
        response = client.post(url, data=raw, content_type="application/json", headers={"X-API-Key": KEY})
        assert response.status_code != 500, (raw[:80], response.get_data(as_text=True))
        if response.status_code >= 400:
            problem_of(response, response.status_code)


def test_odd_query_strings_never_cause_a_500(client):
    for query in ["limit=0", "limit=-1", "limit=abc", "limit=1e9", "offset=-5", "offset=%00", "limit=" + "9" * 5000,
                  "unknown=1", "limit=1&limit=2", "limit=%ff"]:
        response = client.get(f"/v1/articles?{query}")
        assert response.status_code in (200, 400), (query, response.get_data(as_text=True))
        if response.status_code == 400:
            problem_of(response, 400)


class _Broken(Services):
    def health(self):
        raise ZeroDivisionError("a bug")


def test_an_unexpected_error_is_logged_and_answered_without_its_trace(config, corpus, caplog):
    app = create_app(replace(config, data_dir=corpus.config.data_dir), services=_Broken(corpus))
    with caplog.at_level(logging.ERROR, logger="recoupe.api"):
        response = app.test_client().get("/v1/health", headers={"X-Request-ID": "req-42"})
    problem = problem_of(response, 500)
    assert problem["type"] == "internal-error" and "req-42" in problem["title"]
    assert "ZeroDivisionError" not in response.get_data(as_text=True)
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)
