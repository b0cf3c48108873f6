"""The project's words in the reader's language: gettext catalogues, one per language, in this folder.

Why gettext through Babel and Flask-Babel rather than a hand-written table: the messages are the English
text itself (a newcomer reads the template, not a key), plural forms follow each language's rules
(`ngettext`, never "source(s)"), numbers and dates are formatted by CLDR's data for the locale (Babel's
`format_decimal`, `format_percent`, `format_datetime`), and the tools that translators already know
(`pybabel extract/update/compile`, Poedit, Weblate) read and write the catalogues. Flask-Babel picks the
locale of each request and puts `_`/`ngettext` in the templates; code that renders words outside a
request (the CLI's reports, an explanation in the claim's language) uses `words(lang)` below, which reads
the same compiled catalogue.

English is the language of the messages (msgids); `fr/LC_MESSAGES/messages.po` is the French catalogue and
`messages.mo` its compiled form, committed beside it so that a fresh clone and an installed package have
it without a build step (tests/test_translations.py fails when the two disagree). After editing strings:

    pybabel extract -F service/translations/babel.cfg -k N_ --no-location --sort-output \
        -o service/translations/messages.pot .
    pybabel update -i service/translations/messages.pot -d service/translations
    pybabel compile -d service/translations
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

DIRECTORY = Path(__file__).resolve().parent
DOMAIN = "messages"
LANGUAGES = ("en", "fr")  # English: the msgids themselves; the others have a catalogue here
DEFAULT = "en"
# Stored times are UTC; a reader's own time zone is not known to the server, so times say UTC.
TIME_ZONE = timezone.utc


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined, translated later where it is shown."""
    return message


def language_of(code: str | None) -> str:
    """The catalogue for a language code: "fr-CA" -> "fr"; a language without one -> English."""
    short = (code or "").lower()[:2]
    return short if short in LANGUAGES else DEFAULT


@lru_cache(maxsize=None)
def catalogue(lang: str) -> Translations:
    return Translations.load(str(DIRECTORY), [language_of(lang)], domain=DOMAIN)


@dataclass(frozen=True)
class Words:
    """The words and formats of one language, for text rendered outside a page request."""

    lang: str

    def gettext(self, message: str, **values) -> str:
        text = catalogue(self.lang).gettext(message)
        return text % values if values else text

    def has(self, message: str) -> bool:
        """Whether the catalogue says `message` in this language (English always does)."""
        return self.lang == DEFAULT or message in catalogue(self.lang)._catalog

    def ngettext(self, singular: str, plural: str, n: int, **values) -> str:
        """`%(num)s` in the message is `n`, formatted for the language."""
        text = catalogue(self.lang).ngettext(singular, plural, n)
        return text % {"num": self.number(n, 0), **values}

    def number(self, value: float, digits: int = 2) -> str:
        """0.815 -> "0.82" / "0,82"; 1000 -> "1,000" / "1 000" (CLDR's grouping and decimal signs)."""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.lang)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.lang)

    def datetime(self, value: str | datetime | None) -> str:
        """A stored ISO time ("2026-12-03T07:06:45+00:00") as the reader writes it, in UTC."""
        moment = _parse_datetime(value)
        if moment is None:
            return str(value or "")
        return format_datetime(moment, "long", tzinfo=TIME_ZONE, locale=self.lang)

    def date(self, value: str | date | None) -> str:
        """A publication date ("2024-03-01", "2024-03", "2024") as the reader writes it, at the precision it
        was given ("mars 2024", not a made-up first of the month); other text as it is."""
        if isinstance(value, datetime):
            return format_date(value.date(), "long", locale=self.lang)
        if isinstance(value, date):
            return format_date(value, "long", locale=self.lang)
        text = str(value or "")
        try:
            if len(text) == 7:  # a month: CLDR's year-month pattern of the language
                return format_skeleton("yMMMM", date.fromisoformat(text + "-01"), locale=self.lang)
            return format_date(date.fromisoformat(text[:10]), "long", locale=self.lang)
        except ValueError:
            return text


def _parse_datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@lru_cache(maxsize=None)
def words(lang: str | None) -> Words:
    return Words(language_of(lang))
