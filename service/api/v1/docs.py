"""GET /v1/openapi.json (generated from the schemas) and GET /v1/docs (a page that renders it).

`/v1/docs` is drawn inside the desk's own header and navigation (service/page/templates/api_docs.html, with
its script and style as files of the page), under the page's strict policy: nothing inline."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, render_template

from service.api.csrf import set_form_cookie
from service.api.openapi import build_spec
from service.translations.locale import pick_language

bp = Blueprint("docs", __name__, url_prefix="/v1")


@bp.get("/openapi.json")
def openapi():
    spec = current_app.extensions.get("recoupe.openapi")
    if spec is None:
        spec = current_app.extensions["recoupe.openapi"] = build_spec(current_app)
    return jsonify(spec)


@bp.get("/docs")
def docs():
    from service.page.views import PAGE_CSP  # the desk's policy: scripts and styles from the app, nothing inline

    g.lang = pick_language()  # the navigation in the reader's language; the documentation itself is English
    response = current_app.response_class(render_template("api_docs.html"), mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return set_form_cookie(response)  # the header's Lock button posts the page's form token
