"""Saved checks and reviews in SQLite: `desk.sqlite3` beside the index's database.

A sibling file rather than new tables in the index's database: the index's
schema, backups and restores stay as they are (restoring an older corpus must
not erase the reviews people made since), and a damaged history can never
stop the corpus from serving. The same settings as the index (WAL, synchronous
FULL, foreign keys) and one transaction per write keep it crash safe: a check
is saved with its cited articles, or not at all.

Reviews are a log: each accept / reject / stance change is one row, the latest
row of an item is its review, and undo removes that latest row.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from service.errors import IndexCorrupt, InvalidInput, NotFound
from service.verdict.review import Action
from service.verdict.types import Stance, Verdict

FILE = "desk.sqlite3"
SCHEMA_VERSION = 1
MAX_NOTE_CHARS = 2000
MAX_REVIEWER_CHARS = 100

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checks (
    id          TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    claim       TEXT NOT NULL,
    language    TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    confidence  REAL NOT NULL,
    settings    TEXT NOT NULL,   -- JSON: top_k and filters
    generation  INTEGER NOT NULL, -- the corpus generation the check was run against
    models      TEXT NOT NULL,   -- JSON: model names and versions
    record      TEXT NOT NULL    -- JSON: the Verification as shown (Verification.to_dict())
);
CREATE INDEX IF NOT EXISTS checks_created ON checks(created_at);
CREATE TABLE IF NOT EXISTS check_articles (
    check_id   TEXT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    PRIMARY KEY (check_id, article_id)
);
CREATE INDEX IF NOT EXISTS check_articles_article ON check_articles(article_id);
CREATE TABLE IF NOT EXISTS reviews (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    check_id   TEXT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
    item       INTEGER NOT NULL,  -- index of the evidence item in the saved record
    action     TEXT NOT NULL,
    stance     TEXT NOT NULL,     -- the stance the review gives the passage
    note       TEXT NOT NULL DEFAULT '',
    reviewer   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_check ON reviews(check_id, item);
"""


@dataclass(frozen=True)
class SavedCheck:
    id: str
    created_at: str  # ISO 8601, UTC
    claim: str
    language: str
    verdict: Verdict
    confidence: float
    settings: dict
    generation: int
    models: dict
    record: dict  # Verification.to_dict() as shown

    def summary(self) -> dict:
        return {"id": self.id, "created_at": self.created_at, "claim": self.claim, "language": self.language,
                "verdict": self.verdict.value, "confidence": self.confidence}


@dataclass(frozen=True)
class Review:
    id: int
    check_id: str
    item: int
    action: Action
    stance: Stance
    note: str
    reviewer: str
    created_at: str

    def to_dict(self) -> dict:
        return {"id": self.id, "check_id": self.check_id, "item": self.item, "action": self.action.value,
                "stance": self.stance.value, "note": self.note, "reviewer": self.reviewer,
                "created_at": self.created_at}


class HistoryStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = _connect(self.path)

    @classmethod
    def in_dir(cls, data_dir) -> "HistoryStore":
        return cls(Path(data_dir) / FILE)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------ checks

    def save_check(self, claim: str, language: str, verdict: Verdict, confidence: float, settings: dict,
                   generation: int, models: dict, record: dict, article_ids) -> SavedCheck:
        saved = SavedCheck(uuid.uuid4().hex[:16], _now(), claim, language, Verdict(verdict), float(confidence),
                           settings, int(generation), models, record)
        with self._write() as conn:
            conn.execute("INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (saved.id, saved.created_at, claim, language, saved.verdict.value, saved.confidence,
                          _json(settings), saved.generation, _json(models), _json(record)))
            conn.executemany("INSERT OR IGNORE INTO check_articles VALUES (?, ?)",
                             [(saved.id, a) for a in sorted(set(article_ids))])
        return saved

    def get_check(self, check_id: str) -> SavedCheck:
        with self._lock:
            row = self._conn.execute(f"SELECT {_CHECK_COLUMNS} FROM checks WHERE id = ?", (check_id,)).fetchone()
        if row is None:
            raise NotFound(f"no saved check {check_id!r}")
        return _check(row)

    def list_checks(self, query: str = "", verdict: str | None = None, article_id: str | None = None,
                    limit: int = 50, offset: int = 0) -> tuple[list[SavedCheck], int]:
        """Newest first; `query` matches words of the claim (case-insensitive), `verdict` one verdict,
        `article_id` the checks that cited that article. Returns one page and the number matching."""
        where, args = [], []
        for word in query.split():
            where.append("claim LIKE ? ESCAPE '\\'")
            args.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if verdict:
            where.append("verdict = ?")
            args.append(Verdict(verdict).value)
        if article_id:
            where.append("id IN (SELECT check_id FROM check_articles WHERE article_id = ?)")
            args.append(article_id)
        sql_where = f"WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            total = self._conn.execute(f"SELECT count(*) FROM checks {sql_where}", args).fetchone()[0]
            rows = self._conn.execute(f"SELECT {_CHECK_COLUMNS} FROM checks {sql_where} "
                                      "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                                      [*args, limit, offset]).fetchall()
        return [_check(r) for r in rows], total

    # ------------------------------------------------------------ reviews

    def add_review(self, check_id: str, item: int, action: Action, stance: Stance, note: str,
                   reviewer: str) -> Review:
        note, reviewer = (note or "").strip(), (reviewer or "").strip()
        if not reviewer:
            raise InvalidInput("a review needs the reviewer's name")
        if len(reviewer) > MAX_REVIEWER_CHARS or len(note) > MAX_NOTE_CHARS:
            raise InvalidInput(f"the reviewer's name is at most {MAX_REVIEWER_CHARS} characters and the note "
                               f"at most {MAX_NOTE_CHARS}")
        created = _now()
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM checks WHERE id = ?", (check_id,)).fetchone() is None:
                raise NotFound(f"no saved check {check_id!r}")
            cur = conn.execute("INSERT INTO reviews (check_id, item, action, stance, note, reviewer, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (check_id, item, Action(action).value, Stance(stance).value, note, reviewer, created))
        return Review(cur.lastrowid, check_id, item, Action(action), Stance(stance), note, reviewer, created)

    def undo_review(self, check_id: str, item: int) -> Review:
        """Remove the latest review of one item (its previous review, if any, applies again)."""
        with self._write() as conn:
            row = conn.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE check_id = ? AND item = ? "
                               "ORDER BY id DESC LIMIT 1", (check_id, item)).fetchone()
            if row is None:
                raise NotFound(f"evidence item {item} of check {check_id!r} has no review to undo")
            conn.execute("DELETE FROM reviews WHERE id = ?", (row[0],))
        return _review(row)

    def current_reviews(self, check_id: str) -> dict[int, Review]:
        """item -> its latest review."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE id IN "
                                      "(SELECT max(id) FROM reviews WHERE check_id = ? GROUP BY item)",
                                      (check_id,)).fetchall()
        return {r[2]: _review(r) for r in rows}

    def all_current_reviews(self):
        """(saved check, its latest review per item) for every reviewed check, oldest check first."""
        with self._lock:
            ids = [r[0] for r in self._conn.execute(
                "SELECT DISTINCT c.id FROM checks c JOIN reviews r ON r.check_id = c.id ORDER BY c.created_at, c.id")]
        for check_id in ids:
            yield self.get_check(check_id), self.current_reviews(check_id)

    # ------------------------------------------------------------ internals

    @contextmanager
    def _write(self):
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")


_CHECK_COLUMNS = "id, created_at, claim, language, verdict, confidence, settings, generation, models, record"
_REVIEW_COLUMNS = "id, check_id, item, action, stance, note, reviewer, created_at"


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_TABLES)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise IndexCorrupt(f"{path} has history schema version {row[0]}, this Recoupe reads {SCHEMA_VERSION}")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise IndexCorrupt(f"{path} is not a readable Recoupe history database: {exc}. Move it aside to start "
                           "a new history; the corpus is not affected") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _check(row) -> SavedCheck:
    return SavedCheck(row[0], row[1], row[2], row[3], Verdict(row[4]), row[5], json.loads(row[6]), row[7],
                      json.loads(row[8]), json.loads(row[9]))


def _review(row) -> Review:
    return Review(row[0], row[1], row[2], Action(row[3]), Stance(row[4]), row[5], row[6], row[7])


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=False)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
