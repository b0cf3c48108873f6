"""The SQLite metadata store: connection settings, tables, the generation counter,
and reading and writing rows.

SQLite is the source of truth: every article, passage and passage vector lives
here, so the FAISS file can always be rebuilt from it.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from service.errors import IndexCorrupt
from service.index.vectors import to_blob
from service.ingest.article import Article, Passage

SCHEMA_VERSION = 1

# Passage ids are the FAISS ids. AUTOINCREMENT means an id is never reused, so
# a FAISS cache that still holds a deleted passage can never make it point at
# another passage's text.
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    text         TEXT NOT NULL,
    source       TEXT NOT NULL,
    url          TEXT,
    published_at TEXT,
    language     TEXT NOT NULL,
    path         TEXT,
    content_hash TEXT NOT NULL,
    ingested_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    language   TEXT NOT NULL,
    prev_text  TEXT NOT NULL DEFAULT '',
    next_text  TEXT NOT NULL DEFAULT '',
    extra      TEXT NOT NULL DEFAULT '{}',
    vector     BLOB NOT NULL,
    UNIQUE (article_id, position)
);
CREATE INDEX IF NOT EXISTS passages_language ON passages(language);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE INDEX IF NOT EXISTS articles_published_at ON articles(published_at);
"""

ARTICLE_COLUMNS = "a.id, a.title, a.text, a.source, a.url, a.published_at, a.language, a.path"
REF_COLUMNS = "a.id, a.title, a.source, a.url, a.published_at, a.language"
PASSAGE_COLUMNS = 'p.article_id, p.position, p.text, p.start, p."end", p.language, p.prev_text, p.next_text, p.extra'


# `PRAGMA quick_check` reads every page of the store (well under a second up to this size), so a damaged
# page is found when the store is opened rather than by the first search that reads it.
QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024


def damaged(path, what: str) -> IndexCorrupt:
    """The one message for a store that cannot be read, whatever is wrong with it."""
    return IndexCorrupt(f"{path} is damaged: {what}. To recover, restore a backup (`recoupe restore BACKUP`: "
                        "the damaged file is kept aside), or move the data folder away and ingest the articles again")


def check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    """`PRAGMA quick_check` when the store is small enough for it to be cheap; `IndexCorrupt` when it fails."""
    try:
        if path.stat().st_size > QUICK_CHECK_MAX_BYTES:
            return
        found = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        raise damaged(path, str(exc)) from None
    if found != ["ok"]:
        raise damaged(path, "SQLite's integrity check found " + "; ".join(found))


def connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves so one ingest is
    # exactly one transaction. check_same_thread=False: PassageIndex serialises
    # access with its own lock, so a threaded server may share it.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    try:
        # WAL: readers (searches) are not blocked by an ingest in another process.
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise IndexCorrupt(f"could not switch {path} to WAL mode (got {mode!r}); is it on a network file system?")
        conn.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit is on disk before we write the FAISS file that claims
        # its generation, so a power cut cannot leave the cache ahead of SQLite.
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_TABLES)
        version = get_meta(conn, "schema_version")
        if version is None:
            set_meta(conn, "schema_version", SCHEMA_VERSION)
        elif int(version) != SCHEMA_VERSION:
            raise IndexCorrupt(
                f"{path} has index schema version {version}, this Recoupe reads version {SCHEMA_VERSION}; "
                "re-ingest into a new data_dir"
            )
        check_integrity(conn, Path(path))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise damaged(path, f"it is not a readable Recoupe database ({exc})") from None
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection):
    """BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def set_meta(conn: sqlite3.Connection, key: str, value) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, str(value)),
    )


def read_generation(conn: sqlite3.Connection) -> tuple[int, str]:
    """(number, token) of the last committed write; the FAISS sidecar must name the same pair."""
    number, _, token = (get_meta(conn, "generation") or "0:").partition(":")
    return int(number), token


def bump_generation(conn: sqlite3.Connection) -> tuple[int, str]:
    """Inside a write transaction: the next number and a fresh random token, so a FAISS file
    from a rolled-back or restored-over history can never match by number alone."""
    generation = (read_generation(conn)[0] + 1, uuid.uuid4().hex)
    set_meta(conn, "generation", f"{generation[0]}:{generation[1]}")
    return generation


def article_from_row(row) -> Article:
    return Article(
        id=row[0], title=row[1], text=row[2], source=row[3], url=row[4],
        published_at=row[5], language=row[6], path=row[7],
    )  # fmt: skip


def passage_from_row(row) -> Passage:
    return Passage(
        article_id=row[0],
        position=row[1],
        text=row[2],
        start=row[3],
        end=row[4],
        language=row[5],
        prev_text=row[6],
        next_text=row[7],
        extra=json.loads(row[8]) if row[8] else {},
    )


def write_article(conn, article: Article, passages, extras, vectors: np.ndarray, now: str):
    """Insert or replace one article and its passages, inside the caller's transaction.

    Returns (outcome, new passage ids, removed passage ids) with outcome one of
    "added", "replaced" or "unchanged" (same content hash: nothing written).
    """
    digest = article.content_hash
    row = conn.execute("SELECT content_hash FROM articles WHERE id = ?", (article.id,)).fetchone()
    if row is not None and row[0] == digest:
        return "unchanged", [], []
    values = (
        article.title, article.text, article.source, article.url, article.published_at,
        article.language, article.path, digest, now, article.id,
    )  # fmt: skip
    removed = []
    if row is None:
        conn.execute(
            "INSERT INTO articles (title, text, source, url, published_at, language, path, content_hash,"
            " ingested_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )
    else:
        removed = [r[0] for r in conn.execute("SELECT id FROM passages WHERE article_id = ?", (article.id,))]
        conn.execute("DELETE FROM passages WHERE article_id = ?", (article.id,))
        conn.execute(
            "UPDATE articles SET title = ?, text = ?, source = ?, url = ?, published_at = ?, language = ?,"
            " path = ?, content_hash = ?, ingested_at = ? WHERE id = ?",
            values,
        )
    added = []
    for passage, extra, vector in zip(passages, extras, vectors):
        cur = conn.execute(
            'INSERT INTO passages (article_id, position, text, start, "end", language, prev_text, next_text,'
            " extra, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id, passage.position, passage.text, passage.start, passage.end, passage.language,
                passage.prev_text, passage.next_text, extra, to_blob(vector),
            ),
        )  # fmt: skip
        added.append(cur.lastrowid)
    return ("added" if row is None else "replaced"), added, removed
