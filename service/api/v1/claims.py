"""POST /v1/claims/extract: what to check in a text."""

from __future__ import annotations

from flask import Blueprint, current_app

from service.api.factcheck_schemas import ExtractRequest, ExtractResponse
from service.api.openapi import doc
from service.api.payload import load_body, respond

bp = Blueprint("claims", __name__, url_prefix="/v1")


def finder():
    """The check-worthiness model and the embedder of this process (models/registry.py)."""
    from service.checkworthy.extract import load_finder

    return load_finder(current_app.config["RECOUPE"])


@bp.post("/claims/extract")
@doc("What to check in a text", tag="claims", body=ExtractRequest, responses={200: ExtractResponse, 503: None},
     description="The text's sentences (split as articles are at ingest) ranked by check-worthiness: factual, "
                 "checkable statements (numbers, dates, names, comparisons, causes) above opinions, questions "
                 "and anecdotes. The same function as `recoupe claims extract` and the page's What to check screen.")
def extract_claims():
    body = load_body(ExtractRequest())
    return respond(ExtractResponse(), finder().extract(body["text"], body.get("top"), body.get("language")).to_dict())
