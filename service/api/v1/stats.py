"""GET /v1/stats: what the corpus and its index hold."""

from __future__ import annotations

from flask import Blueprint

from service.api.openapi import doc
from service.api.payload import respond
from service.api.schemas import StatsResponse
from service.api.services import services

bp = Blueprint("stats", __name__, url_prefix="/v1")


@bp.get("/stats")
@doc("Corpus and index figures", tag="service", responses={200: StatsResponse})
def stats():
    return respond(StatsResponse(), services().stats())
