"""Read a file of claims: .csv (a `claim` column, optional `id`), .jsonl (objects
with `claim`, optional `id`) or .txt (one claim per line).

`read_claims(path)` yields a `Row` per usable claim and a `BadRow` (line
number, reason) per row that cannot be checked: an empty claim, one over the
verifier's length limit, bytes that are not UTF-8, a malformed JSON line, a
repeated id. A bad row is reported and skipped, never fatal; only a file that
cannot be read as a whole (unknown extension, no `claim` column) is an error.

Every other column (field) of a row is kept in `Row.extra` and carried through
to the outputs. Blank lines are not rows and are skipped silently.

Each row gets a `key` that names it across runs, so an interrupted check can
resume: its id when the file gives one, else its line number and a hash of
its claim (a claim edited in place is then checked again).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from service.claims import Claim, claim_problem, normalise_claim, sent_length
from service.errors import InvalidInput
from service.limits import MAX_CLAIM_CHARS

INPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".txt": "txt"}
CLAIM, ID = "claim", "id"
DELIMITERS = ",;\t"  # a spreadsheet in a French locale saves CSV with ';'

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of bytes that are not UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")
_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass
class Row:
    line_no: int  # where the row starts in the file, from 1
    key: str  # names the row across runs (see the module docstring)
    claim: str  # whitespace collapsed, as the verifier reads it
    id: str | None = None  # the file's own id, when it gives one
    extra: dict = field(default_factory=dict)  # every other column, in the file's order


@dataclass
class BadRow:
    line_no: int
    reason: str  # in English, for the command line and logs
    # Typed, for an interface to say it in its user's language: one of BAD_ROW_CODES and its values.
    code: str = "unreadable"
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"line {self.line_no}: {self.reason}"


BAD_ROW_CODES = ("duplicate_id", "not_text", "not_unicode", "too_long", "empty", "no_word", "not_utf8", "bad_json",
                 "not_object", "no_claim_field", "bad_id", "bad_csv", "field_count", "unreadable")


def input_format(path: Path) -> str:
    fmt = INPUT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InvalidInput(f"cannot read claims from {Path(path).name}: the extension "
                           f"{Path(path).suffix or '(none)'!r} is not one of {', '.join(INPUT_FORMATS)}")
    return fmt


def read_claims(path: str | Path) -> Iterator[Row | BadRow]:
    """The file's rows, in order; raises `InvalidInput` only when the file as a whole cannot be read."""
    path = Path(path)
    fmt = input_format(path)
    text = _read_text(path)
    reader = {"csv": _csv_rows, "jsonl": _jsonl_rows, "txt": _txt_rows}[fmt]
    seen: dict[str, int] = {}
    for item in reader(text, path.name):
        if isinstance(item, Row) and item.id is not None:
            if item.id in seen:
                yield BadRow(item.line_no, f"the id {item.id!r} is already used on line {seen[item.id]}", "duplicate_id",
                             {"id": item.id, "line": seen[item.id]})
                continue
            seen[item.id] = item.line_no
        yield item


def first_of_same_claim(claims: list[str]) -> list[int]:
    """For each claim of a file, the index of the first row with the same claim (its own when first): a
    repeated claim is checked once and shares that row's check, in `recoupe check` and in the desk's batches."""
    first: dict[str, int] = {}
    return [first.setdefault(claim, n) for n, claim in enumerate(claims)]


def claim_key(line_no: int, claim: str, id_: str | None) -> str:
    if id_ is not None:
        return f"id:{id_}"
    return f"line:{line_no}:{hashlib.sha256(claim.encode('utf-8')).hexdigest()[:16]}"


# ---------------------------------------------------------------- the file


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"the claims file {path} does not exist") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder; give a .csv, .jsonl or .txt file of claims") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read the claims file {path}: {exc.strerror or exc}") from None
    if raw.startswith(_UTF16_32_BOMS):
        raise InvalidInput(f"{path.name} is saved as UTF-16 or UTF-32; save it as UTF-8 and run again")
    # Bytes that are not UTF-8 survive as lone surrogates, so that only the rows holding them are bad.
    return raw.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="surrogateescape")


def _row(line_no: int, claim, id_=None, extra: dict | None = None) -> Row | BadRow:
    """A Row, or the reason this claim cannot be checked."""
    if not isinstance(claim, str):
        return BadRow(line_no, f"the claim is not text (got {type(claim).__name__})", "not_text",
                      {"type": type(claim).__name__})
    if _SURROGATE.search(claim) or (id_ is not None and _SURROGATE.search(id_)):
        return BadRow(line_no, "the claim or id holds a lone surrogate, which is not valid Unicode text", "not_unicode")
    if (sent := sent_length(claim)) > MAX_CLAIM_CHARS:  # as sent, as the API counts it
        return BadRow(line_no, f"the claim is {sent} characters long, over the {MAX_CLAIM_CHARS}-character limit",
                      "too_long", {"length": sent, "limit": MAX_CLAIM_CHARS})
    claim = normalise_claim(claim)  # as the API reads it: invisible characters out, spaces collapsed
    if not claim:
        return BadRow(line_no, "the claim is empty", "empty")
    if problem := claim_problem(claim):
        return BadRow(line_no, problem, "no_word")  # not empty (above), so: no word to check
    return Row(line_no, claim_key(line_no, claim, id_), Claim(claim), id_, extra or {})  # read as read_claim reads it


