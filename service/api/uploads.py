"""Files sent in a multipart form (the page's corpus and batch screens, POST /v1/batches), saved under safe
names in a temporary folder that is removed when the work on them is done.

Werkzeug's `secure_filename` makes the name safe to write; the original name is kept beside it for what is
shown (a batch is listed under the name the user chose)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename


@contextmanager
def saved_uploads(files: list[FileStorage], default_name: str = "upload") -> Iterator[list[tuple[Path, str]]]:
    """(saved path, name as sent) for each file, in order; two files of one name both kept."""
    with tempfile.TemporaryDirectory(prefix="recoupe-upload-") as tmp:
        saved = []
        for n, f in enumerate(files):
            path = Path(tmp) / _safe_name(f.filename or "", f"{default_name}-{n}")
            if path.exists():
                path = path.with_name(f"{path.stem}-{n}{path.suffix}")
            f.save(path)
            saved.append((path, f.filename or path.name))
        yield saved


def _safe_name(sent: str, fallback: str) -> str:
    """A name safe to write that keeps the extension the file was sent with: `secure_filename` keeps
    ASCII only, so "中文の主張.csv" would become "csv", a file without an extension."""
    name = Path(sent.replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""
    stem = secure_filename(name[: len(name) - len(suffix)] if suffix else name) or fallback
    return stem + suffix


def sent_files(files: list[FileStorage]) -> list[FileStorage]:
    """The form's file fields that hold a file (a browser sends an empty part for an empty file input)."""
    return [f for f in files if f and f.filename]
