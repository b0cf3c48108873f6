"""Per-folder `metadata.json`: facts about a file that the file itself lacks.

Scraped text rarely carries its real headline, publisher or date. A sidecar
lets a person state them once, next to the files, without editing the text:

    {"000_c9a7ba25d01f7fbf.txt": {"title": "...", "language": "fr"}}

Keys are file names (the entry applies to every article of that file) or
article ids (for one record of a .json/.jsonl file; wins over the file entry).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .reasons import refusal

SIDECAR_NAME = "metadata.json"
FIELDS = ("title", "source", "language", "published_at", "url")


def sidecar_entry(path: Path, article_id: str | None = None) -> dict[str, str]:
    """Overrides for the file at `path` (and one of its articles), empty when none."""
    sidecar = path.parent / SIDECAR_NAME
    if path.name == SIDECAR_NAME or not sidecar.is_file():
        return {}
    stat = sidecar.stat()
    entries = _load(str(sidecar), stat.st_mtime_ns, stat.st_size)
    merged = dict(entries.get(path.name, {}))
    if article_id is not None:
        merged.update(entries.get(article_id, {}))
    return merged


@lru_cache(maxsize=32)
def _load(sidecar: str, _mtime_ns: int, _size: int) -> dict[str, dict[str, str]]:
    # Cached on (path, mtime, size): a folder of N files reads its sidecar once,
    # and an edited sidecar is read again.
    where = f"{Path(sidecar).parent.name}/{SIDECAR_NAME}"
    try:
        data = json.loads(Path(sidecar).read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as e:
        raise refusal("sidecar_not_utf8", where=where, byte=e.start) from e
    except json.JSONDecodeError as e:
        raise refusal("sidecar_bad_json", where=where, parser=e.msg, line=e.lineno, column=e.colno) from e
    if not isinstance(data, dict):
        raise refusal("sidecar_not_a_map", where=where)

    entries: dict[str, dict[str, str]] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise refusal("sidecar_entry_not_object", where=where, key=repr(key))
        unknown = sorted(set(entry) - set(FIELDS))
        if unknown:
            raise refusal("sidecar_unknown_fields", where=where, key=repr(key), unknown=unknown, count=len(unknown),
                          known=list(FIELDS))
        for field, value in entry.items():
            if value is not None and not isinstance(value, str):
                raise refusal("sidecar_field_not_text", where=where, key=repr(key), field=repr(field))
        # null means "no override", so a sidecar can be written from a template.
        entries[key] = {f: v.strip() for f, v in entry.items() if isinstance(v, str) and v.strip()}
    return entries
