"""The page's routes: parse the form or the URL, call the desk or the corpus, render a template.

Nothing here decides: checks are `Desk.check`, reviewed verdicts `Desk.open`
(which calls the verdict layer), articles `Corpus.index`. Reviews are sent by
the check page's review bar (service/page/review_views.py), with or without its script.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from service.api.auth import key_configured
from service.api.csrf import form_token, form_token_ok, set_form_cookie
from service.api.schemas import VerifyRequest
from service.api.services import services
from service.claims import sent_length
from service.errors import RecoupeError
from service.history.export import CHECK_EXPORTS
from service.history.workflow import MAX_ASSIGNEE_CHARS, STATUSES
from service.limits import DEFAULT_TOP_K, MAX_CLAIM_CHARS, MAX_TOP_K
from service.page import highlight
from service.page.errors import error_page
from service.page.i18n import claim_too_long, field_errors, helpers
from service.translations.locale import COOKIE, LANGUAGES, pick_language
from service.verdict.render import explain
from service.verdict.types import STANCES, VERDICTS

bp = Blueprint("page", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets")

# Everything from the app itself; nothing inline (no inline script, style or style attribute).
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

EXAMPLES = [  # (claim, its language), about the demo corpus in seeds/
    ("Kim Kardashian a 189 millions d'abonnés sur Instagram", "fr"),
    ("Kim Kardashian n'a que 10 millions d'abonnés sur Instagram", "fr"),
    ("Kim Kardashian will not post on Instagram on Wednesday", "en"),
    ("La tour Eiffel mesure 330 mètres", "fr"),
]
HISTORY_PAGE = 50


@bp.before_request
def _language():
    g.lang = pick_language()
    # A form posted from another site (cross-site request forgery) is refused: the app checks the
    # browser's Origin, Referer and Sec-Fetch-Site for every write (service/api/csrf.py); the page's
    # forms also repeat the token of a SameSite=Strict cookie, which another site cannot send.
    if request.method == "POST" and not form_token_ok():
        return error_page(403, "cross-site")


@bp.after_request
def _headers(response):
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = PAGE_CSP
        response.headers.setdefault("Cache-Control", "no-store")
        form_token()  # every page can lead to a form: it gets the token's cookie
        set_form_cookie(response)
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(COOKIE, asked, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


@bp.app_context_processor
def _helpers():
    return {**helpers(), "switch_url": _switch_url, "runs": highlight.runs, "safe_url": highlight.safe_url,
            "max_top_k": MAX_TOP_K, "default_top_k": DEFAULT_TOP_K, "csrf_token": form_token}


def _switch_url() -> str:
    other = "en" if g.lang == "fr" else "fr"
    args = {k: v for k, v in request.args.items(multi=True) if k != "lang"}
    return request.path + "?" + urlencode([*args.items(), ("lang", other)])


# ------------------------------------------------------------------ check a claim


@bp.get("/")
def home():
    example = request.args.get("example", type=int)
    claim = EXAMPLES[example][0] if example is not None and 0 <= example < len(EXAMPLES) else ""
    # "Check again" from a saved check: its claim and filters, filled in (nothing is checked until sent)
    chosen = {**{k: request.args.getlist(k) for k in ("languages", "sources") if request.args.getlist(k)},
              **{k: request.args[k] for k in ("date_from", "date_to", "top_k", "include_undated")
                 if request.args.get(k)}}
    return _home(claim=request.args.get("claim", "")[:MAX_CLAIM_CHARS] or claim, chosen=chosen)


@bp.post("/check")
def check_claim():
    form = request.form
    data = {"claim": form.get("claim", ""),
            **{k: form.getlist(k) for k in ("languages", "sources") if form.getlist(k)},
            **{k: form[k] for k in ("date_from", "date_to") if form.get(k)},
            **({"include_undated": True} if form.get("include_undated") else {})}
    top_k = form.get("top_k", "").strip()
    if top_k:
        data["top_k"] = int(top_k) if top_k.isdigit() else top_k
    if sent_length(data["claim"]) > MAX_CLAIM_CHARS:  # both numbers said, the claim shown back whole
        return _home(claim=data["claim"], chosen=data, errors=[claim_too_long(sent_length(data["claim"]))]), 400
    try:
        options = VerifyRequest().load(data)
    except ValidationError as exc:
        return _home(claim=data["claim"], chosen=data, errors=field_errors(exc.messages)), 400
    claim = options.pop("claim")
    saved = services().desk.check(claim, **options)
    return redirect(url_for(".check_view", check_id=saved.id), 303)


def _home(claim: str, chosen: dict, errors=None):
    stats = services().stats()
    return render_template("home.html", claim=claim, chosen=chosen, errors=errors or [], examples=EXAMPLES,
                           sources=sorted(stats["sources"]), languages=sorted(stats["languages"]), stats=stats,
                           recent=services().desk.history(limit=5)[0])


@bp.get("/checks/<check_id>")
def check_view(check_id: str, key_refused: str | None = None, review_refused: str | None = None):
    """`key_refused`: why the workflow form's last send was refused (service/page/desk_views.py);
    `review_refused`: why the review bar's (service/page/review_views.py)."""
    from service.page.review_views import bar_values  # it registers its route on bp, so it imports this module

    view = services().desk.open(check_id)
    shown = view.shown
    groups = {s: [(i, e) for i, e in enumerate(shown.evidence) if e.stance == s] for s in STANCES}
    # The explanation in the interface's language (render.explain picks French or English from `language`;
    # the API renders it in the claim's language).
    explanation = explain(replace(shown, language=g.lang))
    return render_template("check.html", view=view, shown=shown, groups=groups, explanation=explanation,
                           order=("supports", "refutes", "neutral"),
                           already_checked=view.check.record.get("already_checked"),  # as matched when checked
                           again=url_for(".home", claim=view.check.claim, **view.check.settings),
                           # the same check with the undated articles a date filter set aside
                           again_undated=url_for(".home", claim=view.check.claim,
                                                 **{**view.check.settings, "include_undated": 1}),
                           statuses=STATUSES, exports=tuple(CHECK_EXPORTS), needs_key=key_configured(),
                           key_refused=key_refused, review_refused=review_refused, **bar_values())


