"""The API key that guards writes (adding and deleting articles) when one is configured."""

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
        expected = current_app.config["RECOUPE"].api_key
        if expected:
            given = request.headers.get(HEADER, "")
            if not given:
                raise Unauthorized(f"this operation needs the server's API key in the {HEADER} header")
            if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8")):
                raise Unauthorized(f"the API key in the {HEADER} header is not the server's key")
        return view(*args, **kwargs)

    guarded.api_key_required = True
    return guarded
