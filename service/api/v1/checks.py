"""Saved checks and their reviews: check-and-save, list, reopen, review, undo, export."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, url_for

from service.api.auth import api_key_required
from service.api.history_schemas import CheckListQuery, CheckListResponse, CheckOut, ReviewIn, WorkflowIn
from service.api.openapi import doc
from service.api.payload import attachment, load_body, load_query, respond
from service.api.schemas import VerifyRequest
from service.api.services import services
from service.history.export import CHECK_EXPORTS
from service.history.export import export_check as check_export
from service.translations.locale import asked_language

bp = Blueprint("checks", __name__, url_prefix="/v1")


@bp.post("/checks")
@doc("Verify one claim and save the check", tag="checks", body=VerifyRequest, responses={201: CheckOut, 503: None},
     description="The same verification as POST /v1/verify, saved with the corpus generation, the model "
                 "versions and the settings; the Location header is its permalink.")
def create_check():
    options = load_body(VerifyRequest())
    claim = options.pop("claim")
    desk = services().desk
    saved = desk.check(claim, **options)
    return respond(CheckOut(), desk.open(saved.id).to_dict(), 201,
                   {"Location": url_for(".get_check", check_id=saved.id)})


@bp.get("/checks")
@doc("List saved checks", tag="checks", query=CheckListQuery, responses={200: CheckListResponse},
     description="Newest first; `q` matches words of the claim without regard to case or accents, `verdict` "
                 "one verdict of record (the reviewed verdict when the check was reviewed: `model_verdict` is "
                 "the models' own), `checked_from` / `checked_until` the days it was run, `status` and "
                 "`assignee` the newsroom workflow.")
def list_checks():
    query = load_query(CheckListQuery())
    filters = {k: query[k].isoformat() if k.startswith("checked_") else query[k]
               for k in ("checked_from", "checked_until", "status", "assignee") if k in query}
    checks, total = services().desk.history(query["q"], query.get("verdict"), limit=query["limit"],
                                            offset=query["offset"], **filters)
    following = query["offset"] + len(checks)
    return respond(CheckListResponse(), {"checks": [c.summary() for c in checks], "total": total,
                                         "limit": query["limit"], "offset": query["offset"],
                                         "next_offset": following if following < total else None})


@bp.get("/checks/<check_id>")
@doc("Reopen a saved check", tag="checks", responses={200: CheckOut},
     description="What was shown, with the reviews applied, and whether the corpus has changed since.")
def get_check(check_id: str):
    return respond(CheckOut(), services().desk.open(check_id).to_dict())


@bp.patch("/checks/<check_id>")
@doc("Set a check's workflow status and assignee", tag="checks", body=WorkflowIn, responses={200: CheckOut},
     description="Moves the check along to_check, in_progress, checked, published and/or assigns it; fields "
                 "not sent are left as they are.")
@api_key_required
def set_workflow(check_id: str):
    body = load_body(WorkflowIn())
    return respond(CheckOut(), services().desk.set_workflow(check_id, body.get("status"),
                                                            body.get("assignee")).to_dict())


@bp.post("/checks/<check_id>/reviews")
@doc("Review one evidence item", tag="checks", body=ReviewIn, responses={200: CheckOut},
     description="Accept, reject or give the stance of one evidence item; the verdict is decided again from "
                 "the reviewed stances (service/verdict/review.py). Returns the check as now shown.")
@api_key_required
def add_review(check_id: str):
    body = load_body(ReviewIn())
    view = services().desk.review(check_id, body["item"], body["action"], body["reviewer"], body.get("stance"),
                                  body["note"])
    return respond(CheckOut(), view.to_dict())


@bp.delete("/checks/<check_id>/reviews/<int:item>")
@doc("Undo the latest review of one evidence item", tag="checks", responses={200: CheckOut})
@api_key_required
def undo_review(check_id: str, item: int):
    return respond(CheckOut(), services().desk.undo(check_id, item).to_dict())


@bp.get("/checks/<check_id>/export/<fmt>")
@doc("Download one check", tag="checks", responses={200: None}, path_values={"fmt": tuple(CHECK_EXPORTS)},
     description="The check as a Markdown report (the writers of `recoupe check`: verdict of record, the "
                 "reviewer and the models' verdict beside it, every passage with its sources) or as the JSON "
                 "of GET /v1/checks/<id>, as an attachment. The report is written in the language the request "
                 "names (`?lang=fr|en` or Accept-Language), else in the claim's.")
def export_check(check_id: str, fmt: str):
    # the report in the language the request names (a page's reader), else in the claim's
    data, media, filename = check_export(services().desk.open(check_id), fmt, asked_language())
    return Response(data, mimetype=media, headers={"Content-Disposition": attachment(filename)})


@bp.get("/reviews/export")
@doc("Export the reviews as JSON Lines", tag="checks", responses={200: None},
     description="One JSON object per reviewed evidence item (claim, passage, sources, model stance, reviewed "
                 "stance, note, reviewer, time), for retraining; the same lines as `recoupe reviews export`. "
                 "Media type application/x-ndjson.")
def export_reviews():
    from service.history.export import jsonl_lines

    return current_app.response_class("".join(jsonl_lines(services().desk.store)), mimetype="application/x-ndjson")

