"""Unlock and lock this browser: the API key typed once per browser session (service/page/keys.py says how
it is remembered), and the header's Lock button that forgets it."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from service.api.auth import key_configured
from service.page.keys import key_asked, key_refusal, lock, set_unlock_cookie
from service.page.views import bp

# Globals rather than context values: the key field's macro is imported without the template's context.
bp.add_app_template_global(key_asked, "key_asked")
bp.add_app_template_global(key_configured, "key_configured")
bp.after_request(set_unlock_cookie)  # a form that carried the right key unlocks this browser


def _back() -> str:
    """Where to go afterwards: a path on this server only (never another site's address)."""
    back = request.values.get("next", "")
    return back if back.startswith("/") and not back.startswith("//") and "\\" not in back else url_for(".home")


@bp.get("/unlock")
def unlock_form(refused: str | None = None):
    return render_template("unlock.html", back=_back(), key_refused=refused)


@bp.post("/unlock")
def unlock():
    refused = key_refusal()  # the right key sets the unlock cookie on this response
    if refused:
        return unlock_form(refused), 401
    return redirect(_back(), 303)


@bp.post("/lock")
def lock_browser():
    return lock(redirect(_back(), 303))
