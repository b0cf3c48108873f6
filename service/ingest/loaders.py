"""Read article files (.txt, .json, .jsonl, .html) into cleaned `Article`s.

Every format ends in the same `_article()` so ids, titles, sources, languages
and sidecar overrides follow one set of rules whatever the file looked like.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from service import linear_regex
from service.errors import InvalidInput
from service.limits import MAX_ARTICLE_CHARS

from .article import Article
from .clean import clean_article, normalise_line
from .decode import read_text
from .language import detect_article_language
from .reasons import error_entry, phrase, refusal
from .segment import split_sentences
from .sidecar import SIDECAR_NAME, sidecar_entry

SUPPORTED_EXTENSIONS = (".txt", ".json", ".jsonl", ".html", ".htm")
RECORD_FIELDS = ("id", "title", "text", "url", "source", "published_at", "language")
# A derived title (no headline in the file) is the first sentence, cut here.
DERIVED_TITLE_CHARS = 120

_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_LANGUAGE = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]+)*")
_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?)?)?")
# Characters no one types in a title, source, url, id or date: C0/C1 controls, line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# RE2 (`[^\w>]` for `\b`): in `re`, "<html<html<html…" restarts the scan to the next ">" at every "<html".
_HTML_LANG = linear_regex.compile(r"""<html[^>]*[^\w>]lang\s*=\s*["']?([A-Za-z]{2,3})""", ignore_case=True)


def iter_files(paths: str | Path | Iterable[str | Path]) -> Iterator[Path]:
    """Files to load: folders expanded recursively (sorted, supported types only,
    hidden entries and sidecars skipped); files named explicitly are yielded as is."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = (
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_EXTENSIONS
                and p.name != SIDECAR_NAME
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            yield from sorted(found, key=lambda p: p.relative_to(path).as_posix())
        elif path.is_file():
            yield path
        else:
            raise refusal("no_such_path", path=str(path))


def load_file(path: str | Path, errors: list[dict] | None = None) -> list[Article]:
    """Every article in one file, cleaned, with sidecar overrides applied.

    A bad record of a multi-article file (an item of a .json list, a line of
    a .jsonl) raises, unless `errors` is given: then it is appended there
    (reasons.error_entry) and the file's other articles are kept."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        extensions = ", ".join(SUPPORTED_EXTENSIONS)
        if ext:
            raise refusal("unsupported_extension", file=path.name, ext=ext, extensions=extensions)
        raise refusal("no_extension", file=path.name, extensions=extensions)
    if not path.is_file():
        raise refusal("no_such_file", path=str(path))
    if ext == ".txt":
        return [_load_txt(path)]
    if ext == ".json":
        return _load_json(path, errors)
    if ext == ".jsonl":
        return _load_jsonl(path, errors)
    return [_load_html(path)]


# --- formats -----------------------------------------------------------------


def _load_txt(path: Path) -> Article:
    raw = read_text(path)
    if len(raw) > 2 * MAX_ARTICLE_CHARS:  # cleaning cannot bring it under the cap: say so before working on it
        raise _too_long(path.name, len(raw))
    override = sidecar_entry(path, _base_id(path))
    cleaned = clean_article(raw, title=override.get("title"), take_title_line=True)
    if cleaned.title and not cleaned.text:
        raise refusal("title_without_text", file=path.name)
    given = {"title": cleaned.title, "published_at": cleaned.published_at}
    return _article(path, None, given, cleaned.text, where=path.name)


def _load_json(path: Path, errors: list[dict] | None = None) -> list[Article]:
    raw = read_text(path)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise refusal("bad_json", where=path.name, parser=e.msg, line=e.lineno, column=e.colno,
                      detail={"file": path.name, "line": e.lineno, "column": e.colno}) from e
    except RecursionError:
        raise refusal("json_too_deep", where=path.name) from None
    except ValueError as e:  # an integer too long to read, a lone surrogate
        raise _json_value_error(e, path.name) from None
    if isinstance(data, dict):
        return [_record(path, None, data, where=path.name)]
    if not isinstance(data, list):
        raise refusal("not_articles", file=path.name, kind=_kind(data))
    if not data:
        raise refusal("empty_list", file=path.name)
    return _records(path, errors, ((n, item, phrase("item", file=path.name, n=n)) for n, item in enumerate(data, 1)))


def _load_jsonl(path: Path, errors: list[dict] | None = None) -> list[Article]:
    def lines():
        for n, line in enumerate(read_text(path).splitlines(), 1):
            if line.strip():
                yield n, line, phrase("line", file=path.name, n=n)

    return _records(path, errors, lines(), parse=True)


def _records(path: Path, errors: list[dict] | None, items, parse: bool = False) -> list[Article]:
    """Articles from (n, record or JSON line, where); a bad one raises, or goes to `errors` when given."""
    articles, failed = [], 0
    for n, data, where in items:
        try:
            if parse:
                data = _parse_line(data, where, path.name, n)
            articles.append(_record(path, n, data, where=where))
        except InvalidInput as exc:
            if errors is None:
                raise
            errors.append(error_entry(str(path), exc))
            failed += 1
    if failed and not articles:
        raise refusal("no_usable_article", file=path.name)
    return articles


def _parse_line(line: str, where: dict, name: str, n: int):
    try:
        return json.loads(line)
    except json.JSONDecodeError as e:
        raise refusal("bad_json_line", where=where, parser=e.msg, column=e.colno,
                      detail={"file": name, "line": n, "column": e.colno}) from e
    except RecursionError:
        raise refusal("json_too_deep", where=where) from None
    except ValueError as e:
        raise _json_value_error(e, where) from None


def _json_value_error(exc: ValueError, where) -> InvalidInput:
    if "int_max_str_digits" in str(exc) or "integer string conversion" in str(exc):
        return refusal("json_too_many_digits", where=where)
    return refusal("json_unusable", where=where, parser=str(exc).rstrip("."))


def _load_html(path: Path) -> Article:
    # trafilatura: maintained, the best-scoring open-source main-text extractor
    # in published benchmarks; it drops menus, footers and comment sections
    # that a hand-written "strip the tags" pass would index as claims.
    # Imported here: it pulls in lxml and date parsers (~0.5 s).
    import trafilatura

    raw = read_text(path, html=True)
    doc = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False, include_images=False)
    if doc is None or not (doc.text or "").strip():
        raise refusal("no_html_text", file=path.name)
    lang = _HTML_LANG.search(raw[:4096])
    given = {
        "title": doc.title,
        "url": doc.url,
        "source": doc.sitename,  # the page names its publisher: better than the file name
        "published_at": doc.date,
        "language": lang.group(1) if lang else None,
    }
    # trafilatura puts one paragraph per line; blank lines make paragraphs explicit.
    text = "\n\n".join(doc.text.splitlines())
    override = sidecar_entry(path, _base_id(path))
    cleaned = clean_article(text, title=override.get("title") or doc.title)
    given["published_at"] = given["published_at"] or cleaned.published_at
    return _article(path, None, given, cleaned.text, where=path.name)


def article_from_record(data: object, *, where: str | dict, origin: str = "api") -> Article:
    """A JSON article that did not come from a file (e.g. posted to the API):
    the same rules as a record of a .json file; `origin` is the default source.
    `where` names it in messages: text, or a phrase of reasons.py ("the article", "article 3")."""
    # The folder does not exist, so no metadata.json sidecar can apply.
    return _record(Path("<no file>") / origin, None, data, where=where)


