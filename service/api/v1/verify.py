"""POST /v1/verify and its batch twin."""

from __future__ import annotations

from flask import Blueprint

from service.api.openapi import doc
from service.api.payload import load_body, respond
from service.api.schemas import BatchVerifyRequest, BatchVerifyResponse, VerifyRequest, VerifyResponse
from service.api.services import services
from service.limits import MAX_BATCH_CLAIMS
from service.verdict.records import verification_record

bp = Blueprint("verify", __name__, url_prefix="/v1")


@bp.post("/verify")
@doc("Verify one claim", tag="verify", body=VerifyRequest, responses={200: VerifyResponse, 503: None},
     description="The evidence passages for and against the claim, each with its stance and sources, "
                 "and a verdict. French claims find English evidence and vice versa.")
def verify():
    options = load_body(VerifyRequest())
    claim = options.pop("claim")
    # Rendered here, at the edge: the words of the explanation and checks, in the claim's language.
    return respond(VerifyResponse(), verification_record(services().verify(claim, **options)))


@bp.post("/verify/batch")
@doc(f"Verify up to {MAX_BATCH_CLAIMS} claims", tag="verify", body=BatchVerifyRequest, responses={200: BatchVerifyResponse, 503: None})
def verify_batch():
    options = load_body(BatchVerifyRequest())
    claims = options.pop("claims")
    return respond(BatchVerifyResponse(), {"results": [verification_record(v) for v in services().verify_many(claims, **options)]})
