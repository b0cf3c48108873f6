"""A failure met on the page, as a page in the reader's language: the kind's title, what to do, and the
server's detail when the catalogue has it in that language (else the kind's own sentence: a French reader
never gets an English detail). The API answers the same failures as application/problem+json."""

from __future__ import annotations

from flask import g, make_response, render_template, request

from service.translations import N_, vocabulary
from service.translations.locale import pick_language, request_words
from service.translations.messages import error_text

# What a reader can do about each kind of failure, when the detail cannot be said in their language.
WHAT_TO_DO = {
    "invalid-input": N_("Check what the form holds and send it again."),
    "too-large": N_("Send less at a time: fewer or smaller files, a shorter text."),
    "not-found": N_("Nothing here has this address: it may have been deleted or retracted, or the link is "
                    "incomplete."),
    "unauthorized": N_("Type this server's API key in the form's API key field and send the form again."),
    "model-missing": N_("A model this needs is not built on this server: ask whoever runs it."),
    "unavailable": N_("Try again in a moment."),
    "cross-site": N_("This form was sent from another site; send it from this server's own page."),
    "error": N_("The failure was logged on the server; try again, or tell whoever runs it."),
}


def error_page(status: int, kind: str, exc=None, sentences: list[str] | None = None):
    w = request_words()
    kind = kind if kind in vocabulary.ERROR_KINDS else "error"
    detail = error_text(exc, w) if exc is not None else None
    return render_template("error.html", status=status, kind=kind, title=vocabulary.name(vocabulary.ERROR_KINDS, kind, w),
                           help=w.gettext(WHAT_TO_DO[kind]), detail=detail, sentences=sentences or []), status


# The kind of an HTTP failure that no view raised (service/api/errors.py hands the page's to http_error_page).
HTTP_KINDS = {400: "invalid-input", 404: "not-found", 405: "not-found", 413: "too-large", 415: "invalid-input",
              429: "unavailable"}


def http_error_page(exc, sentence: str):
    """The error page for an unknown address, a method the address does not take, a form over the size limit
    or too many requests; `sentence` (the API's title, in the reader's language) says the limit of a 413."""
    from service.page import views

    g.lang = g.get("lang") or pick_language()  # the page's own before_request may not have run
    body, status = error_page(exc.code, HTTP_KINDS.get(exc.code, "error"),
                              sentences=[sentence] if exc.code == 413 else None)
    response = make_response(body, status)
    for name, value in exc.get_headers():
        if name.lower() in ("allow", "retry-after"):
            response.headers[name] = value
    # outside the page's blueprint its after_request does not run: its headers (CSP, the form cookie) here
    return response if request.blueprint == views.bp.name else views._headers(response)
