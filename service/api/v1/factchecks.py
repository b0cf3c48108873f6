"""Published fact-checks (import, list, read, delete) and "already checked?" for one claim."""

from __future__ import annotations

from flask import Blueprint

from service.api.auth import api_key_required
from service.api.errors import Unavailable
from service.api.factcheck_schemas import (
    FACT_CHECKS_BODY,
    AlreadyCheckedOut,
    FactCheckDeleted,
    FactCheckListQuery,
    FactCheckListResponse,
    FactCheckOut,
    ImportResponse,
    MatchRequest,
)
from service.api.openapi import doc
from service.api.payload import json_body, load_body, load_query, respond
from service.api.services import services
from service.errors import InvalidInput

bp = Blueprint("factchecks", __name__, url_prefix="/v1")


def library():
    """The fact-check library over this server's matcher (the verifier's)."""
    from service.factchecks.library import FactChecks

    matcher = getattr(services().verifier, "matcher", None)
    if matcher is None:
        raise Unavailable("earlier checks and fact-checks are not available on this server: the models are not loaded")
    return FactChecks(matcher)


@bp.post("/factchecks")
@doc("Import published fact-checks", tag="factchecks", body=FACT_CHECKS_BODY,
     responses={201: ImportResponse, 503: None},
     description="One ClaimReview (JSON-LD as sites embed it) or {claim, rating, date, url, author} object, or a "
                 "list of them. Records that cannot be used are listed in `bad_records` with their position and "
                 "skipped; the others are kept. Nothing usable at all: 400 with the list.")
@api_key_required
def import_fact_checks():
    report = library().import_objects(json_body())
    if report.bad and not report.ids_count():
        raise InvalidInput("no fact-check could be imported: " + "; ".join(str(b) for _, b in report.bad[:10]),
                           detail={"bad_records": report.to_dict()["bad_records"][:50]})
    return respond(ImportResponse(), report.to_dict(), 201)


@bp.get("/factchecks")
@doc("List published fact-checks", tag="factchecks", query=FactCheckListQuery,
     responses={200: FactCheckListResponse, 503: None},
     description="Newest first; `q` matches claim, rating or author.")
def list_fact_checks():
    query = load_query(FactCheckListQuery())
    items, total = library().list(query["q"], query["limit"], query["offset"])
    following = query["offset"] + len(items)
    return respond(FactCheckListResponse(), {"fact_checks": [i.to_dict() for i in items], "total": total,
                                             "limit": query["limit"], "offset": query["offset"],
                                             "next_offset": following if following < total else None})


@bp.get("/factchecks/<fact_check_id>")
@doc("Read one published fact-check", tag="factchecks", responses={200: FactCheckOut, 503: None})
def get_fact_check(fact_check_id: str):
    return respond(FactCheckOut(), library().get(fact_check_id).to_dict())


@bp.delete("/factchecks/<fact_check_id>")
@doc("Delete one published fact-check", tag="factchecks", responses={200: FactCheckDeleted, 503: None})
@api_key_required
def delete_fact_check(fact_check_id: str):
    library().delete(fact_check_id)
    return respond(FactCheckDeleted(), {"id": fact_check_id, "deleted": True})


@bp.post("/factchecks/match")
@doc("Already checked? Earlier checks and fact-checks of a claim", tag="factchecks", body=MatchRequest,
     responses={200: AlreadyCheckedOut, 503: None},
     description="What every verification also answers in `already_checked`, without verifying: saved checks "
                 "(reviewed first) and published fact-checks of the same claim, in any language the embedder serves.")
def match_claim():
    claim = load_body(MatchRequest())["claim"]
    return respond(AlreadyCheckedOut(), library().matcher.match(claim).to_dict())
