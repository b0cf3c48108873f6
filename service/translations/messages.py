"""A failure's message in a reader's language.

A `RecoupeError` keeps its English message with the values apart (`template`, `values`), so the message is
looked up in the catalogue and the values put in after. A message the catalogue does not have in that
language is None here, so that a screen can say something else rather than show English.
"""

from __future__ import annotations

from service.translations import DEFAULT, Words


def error_text(exc, words: Words) -> str | None:
    template = getattr(exc, "template", None) or getattr(exc, "message", None) or str(exc)
    values = getattr(exc, "values", None) or {}
    if words.lang != DEFAULT and not words.has(template):
        return None
    return words.gettext(template, **values)
