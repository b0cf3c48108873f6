"""Published fact-checks read from a newsroom's files: what `recoupe factchecks import` and
`POST /v1/factchecks` accept.

- schema.org ClaimReview in JSON-LD, as sites embed it: one object, a list, an `@graph`, a JSON
  Lines file of them, or an HTML page's `<script type="application/ld+json">` blocks;
- a CSV with a header naming claim, rating, date, url, author (a few usual aliases accepted).

A record that cannot be used is listed with its position (line, item or script) and why, and
skipped; the others are kept. A file that cannot be read at all is one `InvalidInput`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from service.claims import claim_problem, normalise_claim
from service.errors import InvalidInput
from service.limits import MAX_CLAIM_CHARS

FORMATS = {".json": "json", ".jsonld": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
           ".html": "html", ".htm": "html"}
MAX_FIELD_CHARS = 500  # rating, author, url
CSV_COLUMNS = {  # the column a CSV header may use for each field (lower-cased, spaces as _)
    "claim": ("claim", "claim_reviewed", "claimreviewed", "statement", "affirmation"),
    "rating": ("rating", "verdict", "textual_rating", "alternatename", "note"),
    "date": ("date", "date_published", "datepublished", "published", "published_at"),
    "url": ("url", "link", "review_url"),
    "author": ("author", "publisher", "fact_checker", "source"),
}
_SCRIPT = re.compile(r"<script[^>]*type\s*=\s*[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.I | re.S)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FactCheck:
    id: str  # derived from url and claim: the same fact-check imported twice is one
    claim: str
    rating: str
    date: str  # YYYY-MM-DD, or "" when the record gives none
    url: str
    author: str

    def to_dict(self) -> dict:
        return {"id": self.id, "claim": self.claim, "rating": self.rating, "date": self.date, "url": self.url,
                "author": self.author}


@dataclass(frozen=True)
class BadRecord:
    where: str  # "line 4", "item 2", "script 1 item 3"
    reason: str

    def to_dict(self) -> dict:
        return {"where": self.where, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def read_file(path: str | Path) -> tuple[list[FactCheck], list[BadRecord]]:
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(f"cannot read fact-checks from {path.name}: the extension {path.suffix or '(none)'!r} "
                           f"is not one of {', '.join(sorted(FORMATS))}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"the fact-check file {path} does not exist") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder; give a .json, .jsonl, .html or .csv file of fact-checks") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read the fact-check file {path}: {exc.strerror or exc}") from None
    return read_text(_decode(raw, path.name), fmt, path.name)


def read_text(text: str, fmt: str, name: str = "the file") -> tuple[list[FactCheck], list[BadRecord]]:
    reader = {"json": _json_records, "jsonl": _jsonl_records, "html": _html_records, "csv": _csv_records}[fmt]
    good, bad = [], []
    for where, item in reader(text, name):
        if isinstance(item, str):
            bad.append(BadRecord(where, item))
            continue
        if fmt == "html" and not _is_claim_review(item):
            continue  # a page's other JSON-LD (Organization, BreadcrumbList...) is not a record
        found = from_row(item) if fmt == "csv" else _from_object(item)
        (bad.append(BadRecord(where, found)) if isinstance(found, str) else good.append(found))
    return good, bad


def read_objects(items: list) -> tuple[list[FactCheck], list[BadRecord]]:
    """ClaimReview objects (or {claim, rating, date, url, author} objects) as the API receives them."""
    good, bad = [], []
    for n, item in enumerate(items):
        for where, obj in _flatten(item, f"item {n}"):
            found = _from_object(obj)
            (bad.append(BadRecord(where, found)) if isinstance(found, str) else good.append(found))
    return good, bad


# ---------------------------------------------------------------- one record


def _from_object(obj) -> FactCheck | str:
    """A ClaimReview, or a plain {claim, rating, date, url, author} object."""
    if isinstance(obj, dict) and "@type" not in obj and "claim" in obj:
        return from_row(obj)
    return from_record(obj)


def from_record(obj: dict) -> FactCheck | str:
    """A ClaimReview object -> FactCheck, or why it cannot be used."""
    if not _is_claim_review(obj):
        kind = obj.get("@type") if isinstance(obj, dict) else type(obj).__name__
        return f"not a ClaimReview (its @type is {kind!r})"
    rating = obj.get("reviewRating")
    if isinstance(rating, list):
        rating = rating[0] if rating else None
    if isinstance(rating, dict):
        words = rating.get("alternateName") or rating.get("name")
        if not words and rating.get("ratingValue") is not None:
            best = rating.get("bestRating")
            words = f"{rating['ratingValue']}/{best}" if best is not None else str(rating["ratingValue"])
    else:
        words = rating
    return _fact_check(obj.get("claimReviewed"), words, obj.get("datePublished"), obj.get("url"),
                       _name(obj.get("author")))


def from_row(row: dict) -> FactCheck | str:
    """A {claim, rating, date, url, author} mapping (a CSV row, an API object) -> FactCheck, or why not."""
    if not isinstance(row, dict):
        return f"a fact-check is an object, not {type(row).__name__}"
    get = {k.strip().lower().replace(" ", "_"): v for k, v in row.items() if isinstance(k, str)}
    pick = {field: next((get[c] for c in names if get.get(c) not in (None, "")), None)
            for field, names in CSV_COLUMNS.items()}
    return _fact_check(pick["claim"], pick["rating"], pick["date"], pick["url"], _name(pick["author"]))


def _fact_check(claim, rating, when, url, author) -> FactCheck | str:
    if not isinstance(claim, str) or not normalise_claim(claim):
        return "no claim (claimReviewed / the claim column is missing or empty)"
    claim = normalise_claim(claim)
    if problem := claim_problem(claim):
        return problem
    if len(claim) > MAX_CLAIM_CHARS:
        return f"the claim is {len(claim)} characters long, over the {MAX_CLAIM_CHARS}-character limit"
    if isinstance(rating, (int, float)) and not isinstance(rating, bool):
        rating = str(rating)
    if not isinstance(rating, str) or not rating.strip():
        return "no rating (reviewRating.alternateName / the rating column is missing or empty)"
    rating = " ".join(rating.split())
    day = ""
    if when not in (None, ""):
        if not isinstance(when, str) or not _DATE.match(when.strip()):
            return f"the date {when!r} is not an ISO date (YYYY-MM-DD)"
        try:
            day = date.fromisoformat(when.strip()[:10]).isoformat()
        except ValueError:
            return f"the date {when!r} is not a real day"
    url = url.strip() if isinstance(url, str) else ""
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return f"the url {url[:80]!r} is not an http(s) address"
    author = author if isinstance(author, str) else ""
    for label, value in (("rating", rating), ("url", url), ("author", author)):
        if len(value) > MAX_FIELD_CHARS:
            return f"the {label} is longer than {MAX_FIELD_CHARS} characters"
        if _has_surrogate(value):
            return f"the {label} holds bytes that are not UTF-8"
    if _has_surrogate(claim):
        return "the claim holds bytes that are not UTF-8"
    key = hashlib.sha256(f"{url}\x00{claim}".encode("utf-8")).hexdigest()[:16]
    return FactCheck("fc_" + key, claim, rating, day, url, " ".join(author.split()))


def _is_claim_review(obj) -> bool:
    if not isinstance(obj, dict):
        return False
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] == "ClaimReview" for k in kinds)


def _name(author) -> str:
    if isinstance(author, list):
        author = author[0] if author else ""
    if isinstance(author, dict):
        author = author.get("name") or author.get("url") or ""
    return author if isinstance(author, str) else ""


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


# ---------------------------------------------------------------- files


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidInput(f"{name} is saved as UTF-16 or UTF-32; save it as UTF-8 and import again")
    return raw.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="surrogateescape")


def _flatten(obj, where: str):
    """(position, object) for each record of one JSON value: a list's items, an @graph's nodes."""
    if isinstance(obj, list):
        for n, item in enumerate(obj):
            yield from _flatten(item, f"{where} item {n}" if where else f"item {n}")
    elif isinstance(obj, dict) and isinstance(obj.get("@graph"), list) and not _is_claim_review(obj):
        for n, item in enumerate(obj["@graph"]):
            yield (f"{where} @graph item {n}".strip(), item)
    else:
        yield (where or "the object", obj)


def _json_records(text: str, name: str):
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"{name} is not valid JSON: {exc}") from None
    yield from _flatten(value, "")


def _jsonl_records(text: str, name: str):
    yield from _parsed((f"line {n}", line) for n, line in enumerate(io.StringIO(text, newline=""), start=1)
                      if line.strip())


def _html_records(text: str, name: str):
    scripts = _SCRIPT.findall(text)
    if not scripts:
        raise InvalidInput(f"{name} holds no <script type=\"application/ld+json\"> block")
    yield from _parsed((f"script {n}", body) for n, body in enumerate(scripts, start=1))


def _parsed(bodies):
    """(where, JSON text) -> the records each holds, or (where, why) for a text that is not JSON."""
    for where, body in bodies:
        try:
            value = json.loads(body)
        except (ValueError, RecursionError) as exc:
            yield (where, f"not valid JSON: {exc}")
            continue
        yield from _flatten(value, where)


def _csv_records(text: str, name: str):
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows)
    except StopIteration:
        raise InvalidInput(f"{name} is empty") from None
    except csv.Error as exc:
        raise InvalidInput(f"{name} is not a readable CSV file: {exc}") from None
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    if not any(c in CSV_COLUMNS["claim"] for c in columns):
        raise InvalidInput(f"{name} has no claim column: its header must name claim, rating, date, url, author "
                           f"(found {', '.join(columns) or 'nothing'})")
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield (f"line {rows.line_num}", f"not readable as CSV: {exc}")
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            yield (f"line {rows.line_num}", f"{len(values)} values for {len(columns)} columns")
            continue
        yield (f"line {rows.line_num}", dict(zip(columns, values)))
