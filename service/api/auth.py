"""The API key that guards writes (articles, reviews, uploads through the page) when one is configured."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import current_app, request

from service.api.errors import Unauthorized

HEADER = "X-API-Key"


def api_key_required(view):
    """Refuse the request with 401 unless it carries the configured key (no key configured: open)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        check_key(request.headers.get(HEADER, ""), f"in the {HEADER} header")
        return view(*args, **kwargs)

    guarded.api_key_required = True
    return guarded


def key_configured() -> bool:
    return bool(current_app.config["RECOUPE"].api_key)


def check_key(given: str, where: str) -> None:
    """Raise 401 unless `given` is the configured key (none configured: open). `where` says where it was
    looked for: the header for the API, the form's key field for the page."""
    expected = current_app.config["RECOUPE"].api_key
    if expected:
        if not given:
            raise Unauthorized(f"this operation needs the server's API key {where}")
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8")):
            raise Unauthorized(f"the API key {where} is not the server's key")
