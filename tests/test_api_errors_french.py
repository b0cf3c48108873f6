"""The API's problems in the reader's language: a French Accept-Language gets a French `title` (and French
field messages), a request naming no language gets English, and the machine fields (`type`, `status`, field
names, headers) are the same in both."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from service.api import create_app
from service.api.services import Services
from service.limits import MAX_ARTICLES_PER_REQUEST
from tests.test_api_errors import problem_of
from tests.test_page_french import ENGLISH, WORD

KEY = "clé-de-test"
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


@pytest.fixture(scope="module")
def client(config, corpus):
    app = create_app(replace(config, data_dir=corpus.config.data_dir, api_key=KEY), services=Services(corpus))
    return app.test_client()


def english_in(title: str) -> set[str]:
    text = re.sub(r"'[^']*'|/\S*|X-API-Key|Retry-After|date_from", " ", title)  # ids, paths, header and field names
    return {w for w in re.findall(WORD, text.lower()) if w in ENGLISH}


def both(client, method, url, status, **kwargs) -> tuple[dict, dict]:
    """The problem asked in French, then with no language named; the machine fields agree."""
    headers = kwargs.pop("headers", {})
    french = problem_of(getattr(client, method)(url, headers={**headers, **FR}, **kwargs), status)
    english = problem_of(getattr(client, method)(url, headers=headers, **kwargs), status)
    assert french["type"] == english["type"] and french["status"] == english["status"]
    assert set(french.get("errors") or {}) == set(english.get("errors") or {})
    assert french["title"] != english["title"]
    assert not english_in(french["title"]), (french["title"], english_in(french["title"]))
    return french, english


def test_the_api_key_refusals(client):
    french, english = both(client, "post", "/v1/articles", 401, json={"text": "Un texte."})
    assert "clé d'API du serveur dans l'en-tête X-API-Key" in french["title"]
    assert english["title"] == "this operation needs the server's API key in the X-API-Key header"
    french, english = both(client, "delete", "/v1/articles/x", 401, headers={"X-API-Key": "wrong"})
    assert french["title"] == "la clé d'API de l'en-tête X-API-Key n'est pas celle du serveur"
    assert english["title"] == "the API key in the X-API-Key header is not the server's key"


def test_an_unknown_article_and_an_unknown_route(client):
    french, english = both(client, "get", "/v1/articles/no-such-id", 404)
    assert french["title"] == "aucun article d'identifiant 'no-such-id' dans l'index"
    assert english["title"] == "no article with id 'no-such-id' in the index"
    french, english = both(client, "get", "/v1/nothing", 404)
    assert french["title"].startswith("/v1/nothing n'existe pas ici") and english["title"].startswith("there is no")


def test_a_wrong_method_and_a_body_over_the_limit(client):
    french, english = both(client, "get", "/v1/verify", 405)
    assert french["title"] == "GET n'est pas accepté sur /v1/verify ; utilisez POST"
    assert english["title"] == "GET is not allowed on /v1/verify; use POST"
    body = json.dumps({"claim": "a", "sources": ["x" * (1024 * 1024)]})
    french, english = both(client, "post", "/v1/verify", 413, data=body, content_type="application/json")
    assert "limite de 1 Mo" in french["title"] and "1 MB" in english["title"]


def test_field_errors_name_the_field_in_the_readers_words(client):
    french, english = both(client, "post", "/v1/verify", 400, json={"top_k": "5", "date_from": "16/09/2020"})
    assert french["errors"]["claim"] == ["Champ obligatoire manquant."]
    assert english["errors"]["claim"] == ["Missing data for required field."]
    assert french["errors"]["top_k"] == ["Ce n'est pas un nombre entier valide."]
    assert french["errors"]["date_from"] == ["doit être une date ISO : AAAA, AAAA-MM ou AAAA-MM-JJ"]
    assert french["title"].startswith("requête invalide : ") and english["title"].startswith("invalid request: ")
    french, _ = both(client, "post", "/v1/verify", 400, json=["une affirmation"])
    assert french["errors"] == {"_schema": ["Type d'entrée invalide."]}


def test_too_many_requests(config, corpus):
    client = create_app(replace(config, data_dir=corpus.config.data_dir, api_key=KEY, rate_limit_writes="2 per minute"),
                        services=Services(corpus)).test_client()
    for _ in range(2):
        client.delete("/v1/articles/x", headers={"X-API-Key": "wrong"})
    french = problem_of(client.delete("/v1/articles/x", headers={"X-API-Key": "wrong", **FR}), 429)
    english = problem_of(client.delete("/v1/articles/x", headers={"X-API-Key": "wrong"}), 429)
    assert french["type"] == english["type"] == "too-many-requests"
    assert french["title"].startswith("trop de requêtes de ce client (limite : 2 par 1 minute)")
    assert "Retry-After" in french["title"]
    assert english["title"].startswith("too many requests from this client (limit: 2 per 1 minute)")


@pytest.mark.parametrize("raw,content_type,french_says,english_says", [
    (b'{"claim": "a"}', "text/plain", "envoyez le corps en JSON avec l'en-tête Content-Type: application/json "
     "(reçu : text/plain)", "send the body as JSON with the header Content-Type: application/json (got text/plain)"),
    (b'{"claim": "a"}', None, "(la requête n'en a pas)", "(the request has none)"),
    (b"   ", "application/json", "le corps de la requête est vide ; envoyez un objet JSON",
     "the request body is empty; send a JSON object"),
    (b'{"claim": "a",\n "top_k": }', "application/json",
     "le corps de la requête n'est pas du JSON valide (l'erreur est à la ligne 2, colonne 11)",
     "the request body is not valid JSON (the fault is at line 2, column 11)"),
    (b'{"claim": "a", "top_k": NaN}', "application/json", "NaN n'est pas une valeur JSON ; envoyez un nombre ou null",
     "NaN is not a JSON value; send a number or null"),
    (b"[" * 100_000, "application/json", "il est imbriqué trop profondément", "it is nested too deeply"),
    (b'{"top_k": ' + b"7" * 5000 + b"}", "application/json", "un nombre qui a trop de chiffres (plus de 4300)",
     "a number with too many digits (over 4300)"),
    (b"\xff\xfe\xfd", "application/json", "ce n'est pas du texte UTF-8", "it is not UTF-8 text"),
])
def test_a_body_that_is_not_json_is_said_in_the_readers_language(client, raw, content_type, french_says,
                                                                   english_says):
    headers = {"Content-Type": content_type} if content_type else {}
    status = 400 if content_type == "application/json" else 415
    french, english = both(client, "post", "/v1/verify", status, data=raw, headers=headers)
    assert french_says in french["title"] and english_says in english["title"]
    if status == 415:
        assert french["type"] == "unsupported-media-type"
    if "line 2" in english_says:  # the parser's own words stay machine facts, the same in both
        assert french["detail"] == english["detail"] == {"parser": "Expecting value", "line": 2, "column": 11}


def test_article_requests_refused_in_the_readers_language(client):
    key = {"X-API-Key": KEY}
    french, english = both(client, "post", "/v1/articles", 400, json=[], headers=key)
    assert french["title"] == f"envoyez de 1 à {MAX_ARTICLES_PER_REQUEST} articles par requête"
    assert english["title"] == f"send 1 to {MAX_ARTICLES_PER_REQUEST} articles per request"
    french, _ = both(client, "patch", "/v1/articles/no-such-id", 400, json={}, headers=key)
    assert french["errors"] == {"_schema": ["envoyez au moins un des champs title, source, url, published_at"]}
    french, _ = both(client, "patch", "/v1/articles/no-such-id", 400, json={"published_at": "16/09/2020"},
                     headers=key)
    assert french["errors"] == {"published_at": ["une date ISO comme 2020, 2020-09 ou 2020-09-16"]}


def test_fact_check_and_claim_ranking_fields_are_refused_in_the_readers_language(client):
    french, english = both(client, "post", "/v1/factchecks/match", 400, json={"claim": "x" * 1001})
    assert english["errors"]["claim"] == ["the claim is 1001 characters long, over the 1000-character limit"]
    assert not english_in(" ".join(french["errors"]["claim"])) and "1000" in french["errors"]["claim"][0]
    french, english = both(client, "post", "/v1/claims/extract", 400,
                           json={"text": "Le maire a inauguré le pont lundi.", "top": 0, "language": "français"})
    assert set(french["errors"]) == {"top", "language"}
    for messages in french["errors"].values():
        assert not english_in(" ".join(messages)), messages
    assert english["errors"]["language"] == ["must be a language code such as 'fr' or 'en'"]
