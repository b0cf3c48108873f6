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

from service.errors import InvalidInput

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
        raise InvalidInput(f"{where} is not valid UTF-8 at byte {e.start}; re-save it as UTF-8.") from e
    except json.JSONDecodeError as e:
        raise InvalidInput(f"{where} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}.") from e
    if not isinstance(data, dict):
        raise InvalidInput(f"{where} must map file names to objects, e.g. {{\"a.txt\": {{\"title\": \"...\"}}}}.")

    entries: dict[str, dict[str, str]] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise InvalidInput(f"{where}: the entry for {key!r} must be an object of fields.")
        unknown = sorted(set(entry) - set(FIELDS))
        if unknown:
            raise InvalidInput(
                f"{where}: the entry for {key!r} has unknown field(s) {', '.join(unknown)}; "
                f"known fields are {', '.join(FIELDS)}."
            )
        for field, value in entry.items():
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"{where}: {key!r} field {field!r} must be a string.")
        # null means "no override", so a sidecar can be written from a template.
        entries[key] = {f: v.strip() for f, v in entry.items() if isinstance(v, str) and v.strip()}
    return entries