# ------------------------------------------------------------------ history


@bp.get("/checks")
def history():
    query = request.args.get("q", "").strip()[:200]
    verdict = request.args.get("verdict") or None
    if verdict not in VERDICTS:
        verdict = None
    article = request.args.get("article") or None
    page = max(request.args.get("page", 1, type=int), 1)
    # the days the checks were run, and the newsroom workflow (history/workflow.py); a value out of its
    # rules is left out of the filter, as an unknown verdict is
    filters = {k: v for k in ("checked_from", "checked_until") if _is_day(v := request.args.get(k, ""))}
    if (status := request.args.get("status")) in STATUSES:
        filters["status"] = status
    if assignee := request.args.get("assignee", "").strip()[:MAX_ASSIGNEE_CHARS]:
        filters["assignee"] = assignee
    checks, total = services().desk.history(query, verdict, article, limit=HISTORY_PAGE,
                                            offset=(page - 1) * HISTORY_PAGE, **filters)
    return render_template("history.html", checks=checks, total=total, query=query, verdict=verdict,
                           verdicts=VERDICTS, statuses=STATUSES, filters=filters, page=page, article=article,
                           more=page * HISTORY_PAGE < total)


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


# ------------------------------------------------------------------ articles


@bp.get("/articles/<path:article_id>")
def article_view(article_id: str, key_refused: str | None = None):
    """`key_refused`: why the metadata form's last send was refused (service/page/corpus_views.py)."""
    article = services().corpus.index.get_article(article_id)
    parts = highlight.around(article.text, request.args.get("start"), request.args.get("end"))
    return render_template("article.html", article=article, parts=parts, back=request.args.get("check"),
                           needs_key=key_configured(), key_refused=key_refused)


# ------------------------------------------------------------------ errors, as pages


@bp.errorhandler(RecoupeError)
def _recoupe_error(exc: RecoupeError):
    g.lang = g.get("lang") or pick_language()  # refused before the page's own before_request ran
    return error_page(exc.status, exc.kind, exc)


@bp.errorhandler(ValidationError)
def _form_error(exc: ValidationError):
    """A form the page posts (the batch screen's) with a field out of its rules: the rules in words."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return error_page(400, "invalid-input", sentences=field_errors(messages))
