"""The corpus's articles: add, list, read with passages, delete, retract."""

from __future__ import annotations

from flask import Blueprint, url_for
from marshmallow import ValidationError

from service.api.auth import api_key_required
from service.api.openapi import doc
from service.api.history_schemas import ArticleMetaIn, RetractIn, RetractOut
from service.api.payload import json_body, load_body, load_query, respond
from service.api.schemas import (
    MAX_ARTICLES_PER_REQUEST,
    ArticleIn,
    ArticleListQuery,
    ArticleListResponse,
    ArticleOut,
    DeleteResponse,
    IngestResponse,
)
from service.api.services import services
from service.errors import InvalidInput
from service.translations import N_

bp = Blueprint("articles", __name__, url_prefix="/v1")

_ONE_OR_MANY = {
    "oneOf": [ArticleIn, {"type": "array", "items": ArticleIn, "minItems": 1, "maxItems": MAX_ARTICLES_PER_REQUEST}]
}


@bp.post("/articles")
@doc("Add articles", tag="articles", body=_ONE_OR_MANY, responses={201: IngestResponse},
     description=f"One article object or a list of up to {MAX_ARTICLES_PER_REQUEST}. Same fields and rules as "
                 "`recoupe ingest` for .json files; an article sent again unchanged is skipped, with new "
                 "content it replaces the stored one.")
@api_key_required
def add_articles():
    body = json_body()
    many = isinstance(body, list)
    if many and not 1 <= len(body) <= MAX_ARTICLES_PER_REQUEST:
        raise InvalidInput(N_("send 1 to %(max)s articles per request"), values={"max": MAX_ARTICLES_PER_REQUEST})
    records = ArticleIn(many=many).load(body)
    report = services().add_articles(records if many else [records])
    headers = {"Location": url_for(".get_article", article_id=report["ids"][0])} if not many else None
    return respond(IngestResponse(), report, 201, headers)


@bp.get("/articles")
@doc("List articles", tag="articles", query=ArticleListQuery, responses={200: ArticleListResponse},
     description="Stored articles in id order, without their text.")
def list_articles():
    page = load_query(ArticleListQuery())
    return respond(ArticleListResponse(), services().list_articles(page["limit"], page["offset"]))


@bp.get("/articles/<path:article_id>")
@doc("Read an article and its passages", tag="articles", responses={200: ArticleOut})
def get_article(article_id: str):
    return respond(ArticleOut(), services().get_article(article_id))


@bp.patch("/articles/<path:article_id>")
@doc("Edit an article's metadata", tag="articles", body=ArticleMetaIn, responses={200: ArticleOut},
     description="Title, source, original URL and publication date, changed in place (the fields sent; null "
                 "or an empty string clears url and published_at); the text and passages stay. The corpus "
                 "generation moves on, so date and source filters see the new values.")
@api_key_required
def edit_article(article_id: str):
    changes = {k: (v or None) if k in ("url", "published_at") else v
               for k, v in load_body(ArticleMetaIn()).items()}
    if not changes:
        raise ValidationError(N_("send at least one of title, source, url, published_at"), "_schema")
    return respond(ArticleOut(), services().update_article(article_id, **changes))


@bp.delete("/articles/<path:article_id>")
@doc("Delete an article and its passages", tag="articles", responses={200: DeleteResponse})
@api_key_required
def delete_article(article_id: str):
    return respond(DeleteResponse(), services().delete_article(article_id))


@bp.post("/articles/<path:article_id>/retract")
@doc("Retract an article", tag="articles", body=RetractIn, responses={200: RetractOut},
     description="Deletes the article and its passages (as DELETE does) and keeps the reason: every saved check "
                 "that cited the article says it was retracted, and why (GET /v1/checks/<id>, `retracted`).")
@api_key_required
def retract_article(article_id: str):
    reason = load_body(RetractIn())["reason"]
    desk = services().desk
    retraction, removed = desk.retract(article_id, reason)
    citing = desk.history(article_id=retraction.article_id, limit=1)[1]
    return respond(RetractOut(), {"retraction": retraction, "passages_removed": removed, "checks_citing": citing})
