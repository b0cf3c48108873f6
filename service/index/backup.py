"""`recoupe backup PATH` / `recoupe restore PATH`: the SQLite store copied with SQLite's online
backup, the FAISS cache rebuilt from it.

SQLite is the truth (see persist.py); the FAISS file is derived from it, so a
backup is one SQLite file. Backing up reads a consistent snapshot while the
server keeps serving and writing (a WAL reader sees one committed state).
Restoring copies the backup into the live database inside one SQLite write
transaction, under the index's writer lock, and moves the generation on: a
running server sees the restored store on its next request and rebuilds its
caches, as after any other write; the FAISS file on disk is rebuilt now.

Both check the copy they made (`PRAGMA integrity_check`, the tables and the
vector size a Recoupe store has) before calling it done.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from service.errors import IndexCorrupt, InvalidInput
from service.index import persist, schema


@dataclass
class BackupReport:
    path: str
    articles: int
    passages: int
    dim: int
    size_bytes: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def backup(data_dir: Path, dest: Path) -> BackupReport:
    """Copy the store in `data_dir` to the new file `dest` (refused if it exists)."""
    db = Path(data_dir) / persist.DB_NAME
    dest = Path(dest)
    if not db.is_file():
        raise InvalidInput(f"there is no index to back up in {data_dir} (no {persist.DB_NAME}); ingest first")
    if dest.exists():
        raise InvalidInput(f"{dest} already exists; back up to a new file name")
    if not dest.parent.is_dir():
        raise InvalidInput(f"the folder {dest.parent} does not exist")
    tmp = dest.with_name(f"{dest.name}{persist.TMP_MARK}{os.getpid()}")
    try:
        source = _open_read_only(db)
        try:
            target = sqlite3.connect(tmp)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                target.close()
        finally:
            source.close()
        report = check_store(tmp, label=str(dest))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, dest)
    except sqlite3.DatabaseError as exc:
        raise IndexCorrupt(f"could not back up {db}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    report.path, report.size_bytes = str(dest), dest.stat().st_size
    return report


def restore(data_dir: Path, src: Path) -> BackupReport:
    """Replace the store in `data_dir` (created if needed) by the backup `src`; the FAISS cache is rebuilt
    by the next open (`recoupe restore` opens the index right away)."""
    src, data_dir = Path(src), Path(data_dir)
    if not src.is_file():
        raise InvalidInput(f"no backup file at {src}")
    report = check_store(src, label=str(src))
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = persist.DirLock(data_dir)
    try:
        with lock.hold(exclusive=True):
            live = _open_live_or_set_aside(data_dir / persist.DB_NAME)
            try:
                source = _open_read_only(src)
                try:
                    source.backup(live)  # one write transaction on the live database
                finally:
                    source.close()
                with schema.transaction(live):
                    schema.bump_generation(live)  # every process's caches are now stale
                problems = live.execute("PRAGMA integrity_check").fetchall()
                if problems != [("ok",)]:
                    raise IndexCorrupt(f"the restored store in {data_dir} fails its integrity check: {problems[:3]}")
            finally:
                live.close()
            for name in (persist.FAISS_NAME, persist.SIDECAR_NAME):
                (data_dir / name).unlink(missing_ok=True)  # derived from the old store
    except sqlite3.DatabaseError as exc:
        raise IndexCorrupt(f"could not restore {src} into {data_dir}: {exc}") from None
    finally:
        lock.close()
    report.path, report.size_bytes = str(data_dir), (data_dir / persist.DB_NAME).stat().st_size
    return report


def check_store(path: Path, *, label: str) -> BackupReport:
    """Integrity, tables and vector size of a Recoupe SQLite store, or `IndexCorrupt` saying what is wrong."""
    try:
        conn = _open_read_only(path)
    except sqlite3.DatabaseError as exc:
        raise IndexCorrupt(f"{label} is not a readable SQLite file: {exc}") from None
    try:
        problems = conn.execute("PRAGMA integrity_check").fetchall()
        if problems != [("ok",)]:
            raise IndexCorrupt(f"{label} is damaged (integrity check: {'; '.join(p[0] for p in problems[:3])})")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"articles", "passages", "meta"} <= tables:
            raise IndexCorrupt(f"{label} is a SQLite file but not a Recoupe store (tables: {', '.join(sorted(tables))})")
        dim = schema.get_meta(conn, "dim")
        version = schema.get_meta(conn, "schema_version")
        if version is not None and int(version) != schema.SCHEMA_VERSION:
            raise IndexCorrupt(f"{label} has store schema version {version}; this Recoupe reads {schema.SCHEMA_VERSION}")
        articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        passages = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise IndexCorrupt(f"{label} is damaged: {exc}") from None
    finally:
        conn.close()
    return BackupReport(label, articles, passages, int(dim or 0), 0)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=60)


def _open_live_or_set_aside(path: Path) -> sqlite3.Connection:
    """The live database, or a new one after moving a damaged file (and its WAL) aside as *.damaged-N."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=60)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA quick_check").fetchall()
        return conn
    except sqlite3.DatabaseError:
        conn.close()
    n = 1
    while path.with_name(f"{path.name}.damaged-{n}").exists():
        n += 1
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            os.replace(part, path.with_name(f"{path.name}{suffix}.damaged-{n}"))
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn
