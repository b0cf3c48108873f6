"""Cross-site request forgery: a write sent by a browser from another site is refused, page and `/v1` alike.

Every state-changing request (POST, PUT, PATCH, DELETE) is checked in this order:

1. `Sec-Fetch-Site`, when the browser sends it, must be `same-origin` or `none` (typed by the user);
2. `Origin`, when sent, must be this server's own host (`null`, sent for sandboxed or privacy-stripped
   requests, is refused, except beside `Sec-Fetch-Site: same-origin`: the page is served with
   `Referrer-Policy: no-referrer`, under which Chromium posts the page's own forms with `Origin: null`);
3. with no `Origin`, a `Referer`, when sent, must point at this server's own host;
4. the page's forms also carry a token: a random value in a `SameSite=Strict` cookie (never sent with
   a request from another site) that the form repeats in a hidden field (double submit). A browser
   that sends none of the headers above still cannot forge it.

A client that sends none of these headers is not a browser acting for someone (curl, a script, the
CLI), so `/v1` accepts it: the API key, where the server has one, guards those writes.

Hand-written rather than Flask-WTF's `CSRFProtect`: that one keeps its token in Flask's signed session
cookie, so every gunicorn worker and every restart would need one shared `SECRET_KEY` (which Recoupe has
no other use for); it checks the Referer only over HTTPS and never the Origin, so `/v1`, where API
clients have no token, would still need the header checks written here. A double-submit cookie needs
no server secret and no state; the header checks are a dozen lines.

The host compared is the request's own `Host` header; the scheme is not compared, since a TLS proxy
may speak plain HTTP to the app.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, g, request

from service.errors import RecoupeError

COOKIE = "recoupe_csrf"
FIELD = "csrf_token"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_SAME = ("same-origin", "none")


class CrossSite(RecoupeError):
    status = 403
    kind = "cross-site"


def init_csrf(app: Flask) -> None:
    @app.before_request
    def _refuse_cross_site():
        if request.method in WRITES:
            reason = cross_site_reason()
            if reason:
                raise CrossSite(f"Refused: this request was sent from another site ({reason}). Send it from this "
                                f"server's own page, or from a client that is not a browser.",
                                detail={"reason": reason})


def cross_site_reason() -> str | None:
    """Why the request looks sent by a browser from another site, or None."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.strip().lower() not in _SAME:
        return f"Sec-Fetch-Site: {fetch_site[:40]}"
    origin = request.headers.get("Origin")
    if origin is not None and origin.strip() == "null" and (fetch_site or "").strip().lower() == "same-origin":
        # The page is served with `Referrer-Policy: no-referrer`, under which Chromium posts the page's
        # own forms with `Origin: null`; Sec-Fetch-Site (set by the browser, never by a page) has
        # already said the request comes from this server's own pages.
        return None
    if origin is not None:
        return None if _own_host(origin) else "Origin is another site"
    referer = request.headers.get("Referer")
    if referer is not None and not _own_host(referer):
        return "Referer is another site"
    return None


def _own_host(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc.lower() == request.host.lower()


# ------------------------------------------------------------------ the page's form token


def form_token() -> str:
    """The token the page's forms repeat (the cookie's value, or a new one the response will set)."""
    token = request.cookies.get(COOKIE, "")
    if not _well_formed(token):
        token = g.get("new_csrf_token") or secrets.token_urlsafe(32)
        g.new_csrf_token = token
    return token


def set_form_cookie(response):
    """Set the token cookie when this response's page made a new one."""
    token = g.get("new_csrf_token")
    if token:
        response.set_cookie(COOKIE, token, samesite="Strict", httponly=True, secure=request.is_secure)
    return response


def form_token_ok() -> bool:
    """Does the posted form repeat the cookie's token?"""
    cookie = request.cookies.get(COOKIE, "")
    given = request.form.get(FIELD, "")
    return _well_formed(cookie) and hmac.compare_digest(cookie.encode(), given.encode("utf-8", "surrogateescape"))


def _well_formed(token: str) -> bool:
    return 32 <= len(token) <= 64 and token.isascii() and all(c.isalnum() or c in "-_" for c in token)
