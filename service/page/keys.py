"""The API key on the page: typed once per browser session, then remembered by an unlock token.

A form's key (the key field of batch, upload, delete, retract, the review bar or the unlock screen) that is the
server's unlocks this browser: the response sets an HttpOnly, SameSite=Strict session cookie holding a signed
token (`service.api.auth.unlock_token`, never the key), and later forms of that browser leave the key field out
until it is locked (the header's Lock button) or closed. When the key is missing or wrong, the form comes back
with the reason beside the key field, and the field has the focus (`autofocus`: no script needed), instead of
an error page."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext

from service.api.auth import UNLOCK_COOKIE, check_key, key_configured, unlock_token, unlock_token_ok
from service.api.csrf import COOKIE as CSRF_COOKIE
from service.api.errors import Unauthorized


def page_unlocked() -> bool:
    """Does this browser hold a valid unlock token (bound to its own CSRF cookie)?"""
    return unlock_token_ok(request.cookies.get(UNLOCK_COOKIE, ""), request.cookies.get(CSRF_COOKIE, ""))


def key_asked() -> bool:
    """Do this browser's forms show the key field? (The server has a key, and this browser is locked.)"""
    return key_configured() and not page_unlocked()


def key_refusal() -> str | None:
    """None when the browser is unlocked, the form's key is the server's (which unlocks the browser), or the
    server has none; else the sentence to show."""
    if not key_asked():
        return None
    given = request.form.get("api_key", "")
    try:
        check_key(given, "form")
    except Unauthorized:
        if not given:
            return gettext("This needs the server's API key: type it here, then send the form again.")
        return gettext("This is not the server's API key: type it again, then send the form again.")
    g.unlock = True  # set_unlock_cookie puts the token on this response
    return None


def set_unlock_cookie(response):
    """After a request whose form carried the right key: the unlock token, for this browser session only."""
    if g.get("unlock"):
        bound_to = request.cookies.get(CSRF_COOKIE, "")  # a posted form had it (form_token_ok)
        response.set_cookie(UNLOCK_COOKIE, unlock_token(bound_to), httponly=True, samesite="Strict",
                            secure=request.is_secure)
    return response


def lock(response):
    response.delete_cookie(UNLOCK_COOKIE, httponly=True, samesite="Strict", secure=request.is_secure)
    return response
