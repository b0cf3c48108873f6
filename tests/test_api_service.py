"""Health, stats, the OpenAPI document and the docs page, over the seed corpus."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from flask import Flask

from service.api import create_app
from service.api.services import Services
from service.corpus import Corpus
from service.verdict.types import VERDICTS
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def corpus(config, embedder, tmp_path_factory):
    c = Corpus(replace(config, data_dir=tmp_path_factory.mktemp("api-seeds")), embedder)
    c.ingest_paths([SEEDS])
    yield c
    c.close()


@pytest.fixture(scope="module")
def app(config, corpus):
    return create_app(replace(config, data_dir=corpus.config.data_dir), services=Services(corpus))


@pytest.fixture
def client(app):
    return app.test_client()


def test_health_reports_loaded_models_and_index_counts(client):
    health = client.get("/v1/health").get_json()
    assert health["models"] == {"embedder": True, "stance": False}
    assert health["status"] == "degraded"  # no verifier in this app
    assert health["index"]["articles"] == 4
    assert health["index"]["passages"] > 40 and health["index"]["vectors"] == health["index"]["passages"]


def test_stats_count_the_seed_corpus_without_server_paths(client):
    stats = client.get("/v1/stats").get_json()
    assert stats["articles"] == 4 and sum(stats["sources"].values()) == 4
    assert stats["languages"]["fr"] > 40 and stats["dim"] == 384
    assert "data_dir" not in stats


def test_french_text_is_sent_as_readable_utf8(client):
    raw = client.get("/v1/articles").get_data(as_text=True)
    assert "célébrités" in raw and "\\u00e9" not in raw


def test_openapi_document_describes_every_route_from_the_schemas(app, client):
    spec = client.get("/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    expected = {"/v1/verify": {"post"}, "/v1/verify/batch": {"post"}, "/v1/articles": {"get", "post"},
                "/v1/articles/{article_id}": {"get", "delete", "patch"}, "/v1/health": {"get"}, "/v1/stats": {"get"},
                "/v1/checks": {"get", "post"}, "/v1/checks/{check_id}": {"get", "patch"},
                "/v1/checks/{check_id}/reviews": {"post"}, "/v1/checks/{check_id}/reviews/{item}": {"delete"},
                "/v1/checks/{check_id}/export/{fmt}": {"get"}, "/v1/reviews/export": {"get"}, "/v1/batches": {"post"}, "/v1/batches/{batch_id}": {"get"},
                "/v1/batches/{batch_id}/rows": {"get"}, "/v1/batches/{batch_id}/download/{fmt}": {"get"},
                "/v1/articles/{article_id}/retract": {"post"},
                # already checked? what to check? (earlier checks, published fact-checks, check-worthiness)
                "/v1/factchecks": {"get", "post"}, "/v1/factchecks/{fact_check_id}": {"get", "delete"},
                "/v1/factchecks/match": {"post"}, "/v1/claims/extract": {"post"}}
    assert {path: set(ops) for path, ops in spec["paths"].items()} == expected
    documented = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules()}
    assert set(expected) <= documented

    schemas = spec["components"]["schemas"]
    request = schemas["VerifyRequest"]
    assert request["required"] == ["claim"] and request["additionalProperties"] is False
    assert (request["properties"]["claim"]["minLength"], request["properties"]["claim"]["maxLength"]) == (1, 1000)
    assert (request["properties"]["top_k"]["minimum"], request["properties"]["top_k"]["maximum"]) == (1, 50)
    assert schemas["VerifyResponse"]["properties"]["verdict"]["enum"] == list(VERDICTS)
    assert schemas["BatchVerifyRequest"]["properties"]["claims"]["maxItems"] == 64
    verify = spec["paths"]["/v1/verify"]["post"]
    assert verify["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/VerifyRequest"}
    assert verify["responses"]["400"]["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")


def test_only_writes_need_the_api_key_in_the_document(client):
    spec = client.get("/v1/openapi.json").get_json()
    secured = {(path, method) for path, ops in spec["paths"].items() for method, op in ops.items() if "security" in op}
    assert secured == {("/v1/articles", "post"), ("/v1/articles/{article_id}", "delete"),
                       ("/v1/checks/{check_id}/reviews", "post"), ("/v1/checks/{check_id}/reviews/{item}", "delete"),
                       ("/v1/checks/{check_id}", "patch"), ("/v1/articles/{article_id}", "patch"),
                       ("/v1/batches", "post"), ("/v1/articles/{article_id}/retract", "post"),
                       ("/v1/factchecks", "post"), ("/v1/factchecks/{fact_check_id}", "delete")}
    assert spec["components"]["securitySchemes"]["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}


def test_docs_page_is_self_contained_html(client):
    response = client.get("/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    # its script is a file of this host (the page's strict policy allows no inline script); it reads the spec
    # and posts to verify
    assert re.search(r'<script src="/assets/api-docs.js', page)
    script = client.get("/assets/api-docs.js").get_data(as_text=True)
    assert 'fetch("/v1/openapi.json")' in script and 'fetch("/v1/verify"' in script
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing from another host
    home = client.get("/")  # the fact-checker's page (service/page/), which links to the docs
    assert home.status_code == 200 and 'href="/v1/docs"' in home.get_data(as_text=True)


def test_request_id_is_echoed_or_made(client):
    assert client.get("/v1/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/v1/health", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", made)


def test_wsgi_module_builds_the_app_without_loading_anything(monkeypatch, tmp_path):
    monkeypatch.setenv("RECOUPE_DATA_DIR", str(tmp_path / "never-opened"))
    from service.api import wsgi

    assert isinstance(wsgi.app, Flask)
    assert wsgi.app.test_client().get("/v1/openapi.json").status_code == 200
    assert not (tmp_path / "never-opened").exists()
