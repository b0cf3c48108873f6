"""GET /v1/health: are the models and the index loaded, and what does the index hold."""

from __future__ import annotations

from flask import Blueprint

from service.api.openapi import doc
from service.api.payload import respond
from service.api.schemas import HealthResponse
from service.api.services import services

bp = Blueprint("health", __name__, url_prefix="/v1")


@bp.get("/health")
@doc("Health", tag="service", responses={200: HealthResponse, 503: None},
     description="200 while the index answers; `status` is degraded when claims cannot be verified. "
                 "503 when the models or the index cannot be loaded.")
def health():
    return respond(HealthResponse(), services().health())
