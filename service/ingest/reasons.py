"""Why a file or an article could not be ingested: a stable code and the values it names, worded at the edge.

Ingestion refuses with `refusal(code, **values)`; the code and values travel (an ingest summary's errors,
an API problem) and each reader gets the words of their language: the corpus screen the request's, the API
the same rule as its other errors, the CLI and the logs English (`exc.message`, `error` in a summary entry).

A value is text (a file name, an id, a repr), a whole number (formatted for the language: "1,000" /
"1 000") or a nested reason ({"code": ..., "values": ...}) for a phrase that is itself words, such as where
in a file ("a.json, item 3") or what a JSON value is ("a list"). The reader's words come from the gettext
catalogue, so a translator sees each message once, with its places named.
"""

from __future__ import annotations

from collections.abc import Callable

from service.errors import InvalidInput, RecoupeError, TooLarge
from service.translations import DEFAULT, N_, Words, words

# code -> English message; for a message whose words depend on a count, the function that words it from the
# count's value (`w.ngettext` there with the two messages written out, so that pybabel reads them as a plural).
REASONS: dict[str, str | Callable[..., str]] = {
    # reading the bytes (decode.py)
    "file_too_large": N_("%(file)s is %(size)s MiB: too large for an article file."),
    "cannot_read": N_("Cannot read %(path)s: %(why)s."),
    "empty_file": N_("%(file)s is empty."),
    "utf16_or_32": N_("%(file)s is saved as UTF-16 or UTF-32; re-save it as UTF-8."),
    "not_a_text_file": N_("%(file)s is %(what)s, not a text file."),
    "nul_bytes": N_("%(file)s looks like a binary file (it contains NUL bytes), not text."),
    "control_characters": N_("%(file)s looks like a binary file (it is full of control characters), not text."),
    "not_utf8_cp1252": N_("%(file)s is not valid UTF-8 at byte %(byte)s (0x%(hex)s, line %(line)s). It looks like "
                          "Windows-1252/Latin-1 text: re-save it as UTF-8."),
    "not_utf8": N_("%(file)s is not valid UTF-8 at byte %(byte)s (0x%(hex)s, line %(line)s). The encoding is "
                   "unknown: re-save it as UTF-8."),
    # finding the files (loaders.py)
    "no_such_path": N_("No such file or folder: %(path)s"),
    "no_such_file": N_("No such file: %(path)s"),
    "unsupported_extension": N_("Cannot read %(file)s: '%(ext)s' files are not supported. Use one of "
                                "%(extensions)s."),
    "no_extension": N_("Cannot read %(file)s: files without an extension are not supported. Use one of "
                       "%(extensions)s."),
    # the file's content (loaders.py); the JSON parser's own English words are `parser`, which only English says
    "title_without_text": N_("%(file)s has a title line but no article text under it."),
    "bad_json": N_("%(where)s is not valid JSON: %(parser)s at line %(line)s, column %(column)s."),
    "bad_json_line": N_("%(where)s is not valid JSON: %(parser)s at column %(column)s."),
    "json_too_deep": N_("%(where)s is not usable JSON: it is nested too deeply."),
    "json_too_many_digits": N_("%(where)s is not usable JSON: a number in it has too many digits."),
    "json_unusable": N_("%(where)s is not usable JSON: %(parser)s."),
    "not_articles": N_("%(file)s must hold an article object or a list of them, not %(kind)s."),
    "empty_list": N_("%(file)s holds an empty list: no articles to load."),
    "no_usable_article": N_("%(file)s: no usable article in the file (each bad record is listed)."),
    "no_html_text": N_("%(file)s: no article text found in this HTML page."),
    "not_an_article": N_("%(where)s: expected an article object with 'title' and 'text', got %(kind)s."),
    "field_not_text": N_("%(where)s: field '%(field)s' must be a string, not %(kind)s."),
    "no_text_field": N_("%(where)s: the record has no 'text' (every article needs its text)."),
    "empty_id": N_("%(where)s: field 'id' is empty; leave it out to get a derived id."),
    "no_text_left": N_("%(where)s has no article text (nothing left after removing page debris)."),
    "control_character": N_("%(where)s: field '%(field)s' holds a control character (%(char)s); remove it."),
    "article_too_long": N_("%(where)s: the article is %(chars)s characters long, over the %(limit)s-character "
                           "limit for one article; split it into several articles."),
    "bad_language": N_("%(where)s: language %(value)s is not a language code such as 'fr' or 'en'."),
    "bad_date": N_("%(where)s: published_at %(value)s is not an ISO 8601 date such as 2020-09-16."),
    # an article's passages (pipeline.py)
    "too_many_sentences": N_("article %(id)s has more than %(limit)s distinct sentences, the limit for one "
                             "article; split it into several articles."),
    "no_passage": N_("article %(id)s has no passage to index: no sentence of at least %(words)s words is left "
                     "once page debris is removed."),
    # a folder's metadata.json (sidecar.py)
    "sidecar_not_utf8": N_("%(where)s is not valid UTF-8 at byte %(byte)s; re-save it as UTF-8."),
    "sidecar_bad_json": N_("%(where)s is not valid JSON: %(parser)s at line %(line)s, column %(column)s."),
    "sidecar_not_a_map": N_("%(where)s must map file names to objects, e.g. {\"a.txt\": {\"title\": \"...\"}}."),
    "sidecar_entry_not_object": N_("%(where)s: the entry for %(key)s must be an object of fields."),
    "sidecar_unknown_fields": lambda n, w, **shown: w.ngettext(
        "%(where)s: the entry for %(key)s has unknown field %(unknown)s; known fields are %(known)s.",
        "%(where)s: the entry for %(key)s has unknown fields %(unknown)s; known fields are %(known)s.", n, **shown),
    "sidecar_field_not_text": N_("%(where)s: %(key)s field %(field)s must be a string."),
    # a file the readers above did not expect to fail on (service/corpus.py)
    "file_too_deep": N_("could not read the file: it is nested too deeply"),
    "file_unreadable": N_("could not read the file: %(why)s"),
    # places and kinds: the nested phrases of the messages above
    "item": N_("%(file)s, item %(n)s"),
    "line": N_("%(file)s, line %(n)s"),
    "the_article": N_("the article"),
    "article_n": N_("article %(n)s"),
    "an_object": N_("an object"), "a_list": N_("a list"), "a_string": N_("a string"), "a_boolean": N_("true/false"),
    "null": N_("null"), "a_number": N_("a number"),
    "png": N_("a PNG image"), "jpeg": N_("a JPEG image"), "gif": N_("a GIF image"),
    "pdf": N_("a PDF document (convert it to text first)"), "zip": N_("a ZIP archive or Office document"),
    "gzip": N_("a gzip archive"), "program": N_("a program"),
}
# Refusals of a size limit answer 413, as the project's other limits do; every other refusal is a 400.
TOO_LARGE = {"article_too_long", "too_many_sentences"}


