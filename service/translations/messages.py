"""A failure's message in a reader's language.

A `RecoupeError` keeps its English message with the values apart (`template`, `values`), so the message is
looked up in the catalogue and the values put in after. A message the catalogue does not have in that
language is None here, so that a screen can say something else rather than show English.
"""

from __future__ import annotations

from service.translations import DEFAULT, Words


def error_text(exc, words: Words) -> str | None:
    if hasattr(exc, "text_in"):  # an error that words itself (a refused ingest: service/ingest/reasons.py)
        return exc.text_in(words)
    template = getattr(exc, "template", None) or getattr(exc, "message", None) or str(exc)
    values = getattr(exc, "values", None) or {}
    if words.lang != DEFAULT and not words.has(template):
        return None
    return words.gettext(template, **values)


class Message(str):
    """A message filled in with its values in English (what it reads as, unchanged, wherever a string goes)
    that keeps the gettext message and the values apart, so that another language is looked up first and
    filled after: marshmallow fills a validator's numbers into its message before the API can translate it
    (service/api/validators.py)."""

    template: str
    values: dict
    counts: tuple[str, ...]

    def __new__(cls, template: str, *, counts: tuple[str, ...] = (), **values):
        """`counts` names the values written with the language's digit grouping ("16,000" / "16 000"); other
        values are written as they are (a limit such as 2**53 reads as the number a client sends)."""
        from service.translations import words

        message = super().__new__(cls, _filled(template, values, counts, words(DEFAULT)))
        message.template, message.values, message.counts = template, values, counts
        return message

    def text_in(self, words: Words) -> str:
        return _filled(words.gettext(self.template), self.values, self.counts, words)


def _filled(text: str, values: dict, counts: tuple[str, ...], words: Words) -> str:
    if not values:
        return text
    return text % {k: words.number(v, 0) if k in counts else v for k, v in values.items()}
