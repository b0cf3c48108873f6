"""Which language a request is answered in, and Flask-Babel set up on the app with the catalogues here.

`?lang=fr|en` (the page's switch; the page remembers it in a cookie), else that cookie, else the browser's
Accept-Language, else English. The page and the API's human messages follow the same choice; the API's
machine codes (`type`, field names) never change with it.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale

from service.translations import DEFAULT, DIRECTORY, DOMAIN, LANGUAGES, Words, words

COOKIE = "recoupe_lang"


def asked_language() -> str | None:
    """The language the request names (?lang, the cookie, Accept-Language), or None when it names none of ours
    (a script's plain request: a file it downloads is then in its claims' language, check/language.py)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES)


def pick_language() -> str:
    return asked_language() or DEFAULT


def init_babel(app: Flask) -> None:
    Babel(app, locale_selector=pick_language, default_locale=DEFAULT, default_domain=DOMAIN,
          default_translation_directories=str(DIRECTORY))


def request_words() -> Words:
    """The words of the current request's language (English outside a request)."""
    return words(str(get_locale()) if has_request_context() else DEFAULT)
