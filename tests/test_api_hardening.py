"""What an outside test of the API broke, answered with clear problems instead (issue 12)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from service.api import create_app
from service.api.services import Services
from service.limits import MAX_BATCH_CHARS
from tests.test_api_errors import problem_of

KEY = "test-key"
GOOD = "Le port du Havre a traité un volume record de conteneurs cette année, selon son directeur."


@pytest.fixture(scope="module")
def app(config, corpus):
    # No verifier: a claim that passes validation stops at 503, one that does not is a 400.
    return create_app(replace(config, data_dir=corpus.config.data_dir, api_key=KEY), services=Services(corpus))


@pytest.fixture
def client(app):
    return app.test_client()


def _post_article(client, body):
    return client.post("/v1/articles", json=body, headers={"X-API-Key": KEY})


# --- defect 1: 500s found by schemathesis ------------------------------------------------


@pytest.mark.parametrize("offset", ["933442611964235874304", str(2**63), str(2**53 + 1)])
def test_a_huge_list_offset_is_a_400_not_a_500(client, offset):
    problem = problem_of(client.get(f"/v1/articles?offset={offset}"), 400)
    assert "offset" in problem["errors"]


def test_the_largest_documented_offset_answers_an_empty_page(client, app):
    spec = client.get("/v1/openapi.json").get_json()
    params = spec["paths"]["/v1/articles"]["get"]["parameters"]
    maximum = next(p["schema"]["maximum"] for p in params if p["name"] == "offset")
    page = client.get(f"/v1/articles?offset={maximum}").get_json()
    assert page["articles"] == [] and page["offset"] == maximum


# --- defect 4: claims with nothing to check ------------------------------------------------


@pytest.mark.parametrize("claim", ["\u200b\u200b\u200b", "...", "?!", "\u202e\u2066", "the of and", "— « » —"])
def test_a_claim_with_nothing_to_check_is_refused(client, claim):
    problem = problem_of(client.post("/v1/verify", json={"claim": claim}), 400)
    assert "claim" in problem["errors"]


def test_invisible_characters_in_a_batch_claim_are_refused_by_position(client):
    problem = problem_of(client.post("/v1/verify/batch", json={"claims": ["Kim Kardashian", "\u200b"]}), 400)
    assert set(problem["errors"]["claims"]) == {"1"}


def test_a_real_claim_with_invisible_characters_passes_validation(client):
    # Valid once normalised: reaches the application object (no verifier here: 503).
    assert client.post("/v1/verify", json={"claim": "Kim Kar\u200bdashian a 189\u00ad millions"}).status_code == 503


# --- defect 6: a batch is bounded in total work ----------------------------------------------


def test_a_batch_over_the_character_budget_is_a_400_naming_it(client):
    claims = ["Kim Kardashian a publié sur Instagram " + "x" * 950] * 64
    problem = problem_of(client.post("/v1/verify/batch", json={"claims": claims}), 400)
    assert f"{MAX_BATCH_CHARS:,}" in problem["title"] and "claims" in problem["errors"]


def test_a_batch_within_the_budget_passes_validation(client):
    claims = ["Kim Kardashian a publié sur Instagram mercredi"] * 64
    assert client.post("/v1/verify/batch", json={"claims": claims}).status_code == 503


# --- defect 8: articles ---------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "source", "url", "id"])
def test_control_characters_in_an_article_field_are_refused(client, field):
    problem = problem_of(_post_article(client, {field: "Le\x07 Monde", "text": GOOD}), 400)
    assert field in problem["title"] and "control character" in problem["title"]


def test_an_article_without_a_single_passage_is_refused_and_not_stored(client):
    before = client.get("/v1/stats").get_json()["articles"]
    problem = problem_of(_post_article(client, [{"id": "ok-1", "text": GOOD}, {"id": "noise", "text": "!!! ??? Oui."}]), 400)
    assert "noise" in problem["title"] and "no passage" in problem["title"]
    assert client.get("/v1/stats").get_json()["articles"] == before  # all or nothing


def test_an_article_over_the_size_limit_is_a_413(client, app):
    # Well under the body limit as JSON, but too many distinct sentences for one article.
    text = " ".join(f"Phrase {n} différente." for n in range(30_000))
    problem = problem_of(_post_article(client, {"id": "big", "text": text}), 413)
    assert problem["type"] == "too-large" and "split it" in problem["title"]


def test_a_number_with_too_many_digits_is_named_in_plain_words(client):
    raw = b'{"claim": "Kim Kardashian", "top_k": ' + b"9" * 5000 + b"}"
    problem = problem_of(client.post("/v1/verify", data=raw, content_type="application/json"), 400)
    assert "too many digits" in problem["title"] and "sys." not in problem["title"]


def _pattern(spec, schema_name, field):
    return spec["components"]["schemas"][schema_name]["properties"][field]["pattern"]


@pytest.mark.parametrize("date", ["0000", "0000-01-01", "2020-13", "2020-00-10", "2020-01-32", "٢٠٢٠"])
def test_dates_the_server_refuses_are_refused_by_the_documented_pattern_too(client, date):
    spec = client.get("/v1/openapi.json").get_json()
    pattern = _pattern(spec, "VerifyRequest", "date_from")
    assert re.search(pattern, date) is None
    problem_of(client.post("/v1/verify", json={"claim": "Kim Kardashian", "date_from": date}), 400)


@pytest.mark.parametrize("date", ["2020", "2020-09", "2020-09-16", "0001-01-01"])
def test_dates_the_documented_pattern_accepts_pass_the_server(client, date):
    spec = client.get("/v1/openapi.json").get_json()
    assert re.search(_pattern(spec, "VerifyRequest", "date_from"), date)
    assert client.post("/v1/verify", json={"claim": "Kim Kardashian", "date_from": date}).status_code == 503


def test_published_at_has_the_pattern_the_ingest_rule_enforces(client):
    spec = client.get("/v1/openapi.json").get_json()
    pattern = _pattern(spec, "ArticleIn", "published_at")
    for good in ["2020", "2020-09-16", "2020-09-16T10:00:00Z", "2020-09-16 10:00+02:00"]:
        assert re.search(pattern, good), good
    for bad in ["yesterday", "16/09/2020", "2020-09-16T"]:
        assert re.search(pattern, bad) is None, bad
        problem_of(_post_article(client, {"text": GOOD, "published_at": bad}), 400)


def test_a_claim_field_keeps_its_documented_limit(client):
    spec = client.get("/v1/openapi.json").get_json()
    claim = spec["components"]["schemas"]["VerifyRequest"]["properties"]["claim"]
    assert claim["maxLength"] == 1000 and json.dumps(claim)