def _record(path: Path, n: int | None, data: object, *, where: str | dict) -> Article:
    """One JSON object -> Article. `n` numbers records in multi-article files."""
    if not isinstance(data, dict):
        raise refusal("not_an_article", where=where, kind=_kind(data))
    given = {key: data.get(key) for key in RECORD_FIELDS}
    for key, value in given.items():
        if value is not None and not isinstance(value, str) and not (key == "id" and _is_int(value)):
            raise refusal("field_not_text", where=where, field=key, kind=_kind(value))
    if not (given["text"] or "").strip():
        raise refusal("no_text_field", where=where)
    article_id = str(given["id"]).strip() if given["id"] is not None else _base_id(path, n)
    if not article_id:
        raise refusal("empty_id", where=where)
    title = normalise_line(given["title"] or "") or None
    override = sidecar_entry(path, article_id)
    cleaned = clean_article(given["text"], title=override.get("title") or title)
    given.update(id=article_id, title=title, published_at=given["published_at"] or cleaned.published_at)
    return _article(path, n, given, cleaned.text, where=where)


# --- shared rules --------------------------------------------------------------


def _article(path: Path, n: int | None, given: dict, text: str, *, where: str | dict) -> Article:
    """Apply the one set of rules: sidecar > file's own values > derived ones."""
    article_id = given.get("id") or _base_id(path, n)
    override = sidecar_entry(path, article_id)
    if not text.strip():
        raise refusal("no_text_left", where=where)
    if len(text) > MAX_ARTICLE_CHARS:
        raise _too_long(where, len(text))

    def value(key: str) -> str | None:
        found = override.get(key) or (given.get(key) or "").strip() or None
        if found and (bad := _CONTROL.search(found)):
            raise refusal("control_character", where=where, field=key, char=f"U+{ord(bad.group()):04X}",
                          detail={"field": key})
        return found

    if bad := _CONTROL.search(article_id):
        raise refusal("control_character", where=where, field="id", char=f"U+{ord(bad.group()):04X}",
                      detail={"field": "id"})

    language = _language(value("language"), where) or detect_article_language(text)
    return Article(
        id=article_id,
        title=value("title") or _derived_title(text, language),
        text=text,
        source=value("source") or path.name,
        url=value("url"),
        published_at=_date(value("published_at"), where),
        language=language,
        path=str(path),
    )


def _too_long(where: str | dict, chars: int):
    return refusal("article_too_long", where=where, chars=chars, limit=MAX_ARTICLE_CHARS,
                   detail={"characters": chars, "limit": MAX_ARTICLE_CHARS})


def _base_id(path: Path, n: int | None = None) -> str:
    """Stable id from the file name: the stem when it is already id-like
    (e.g. 000_c9a7ba25d01f7fbf), else a slug plus a short hash of the name so
    two names that slug alike stay distinct. `n` numbers records in a file."""
    stem = path.stem
    if not _PLAIN_ID.fullmatch(stem):
        slug = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^A-Za-z0-9]+", "-", slug).strip("-").lower() or "article"
        stem = f"{slug}_{hashlib.sha1(path.name.encode()).hexdigest()[:8]}"
    return stem if n is None else f"{stem}-{n}"


def _derived_title(text: str, language: str) -> str:
    spans = split_sentences(text[:2000], language)
    first = text[spans[0][0] : spans[0][1]] if spans else text.strip().splitlines()[0]
    if len(first) <= DERIVED_TITLE_CHARS:
        return first
    return first[:DERIVED_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _language(value: str | None, where: str | dict) -> str | None:
    if value is None:
        return None
    m = _LANGUAGE.fullmatch(value.strip().lower())
    if not m:
        raise refusal("bad_language", where=where, value=repr(value))
    return m.group(1)  # "fr-FR" -> "fr": passages are tagged with bare codes too


def _date(value: str | None, where: str | dict) -> str | None:
    if value is not None and not _DATE.fullmatch(value):
        raise refusal("bad_date", where=where, value=repr(value))
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: object) -> dict:
    """What a JSON value is, as a phrase of reasons.py ("a list")."""
    kinds = {dict: "an_object", list: "a_list", str: "a_string", bool: "a_boolean", type(None): "null"}
    return phrase(kinds.get(type(value), "a_number"))
