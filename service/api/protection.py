"""What every response carries and every client is held to: rate limits, security headers, proxies.

Rate limits: Flask-Limiter (maintained by the Pallets-adjacent community, in
use for a decade, storage-agnostic through `limits`: memory per process by
default, Redis or Memcached to share counts between workers). Each client is
counted by its API key when it sends the right one, else by its address
(the proxy's X-Forwarded-For when `proxy_hops` says one is trusted). Writes,
verification (a batch counts as `BATCH_COST` verifications) and reads have
their own budgets; `/v1/health` and the docs have none, so a monitor never
sees a 429. Over a budget: 429 problem+json with Retry-After. Wrong-key
writes count too: the limit is checked before the key.

Security headers are set here by hand rather than with flask-talisman: the
API serves JSON and one static page, over plain HTTP behind a TLS proxy, so
the part of Talisman that matters (HTTPS redirects, CSP nonces for templates)
does not apply, and six fixed headers need no dependency.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from service.api.auth import HEADER

BATCH_COST = 8
# endpoint -> budget (a Config field rate_limit_<budget>)
BUDGETS = {
    "verify.verify": "verify",
    "verify.verify_batch": "verify",
    "articles.add_articles": "writes",
    "articles.delete_article": "writes",
    "articles.edit_article": "writes",
    "articles.list_articles": "reads",
    "articles.get_article": "reads",
    "stats.stats": "reads",
    "checks.create_check": "verify",
    "page.check_claim": "verify",
    "page.corpus_upload": "writes",
    "page.corpus_delete": "writes",
    "page.corpus_retract": "writes",
    "page.batch_upload": "writes",
    "page.check_workflow": "writes",
    "page.article_metadata": "writes",
    "batches.create_batch": "writes",
    "batches.get_batch": "reads",
    "batches.batch_rows": "reads",
    "batches.batch_download": "reads",
    "articles.retract_article": "writes",
    "checks.add_review": "writes",
    "checks.undo_review": "writes",
    "checks.set_workflow": "writes",
    "checks.export_check": "reads",
    "checks.list_checks": "reads",
    "checks.get_check": "reads",
    "checks.export_reviews": "reads",
    # the page's review bar and key screen: /unlock is where a key can be guessed, so it counts as a write
    "page.review_check": "writes",
    "page.unlock": "writes",
    # ranking a text and matching a claim run the models, as a verification does
    "page.claims_rank": "verify",
    "page.claims_batch": "writes",
    "claims.extract_claims": "verify",
    "factchecks.match_claim": "verify",
    "factchecks.import_fact_checks": "writes",
    "factchecks.delete_fact_check": "writes",
    "factchecks.list_fact_checks": "reads",
    "factchecks.get_fact_check": "reads",
}

_API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
# The fact-checker's page and the API docs (service/page/) set a strict policy of their own: nothing inline.
# Any other HTML (the batch's HTML report, opened from the server) gets this one: its own inline style, no
# script at all.
_PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
             "base-uri 'none'; form-action 'none'")


def init_protection(app: Flask, config) -> None:
    if config.proxy_hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops)
    _init_rate_limits(app, config)

    @app.after_request
    def _security_headers(response):
        own_policy = "Content-Security-Policy" in response.headers  # the page sets its own, stricter one
        for name, value in _API_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "text/html" and not own_policy:
            response.headers["Content-Security-Policy"] = _PAGE_CSP
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def client_key() -> str:
    """Who is counted: the key holder as one client, anyone else by address."""
    expected = current_app.config["RECOUPE"].api_key
    given = request.headers.get(HEADER, "")
    if expected and given and hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8")):
        return "key:" + hashlib.sha256(expected.encode("utf-8")).hexdigest()[:12]
    return "addr:" + (request.remote_addr or "-")


def _init_rate_limits(app: Flask, config) -> None:
    budgets = {name: getattr(config, f"rate_limit_{name}") for name in set(BUDGETS.values())}
    if not any(budgets.values()):
        return
    from flask_limiter import Limiter

    limiter = Limiter(client_key, app=app, storage_uri=config.rate_limit_storage, headers_enabled=True,
                      strategy="moving-window", key_prefix="recoupe")
    for endpoint, budget in BUDGETS.items():
        limit = budgets[budget]
        view = app.view_functions.get(endpoint)
        if not limit or view is None:
            continue
        cost = BATCH_COST if endpoint == "verify.verify_batch" else 1
        app.view_functions[endpoint] = limiter.shared_limit(limit, scope=budget, cost=cost)(view)
    app.extensions["recoupe.limiter"] = limiter
