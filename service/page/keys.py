"""The API key typed in a page form: when it is missing or wrong, the form comes back with the reason beside
the key field, and the field has the focus (`autofocus`: no script needed), instead of an error page."""

from __future__ import annotations

from flask import request
from flask_babel import gettext

from service.api.auth import check_key
from service.api.errors import Unauthorized


def key_refusal() -> str | None:
    """None when the form's key is the server's (or the server has none); else the sentence to show."""
    given = request.form.get("api_key", "")
    try:
        check_key(given, "form")
    except Unauthorized:
        if not given:
            return gettext("This needs the server's API key: type it here, then send the form again.")
        return gettext("This is not the server's API key: type it again, then send the form again.")
    return None