def _lines(text: str) -> list[str]:
    """Lines ended by \\n, \\r\\n or \\r only (str.splitlines would also split a JSON string at U+2028)."""
    return list(io.StringIO(text, newline=""))


def _undecodable(line_no: int) -> BadRow:
    return BadRow(line_no, "the row holds bytes that are not UTF-8 (save the file as UTF-8)", "not_utf8")


# ---------------------------------------------------------------- .txt


def _txt_rows(text: str, name: str) -> Iterator[Row | BadRow]:
    for line_no, line in enumerate(_lines(text), 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        yield _undecodable(line_no) if _UNDECODABLE.search(line) else _row(line_no, line)


# ---------------------------------------------------------------- .jsonl


def _jsonl_rows(text: str, name: str) -> Iterator[Row | BadRow]:
    for line_no, line in enumerate(_lines(text), 1):
        if not line.strip():
            continue
        if _UNDECODABLE.search(line):
            yield _undecodable(line_no)
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield BadRow(line_no, f"not valid JSON ({getattr(exc, 'msg', exc)})", "bad_json",
                         {"detail": str(getattr(exc, "msg", exc))})
            continue
        if not isinstance(obj, dict):
            yield BadRow(line_no, f"not a JSON object with a \"claim\" field (got a {type(obj).__name__})",
                         "not_object", {"type": type(obj).__name__})
            continue
        if CLAIM not in obj:
            yield BadRow(line_no, f"no \"claim\" field (fields found: {', '.join(obj) or 'none'})", "no_claim_field",
                         {"fields": list(obj)})
            continue
        id_ = obj.get(ID)
        if isinstance(id_, bool) or not isinstance(id_, (str, int, type(None))):
            yield BadRow(line_no, f"the id must be text or a whole number (got {json.dumps(id_)[:40]})", "bad_id",
                         {"id": json.dumps(id_)[:40]})
            continue
        id_ = None if id_ is None or str(id_).strip() == "" else str(id_).strip()
        extra = {k: v for k, v in obj.items() if k not in (CLAIM, ID)}
        yield _row(line_no, obj[CLAIM], id_, extra)


# ---------------------------------------------------------------- .csv


def _csv_rows(text: str, name: str) -> Iterator[Row | BadRow]:
    lines = _lines(text)
    first = next((line for line in lines if line.strip()), "")
    delimiter = max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header, header_line = None, 0
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                header, header_line = cells, reader.line_num
                break
    except csv.Error as exc:
        raise InvalidInput(f"cannot read the header row of {name}: {exc}") from None
    if header is None:
        raise InvalidInput(f"{name} is empty: it needs a header row with a \"claim\" column")
    if _UNDECODABLE.search("".join(header)):
        raise InvalidInput(f"the header of {name} holds bytes that are not UTF-8; save the file as UTF-8")
    names = _column_names(header)
    lowered = [n.lower() for n in names]
    if CLAIM not in lowered:
        found = ", ".join(repr(n) for n in names if n) or "none"
        raise InvalidInput(f"{name} has no \"claim\" column (columns found: {found}); "
                           f"name the column that holds the claims \"claim\"")
    claim_at = lowered.index(CLAIM)
    id_at = lowered.index(ID) if ID in lowered else None
    start = header_line
    while True:
        line_no = start + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRow(line_no, f"not a valid CSV row ({exc})", "bad_csv", {"detail": str(exc)})
            start = reader.line_num
            continue
        start = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if _UNDECODABLE.search("".join(cells)):
            yield _undecodable(line_no)
            continue
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
            yield BadRow(line_no, f"the row has {len(cells)} fields but the header has {len(names)} "
                                  f"(a separator inside an unquoted claim?)", "field_count",
                         {"fields": len(cells), "header": len(names)})
            continue
        cells += [""] * (len(names) - len(cells))
        id_ = cells[id_at].strip() if id_at is not None else ""
        extra = {n: cells[i] for i, n in enumerate(names) if n and i not in (claim_at, id_at)}
        yield _row(line_no, cells[claim_at], id_ or None, extra)


def _column_names(header: list[str]) -> list[str]:
    """Header cells, stripped; a repeated name gets a suffix so that no column is lost."""
    names, seen = [], set()
    for cell in header:
        name = cell.strip()
        if name:
            base, n = name, 2
            while name.lower() in seen:
                name, n = f"{base}_{n}", n + 1
            seen.add(name.lower())
        names.append(name)
    return names
