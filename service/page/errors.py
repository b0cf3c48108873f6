"""A failure met on the page, as a page in the reader's language: the kind's title, what to do, and the
server's detail when the catalogue has it in that language (else the kind's own sentence: a French reader
never gets an English detail). The API answers the same failures as application/problem+json."""

from __future__ import annotations

from flask import render_template

from service.translations import N_, vocabulary
from service.translations.locale import request_words
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
