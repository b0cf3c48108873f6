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


def test_an_articles_metadata_is_edited_in_place_and_date_filters_see_it(client, corpus):
    """PATCH /v1/articles/<id>: the title, source, address and date change, the text and passages stay, the
    corpus generation moves on (saved checks say the corpus changed), and a date filter sees the new date."""
    undated = {**ARTICLE, "id": "undated-1", "published_at": None, "url": None}
    assert client.post("/v1/articles", json=undated, headers=AUTH).status_code == 201
    before = client.get("/v1/articles/undated-1").get_json()
    generation = corpus.index.generation
    query = corpus.embedder.encode_queries(["Kim Kardashian Instagram mercredi"])[0]
    assert "undated-1" not in {h.article.id for h in corpus.index.search(query, 5, date_to="2030")}  # undated
    assert client.patch("/v1/articles/undated-1", json={"source": "Reuters"}).status_code == 401
    edited = client.patch("/v1/articles/undated-1", headers=AUTH, json={
        "title": "Des célébrités gèlent Instagram", "source": "Reuters", "url": "https://example.org/gel",
        "published_at": "2020-09-15"})
    assert edited.status_code == 200, edited.get_json()
    after = edited.get_json()
    assert (after["title"], after["source"], after["url"], after["published_at"]) == (
        "Des célébrités gèlent Instagram", "Reuters", "https://example.org/gel", "2020-09-15")
    assert after["text"] == before["text"] and after["passages"] == before["passages"]
    assert corpus.index.generation != generation
    found = corpus.index.search(query, 5, date_from="2020-09-01", date_to="2020-09-30")
    assert "undated-1" in {h.article.id for h in found}  # dated now, so a date filter keeps it
    cleared = client.patch("/v1/articles/undated-1", headers=AUTH, json={"published_at": None, "url": ""}).get_json()
    assert (cleared["published_at"], cleared["url"]) == (None, None)
    bad = client.patch("/v1/articles/undated-1", headers=AUTH, json={"published_at": "15/09/2020"})
    assert bad.status_code == 400 and "published_at" in bad.get_json()["errors"]
    assert client.patch("/v1/articles/undated-1", headers=AUTH, json={}).status_code == 400
    assert client.patch("/v1/articles/nope", headers=AUTH, json={"source": "x"}).status_code == 404


def test_the_page_edits_an_articles_metadata_and_dates_an_uploaded_txt(client, corpus):
    import html
    import io

    from tests.conftest import PageFormClient

    client.application.test_client_class = PageFormClient  # the page's forms carry the form token
    page_form = client.application.test_client()
    sent = page_form.post("/corpus/upload", content_type="multipart/form-data", data={
        "api_key": KEY, "txt_source": "Le Progrès", "txt_published_at": "2024-05-02",
        "txt_url": "https://example.org/pont",
        "files": [(io.BytesIO("Le pont rouvre\nLe pont Lafayette a rouvert lundi matin.".encode()), "pont.txt")]})
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    article_id = next(a.id for a in corpus.index.list_articles() if a.title == "Le pont rouvre")
    article = corpus.index.get_article(article_id)
    assert (article.source, article.published_at, article.url) == ("Le Progrès", "2024-05-02", "https://example.org/pont")
    page = page_form.get(f"/articles/{article_id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'id="metadata"' in page and "Modifier le titre, la source, la date et l" in html.unescape(page)
    stranger = client.application.test_client()  # a browser that was never given the key
    refused = stranger.post(f"/articles/{article_id}/metadata", data={"title": "x", "source": "y"})
    assert refused.status_code == 401 and corpus.index.get_article(article_id).title == "Le pont rouvre"
    saved = page_form.post(f"/articles/{article_id}/metadata", data={
        "api_key": KEY, "title": "Le pont Lafayette rouvre", "source": "Le Progrès",
        "published_at": "", "url": "https://example.org/pont"})
    assert saved.status_code == 303
    article = corpus.index.get_article(article_id)
    assert (article.title, article.published_at) == ("Le pont Lafayette rouvre", None)