def phrase(code: str, **values) -> dict:
    """A nested reason, for a value that is itself words ("a.json, item 3", "a list")."""
    return {"code": code, "values": values}


def reason_text(code: str, values: dict, w: Words) -> str:
    """The reason in `w`'s language: numbers formatted, nested phrases worded, lists joined."""
    shown = {name: _shown(value, w) for name, value in values.items()}
    message = REASONS[code]
    if callable(message):
        return message(values["count"], w, **shown)
    return w.gettext(message, **shown)


def _shown(value, w: Words) -> str:
    if isinstance(value, dict):
        return reason_text(value["code"], value.get("values", {}), w)
    if isinstance(value, int) and not isinstance(value, bool):
        return w.number(value, 0)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


class _Refusal:
    """What the refusals below add to a RecoupeError: their code and values, and their words in a language
    (service/translations/messages.py asks any error for `text_in`)."""

    code: str
    values: dict

    def _reason(self, code: str, values: dict, detail: dict | None) -> None:
        RecoupeError.__init__(self, reason_text(code, values, words(DEFAULT)), detail=detail)
        self.code, self.values = code, values
        self.template = REASONS[code] if isinstance(REASONS[code], str) else self.message

    def text_in(self, w: Words) -> str:
        return reason_text(self.code, self.values, w)

    def to_reason(self) -> dict:
        return {"code": self.code, "values": self.values}


class IngestRefused(_Refusal, InvalidInput):
    def __init__(self, code: str, detail: dict | None = None, **values):
        self._reason(code, values, detail)


class IngestTooLarge(_Refusal, TooLarge):
    def __init__(self, code: str, detail: dict | None = None, **values):
        self._reason(code, values, detail)


def refusal(code: str, *, detail: dict | None = None, **values) -> RecoupeError:
    """The error for `code` (its message in REASONS), to raise."""
    return (IngestTooLarge if code in TOO_LARGE else IngestRefused)(code, detail, **values)


def error_entry(file: str, exc: Exception | None, code: str | None = None, **values) -> dict:
    """An ingest summary's error: {"file", "error" (English, as the CLI prints it), "code", "values"}; an
    error without a code of its own (raised elsewhere) keeps its English message and code None."""
    if code is None and isinstance(exc, _Refusal):
        code, values = exc.code, exc.values
    text = reason_text(code, values, words(DEFAULT)) if code else getattr(exc, "message", str(exc))
    return {"file": file, "error": text, "code": code, "values": values}


def entry_text(entry: dict, w: Words) -> str:
    """A summary error in `w`'s language (English where it came without a code)."""
    code = entry.get("code")
    return reason_text(code, entry.get("values") or {}, w) if code in REASONS else entry["error"]
