"""Turn a file's bytes into text, or say plainly why it cannot be read.

Decision on encodings: we read UTF-8 (with or without a BOM) and nothing else
by default. A Windows-1252 file decoded "successfully" as Latin-1 produces
mojibake that gets indexed and quoted back to users as evidence; a clear error
naming the byte costs the user one re-save. The one exception is an HTML page
that declares its own charset: that is the author's statement, not a guess.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .reasons import phrase, refusal

MAX_BYTES = 50 * 1024 * 1024  # larger than any article; likely the wrong file

# Signatures of files people drop in a corpus folder by mistake, and what each is (reasons.py words it).
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"\x7fELF", "program"),
]
_UTF16_32_BOMS = [codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Control characters other than tab/newline/carriage return/form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def read_text(path: Path, *, html: bool = False) -> str:
    """The file's text; `InvalidInput` for empty, binary or wrongly encoded files."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise refusal("file_too_large", file=name, size=size // (1024 * 1024))
        data = path.read_bytes()
    except OSError as e:
        raise refusal("cannot_read", path=str(path), why=str(e.strerror or e)) from e

    if not data.strip():
        raise refusal("empty_file", file=name)
    if any(data.startswith(bom) for bom in _UTF16_32_BOMS):
        raise refusal("utf16_or_32", file=name)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise refusal("not_a_text_file", file=name, what=phrase(what))
    if b"\x00" in data[:8192]:
        raise refusal("nul_bytes", file=name)

    text = _decode(data, name, html)
    if len(_CONTROL.findall(text[:8192])) > 8:
        raise refusal("control_characters", file=name)
    if not text.strip():
        raise refusal("empty_file", file=name)
    return text


def _decode(data: bytes, name: str, html: bool) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        utf8_error = e

    if html and (declared := _declared_charset(data)):
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # the declaration is wrong too: report the UTF-8 failure below

    at = utf8_error.start
    line = data.count(b"\n", 0, at) + 1
    try:
        data.decode("cp1252")
        code = "not_utf8_cp1252"
    except UnicodeDecodeError:
        code = "not_utf8"
    raise refusal(code, file=name, byte=at, hex=f"{data[at]:02X}", line=line,
                  detail={"file": name, "byte_offset": at, "line": line})


def _declared_charset(data: bytes) -> str | None:
    m = _DECLARED_CHARSET.search(data[:4096])
    if not m:
        return None
    charset = m.group(1).decode("ascii", "replace").lower()
    if charset in ("utf-8", "utf8"):
        return None
    # As browsers do (WHATWG encoding spec): pages labelled Latin-1 are Windows-1252.
    return "cp1252" if charset in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii") else charset
