"""The API key that guards writes (articles, reviews, uploads through the page) when one is configured."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import current_app, request

from service.api.errors import Unauthorized
from service.translations import N_

HEADER = "X-API-Key"


def api_key_required(view):
    """Refuse the request with 401 unless it carries the configured key (no key configured: open)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        check_key(request.headers.get(HEADER, ""), "header")
        return view(*args, **kwargs)

    guarded.api_key_required = True
    return guarded


def key_configured() -> bool:
    return bool(current_app.config["RECOUPE"].api_key)


# Where the key was looked for -> (the message when it is missing, when it is wrong), translated where shown.
KEY_MESSAGES = {
    "header": (N_("this operation needs the server's API key in the %(header)s header"),
               N_("the API key in the %(header)s header is not the server's key")),
    "form": (N_("this operation needs the server's API key in the form's API key field"),
             N_("the API key in the form's API key field is not the server's key")),
}


def check_key(given: str, where: str) -> None:
    """Raise 401 unless `given` is the configured key (none configured: open). `where` ("header" or "form")
    says where it was looked for: the header for the API, the form's key field for the page."""
    expected = current_app.config["RECOUPE"].api_key
    if expected:
        missing, wrong = KEY_MESSAGES[where]
        if not given:
            raise Unauthorized(missing, values={"header": HEADER})
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8")):
            raise Unauthorized(wrong, values={"header": HEADER})
