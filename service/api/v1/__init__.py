"""Version 1 of the HTTP API: one blueprint per area, all under /v1."""

from __future__ import annotations


def blueprints():
    from service.api.v1 import articles, batches, checks, claims, docs, factchecks, health, stats, verify

    return [verify.bp, articles.bp, checks.bp, batches.bp, factchecks.bp, claims.bp, health.bp, stats.bp, docs.bp]
