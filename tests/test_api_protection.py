"""Rate limits, security headers, the access and audit logs, and an OpenAPI document that tells the truth about auth."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest

from service.api import create_app
from service.api.services import Services
from tests.test_api_errors import problem_of

KEY = "the-key"
GOOD = "Le port du Havre a traité un volume record de conteneurs cette année, selon son directeur."


def _app(config, corpus, **overrides):
    cfg = replace(config, data_dir=corpus.config.data_dir, **overrides)
    return create_app(cfg, services=Services(corpus))


# --- rate limits --------------------------------------------------------------------------


def test_wrong_key_writes_get_a_429_with_retry_after_once_over_the_limit(config, corpus):
    client = _app(config, corpus, api_key=KEY, rate_limit_writes="5 per minute").test_client()
    statuses = [client.delete("/v1/articles/x", headers={"X-API-Key": "wrong"}).status_code for _ in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    response = client.delete("/v1/articles/x", headers={"X-API-Key": "wrong"})
    problem = problem_of(response, 429)
    assert problem["type"] == "too-many-requests" and "Retry-After" in problem["title"]
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_the_key_holder_has_its_own_budget_and_health_has_none(config, corpus):
    client = _app(config, corpus, api_key=KEY, rate_limit_writes="2 per minute", rate_limit_reads="2 per minute").test_client()
    for _ in range(3):
        client.delete("/v1/articles/x", headers={"X-API-Key": "wrong"})
    assert client.delete("/v1/articles/no-such", headers={"X-API-Key": KEY}).status_code == 404
    assert all(client.get("/v1/health").status_code == 200 for _ in range(20))
    assert [client.get("/v1/stats").status_code for _ in range(3)] == [200, 200, 429]


def test_a_batch_costs_several_verifications(config, corpus):
    client = _app(config, corpus, rate_limit_verify="10 per minute").test_client()
    body = {"claims": ["Kim Kardashian a publié sur Instagram"]}
    assert client.post("/v1/verify/batch", json=body).status_code == 503  # no verifier: past the limiter
    assert client.post("/v1/verify/batch", json=body).status_code == 429  # 8 + 8 > 10
    assert [client.post("/v1/verify", json={"claim": "Kim Kardashian"}).status_code for _ in range(3)] == [503, 503, 429]


def test_clients_behind_a_trusted_proxy_are_counted_apart(config, corpus):
    client = _app(config, corpus, rate_limit_reads="1 per minute", proxy_hops=1).test_client()
    assert client.get("/v1/stats", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200
    assert client.get("/v1/stats", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert client.get("/v1/stats", headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 200


def test_without_a_trusted_proxy_a_forwarded_header_cannot_dodge_the_limit(config, corpus):
    client = _app(config, corpus, rate_limit_reads="1 per minute").test_client()
    assert client.get("/v1/stats", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200
    assert client.get("/v1/stats", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429


def test_limited_operations_document_their_429(config, corpus):
    spec = _app(config, corpus, rate_limit_verify="10 per minute").test_client().get("/v1/openapi.json").get_json()
    assert "429" in spec["paths"]["/v1/verify"]["post"]["responses"]
    assert "429" not in spec["paths"]["/v1/health"]["get"]["responses"]


# --- security headers ---------------------------------------------------------------------


@pytest.mark.parametrize("method,url", [("get", "/v1/health"), ("get", "/v1/nothing"), ("post", "/v1/verify"),
                                        ("get", "/v1/openapi.json")])
def test_every_response_carries_the_security_headers(config, corpus, method, url):
    response = getattr(_app(config, corpus).test_client(), method)(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_docs_page_may_run_its_own_script_and_call_only_its_own_server(config, corpus):
    csp = _app(config, corpus).test_client().get("/v1/docs").headers["Content-Security-Policy"]
    assert "connect-src 'self'" in csp and "default-src 'none'" in csp and "http" not in csp


def test_every_write_has_a_rate_budget_and_is_audited(config, corpus):
    """A route added without a budget would be the one a script can hammer (the key screen, a model-heavy
    ranking); one added outside the audit log would change the corpus or the record unseen."""
    from service.api.protection import BUDGETS
    from service.api.request_log import _AUDITED

    app = _app(config, corpus)
    harmless = {"page.lock_browser"}  # forgets this browser's unlock token: nothing to limit or record
    writes = {r.endpoint for r in app.url_map.iter_rules() if r.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    assert writes - set(BUDGETS) - harmless == set()
    # the writes that change the corpus, the record or the key's state (checking a claim saves a check, but
    # is a verification, counted by its own budget)
    recorded = {e for e in writes - harmless if BUDGETS[e] == "writes" and not e.startswith("articles.")}
    assert recorded - _AUDITED == set()


# --- logs -------------------------------------------------------------------------------------


def test_the_access_log_names_the_client_address(config, corpus, caplog):
    client = _app(config, corpus).test_client()
    with caplog.at_level(logging.INFO, logger="recoupe.api"):
        client.get("/v1/health", environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert any(r.getMessage().startswith("198.51.100.4 GET /v1/health 200") for r in caplog.records)


def test_every_write_attempt_is_in_the_audit_log_with_who_and_what(config, corpus, tmp_path):
    audit_path = tmp_path / "audit.jsonl"
    client = _app(config, corpus, api_key=KEY, audit_log=str(audit_path)).test_client()
    client.post("/v1/articles", json={"id": "audited", "text": GOOD}, headers={"X-API-Key": KEY},
                environ_base={"REMOTE_ADDR": "198.51.100.5"})
    client.delete("/v1/articles/audited", headers={"X-API-Key": "wrong"})
    client.delete("/v1/articles/audited", headers={"X-API-Key": KEY})
    client.get("/v1/articles")  # a read: not audited
    records = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert [(r["method"], r["status"], r["who"][:3], r["articles"]) for r in records] == [
        ("POST", 201, "key", ["audited"]), ("DELETE", 401, "wro", ["audited"]), ("DELETE", 200, "key", ["audited"])]
    assert records[0]["client"] == "198.51.100.5" and KEY not in audit_path.read_text()
    assert all(r["time"] and r["request_id"] for r in records)


# --- the OpenAPI document and auth ----------------------------------------------------------


def test_with_no_key_configured_the_document_says_writes_are_open(config, corpus):
    spec = _app(config, corpus, api_key="").test_client().get("/v1/openapi.json").get_json()
    op = spec["paths"]["/v1/articles"]["post"]
    assert op["security"] == [{}] and "401" not in op["responses"]
    assert "no API key configured" in op["description"]


def test_with_a_key_configured_the_document_requires_it(config, corpus):
    spec = _app(config, corpus, api_key=KEY).test_client().get("/v1/openapi.json").get_json()
    op = spec["paths"]["/v1/articles/{article_id}"]["delete"]
    assert op["security"] == [{"ApiKey": []}] and "401" in op["responses"]
    assert "no API key configured" not in op.get("description", "")


@pytest.mark.parametrize("path", ["/corpus/upload", "/batch", "/corpus/pont/delete", "/corpus/pont/retract",
                                  "/v1/batches"])
def test_a_write_form_over_the_body_limit_is_a_413_and_is_audited(config, corpus, tmp_path, path):
    import io

    from flask.testing import FlaskClient

    from service.limits import MAX_BODY_BYTES

    audit_path = tmp_path / "audit.jsonl"
    app = _app(config, corpus, audit_log=str(audit_path))
    client = FlaskClient(app, app.response_class)  # no form token: the size is refused before it is read
    big = {"files": [(io.BytesIO(b"a" * (MAX_BODY_BYTES + 1000)), "big.txt")], "reason": "x", "api_key": "k"}
    response = client.post(path, data=big, content_type="multipart/form-data")
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    assert response.headers["X-Request-ID"]
    records = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert [(r["path"], r["status"], r["who"]) for r in records] == [(path, 413, "key not read (body refused)")]
