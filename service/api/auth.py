"""The API key that guards writes (articles, reviews, uploads through the page) when one is configured, and
the page's unlock token, which lets a browser type that key once per session instead of in every form."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
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


# ------------------------------------------------------------------ the page's unlock token
#
# A browser that typed the right key once gets, in an HttpOnly SameSite=Strict session cookie, a token
#     <expiry>.<HMAC-SHA256(key = the server's API key, message = "recoupe-unlock", expiry, bound_to)>
# where `bound_to` is the browser's own CSRF cookie (service/api/csrf.py), so a token copied to another browser
# unlocks nothing. Why this design: the cookie never carries the key (a leaked cookie is not the key, and it
# expires); it needs no server-side state and no second secret (the key is the only secret Recoupe has, so every
# gunicorn worker and every restart agree without a shared SECRET_KEY, the reason csrf.py gives for not using
# Flask's signed session); changing the key locks every browser. The cost: a stolen token allows guessing the
# key offline, which a long random key (as `recoupe serve --api-key-file` generates) makes hopeless. Only the page
# reads it: `/v1` keeps asking for the X-API-Key header.

UNLOCK_COOKIE = "recoupe_unlock"
UNLOCK_HOURS = 12  # a working day: a browser left open overnight is asked the key again


def unlock_token(bound_to: str) -> str:
    expires = str(int(time.time()) + UNLOCK_HOURS * 3600)
    return f"{expires}.{_unlock_mac(expires, bound_to)}"


def unlock_token_ok(token: str, bound_to: str) -> bool:
    """Is `token` one this server signed with its current key, for this `bound_to`, and not expired?"""
    expires, _, mac = (token or "").partition(".")
    if not (key_configured() and bound_to and expires.isdigit() and int(expires) > time.time()):
        return False
    return hmac.compare_digest(mac.encode("ascii", "replace"), _unlock_mac(expires, bound_to).encode("ascii"))


def _unlock_mac(expires: str, bound_to: str) -> str:
    key = current_app.config["RECOUPE"].api_key.encode("utf-8")
    digest = hmac.new(key, f"recoupe-unlock\0{expires}\0{bound_to}".encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
