"""Adding, listing, reading and deleting articles over HTTP, with the real embedder and index."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.api import create_app
from service.api.services import Services
from service.corpus import Corpus

KEY = "s3cret"
AUTH = {"X-API-Key": KEY}
ARTICLE = {
    "id": "afp/2020/0916-instagram",
    "title": "Des célébrités gèlent leur compte Instagram",
    "text": "Kim Kardashian a annoncé mardi qu'elle ne publierait rien sur Instagram mercredi. "
            "Plusieurs autres stars se joignent au mouvement contre la haine en ligne.",
    "source": "AFP",
    "url": "https://example.org/instagram",
    "published_at": "2020-09-16",
    "language": "fr",
}


@pytest.fixture
def corpus(config, embedder, tmp_path):
    c = Corpus(replace(config, data_dir=tmp_path / "data"), embedder)
    yield c
    c.close()


@pytest.fixture
def client(config, corpus):
    app = create_app(replace(config, data_dir=corpus.config.data_dir, api_key=KEY), services=Services(corpus))
    return app.test_client()


def test_posted_article_can_be_read_listed_then_deleted(client):
    created = client.post("/v1/articles", json=ARTICLE, headers=AUTH)
    assert created.status_code == 201
    assert created.get_json()["ids"] == [ARTICLE["id"]] and created.get_json()["articles_added"] == 1
    assert created.headers["Location"].endswith("/v1/articles/afp/2020/0916-instagram")

    article = client.get(created.headers["Location"]).get_json()
    assert {k: article[k] for k in ("title", "source", "url", "published_at", "language")} == {
        k: ARTICLE[k] for k in ("title", "source", "url", "published_at", "language")}
    assert "path" not in article  # a server-side detail
    passages = article["passages"]
    assert len(passages) == 2 == created.get_json()["passages_added"]
    assert all(article["text"][p["start"]:p["end"]] == p["text"] for p in passages)

    listed = client.get("/v1/articles").get_json()
    assert [a["id"] for a in listed["articles"]] == [ARTICLE["id"]] and listed["total"] == 1

    deleted = client.delete(f"/v1/articles/{ARTICLE['id']}", headers=AUTH)
    assert deleted.status_code == 200 and deleted.get_json() == {"id": ARTICLE["id"], "passages_removed": 2}
    assert client.get(f"/v1/articles/{ARTICLE['id']}").status_code == 404
    assert client.delete(f"/v1/articles/{ARTICLE['id']}", headers=AUTH).status_code == 404
    assert client.get("/v1/stats").get_json()["passages"] == 0


def test_an_article_sent_twice_is_stored_once(client):
    body = {"text": "Le conseil municipal a voté mardi la gratuité des transports pour les moins de 18 ans."}
    first = client.post("/v1/articles", json=body, headers=AUTH).get_json()
    again = client.post("/v1/articles", json=body, headers=AUTH).get_json()
    assert first["ids"] == again["ids"] and first["ids"][0].startswith("api_")
    assert again["articles_added"] == 0 and again["duplicates_skipped"] == 1
    stored = client.get(f"/v1/articles/{first['ids'][0]}").get_json()
    assert stored["source"] == "api" and stored["language"] == "fr"  # defaults, as for a .json file


def test_new_content_under_a_known_id_replaces_the_article(client):
    client.post("/v1/articles", json=ARTICLE, headers=AUTH)
    changed = {**ARTICLE, "text": ARTICLE["text"] + " Le mouvement durera vingt-quatre heures selon les organisateurs."}
    report = client.post("/v1/articles", json=changed, headers=AUTH).get_json()
    assert report["articles_replaced"] == 1
    assert len(client.get(f"/v1/articles/{ARTICLE['id']}").get_json()["passages"]) == 3


def test_article_list_is_paginated(client):
    batch = [{"id": f"a{i}", "text": f"Article numéro {i} sur la réforme des retraites présentée hier."} for i in range(3)]
    assert client.post("/v1/articles", json=batch, headers=AUTH).get_json()["articles_added"] == 3
    first = client.get("/v1/articles?limit=2").get_json()
    assert [a["id"] for a in first["articles"]] == ["a0", "a1"]
    assert (first["total"], first["next_offset"]) == (3, 2)
    last = client.get("/v1/articles?limit=2&offset=2").get_json()
    assert [a["id"] for a in last["articles"]] == ["a2"] and last["next_offset"] is None
    assert client.get("/v1/articles?limit=201").status_code == 400


def test_one_bad_article_in_a_list_stores_none_and_names_the_item(client):
    batch = [{"text": "Un article tout à fait correct avec assez de mots."}, {"title": "sans texte"}]
    response = client.post("/v1/articles", json=batch, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"1": {"text": ["Missing data for required field."]}}
    assert client.get("/v1/stats").get_json()["articles"] == 0


def test_ingest_rules_are_those_of_json_files(client):
    response = client.post("/v1/articles", json={**ARTICLE, "published_at": "16 septembre"}, headers=AUTH)
    assert response.status_code == 400 and "published_at '16 septembre'" in response.get_json()["title"]


def test_without_a_configured_key_writes_are_open(config, corpus):
    client = create_app(replace(config, data_dir=corpus.config.data_dir, api_key=""), services=Services(corpus)).test_client()
    assert client.post("/v1/articles", json=ARTICLE).status_code == 201
    assert client.delete(f"/v1/articles/{ARTICLE['id']}").status_code == 200
