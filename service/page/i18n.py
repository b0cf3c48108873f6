"""The page's helpers for words, numbers and dates in the request's language.

The words themselves are gettext messages (English msgids, the French catalogue in service/translations/),
read by templates through Flask-Babel's `_` and `ngettext`; the request's language is chosen by
`service.translations.locale.pick_language`. What the templates get here: `word(vocab.VERDICTS, v)` for a
typed value, `count`, `num` and `pct` for numbers (Babel's CLDR formats), `when` and `day` for stored times
and dates, and the form's field errors as sentences.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton

from service.limits import MAX_CLAIM_CHARS, MAX_TOP_K
from service.translations import N_, vocabulary
from service.translations.locale import request_words
from service.verdict.render import shown_value, subject_words

# A form field -> (its label, the rule it must follow, the limit the rule names): the page states the rule in
# the interface's language instead of the validator's English message (which stays in the API's answers).
FIELD_RULES = {
    "claim": (N_("Claim to check"), N_("type a claim of 1 to %(max)s characters"), MAX_CLAIM_CHARS),
    "top_k": (N_("Passages to weigh (top k)"), N_("a whole number from 1 to %(max)s"), MAX_TOP_K),
    "date_from": (N_("Published from"), N_("a date written YYYY-MM-DD"), None),
    "date_to": (N_("Published until"), N_("a date written YYYY-MM-DD, not before the start date"), None),
    "languages": (N_("Languages of the evidence"), N_("language codes such as fr or en"), None),
    "sources": (N_("Sources"), N_("sources among those listed"), None),
    "text": (N_("Text"), N_("paste a text or choose a .txt or .html file"), None),
}


def field_errors(messages: dict) -> list[str]:
    """A form's field-level errors (marshmallow's {field: [message]}) as sentences in the request's language."""
    w = request_words()
    out = []
    for field in messages:
        if field in FIELD_RULES:
            label, rule, limit = FIELD_RULES[field]
            values = {"max": w.number(limit, 0)} if limit is not None else {}
            out.append(w.gettext(label) + w.gettext(": ") + w.gettext(rule, **values))
        else:  # a field the page has no words for: named, with the generic reason
            out.append(field + w.gettext(": ") + w.gettext("this value cannot be used"))
    return out


def claim_too_long(length: int) -> str:
    """The sentence for a claim over the limit, with both numbers (the page never cuts a claim silently)."""
    w = request_words()
    return w.gettext(FIELD_RULES["claim"][0]) + w.gettext(": ") + w.ngettext(
        "%(num)s character sent; a claim has at most %(max)s: shorten it to one statement.",
        "%(num)s characters sent; a claim has at most %(max)s: shorten it to one statement.",
        length, max=w.number(MAX_CLAIM_CHARS, 0))


def month(value: str) -> str:
    """"2024-03" -> "March 2024" / "mars 2024"; anything else as it is."""
    try:
        first = date.fromisoformat(value[:7] + "-01")
    except (TypeError, ValueError):
        return str(value)
    return format_skeleton("yMMMM", first, locale=request_words().lang)


def helpers() -> dict:
    """What every template gets (the page's context processor)."""
    w = request_words()
    return {"lang": w.lang, "vocab": vocabulary, "word": lambda table, value: vocabulary.name(table, value, w),
            "count": lambda n: w.number(n, 0), "num": w.number, "pct": w.percent, "when": w.datetime,
            "day": w.date, "month": month, "max_claim_chars": MAX_CLAIM_CHARS, "subject": subject_words,
            "finding_value": lambda finding, value: shown_value(finding, value, w)}
