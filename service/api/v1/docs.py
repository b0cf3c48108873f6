"""GET /v1/openapi.json (generated from the schemas) and GET /v1/docs (a page that renders it).

`/` is the fact-checker's page (service/page/), which links here."""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, current_app, jsonify

from service.api.openapi import build_spec

bp = Blueprint("docs", __name__, url_prefix="/v1")


@bp.get("/openapi.json")
def openapi():
    spec = current_app.extensions.get("recoupe.openapi")
    if spec is None:
        spec = current_app.extensions["recoupe.openapi"] = build_spec(current_app)
    return jsonify(spec)


@bp.get("/docs")
def docs():
    page = resources.files("service.api").joinpath("docs.html").read_text(encoding="utf-8")
    return current_app.response_class(page, mimetype="text/html")
