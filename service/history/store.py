"""Saved checks and reviews in SQLite: `desk.sqlite3` beside the index's database.

A sibling file rather than new tables in the index's database: the index's
schema, backups and restores stay as they are (restoring an older corpus must
not erase the reviews people made since), and a damaged history can never
stop the corpus from serving. The same settings as the index (WAL, synchronous
FULL, foreign keys) and one transaction per write keep it crash safe: a check
is saved with its cited articles, or not at all.

Reviews are a log: each accept / reject / stance change is one row, the latest
row of an item is its review, and undo removes that latest row. A batch is its
file's rows, each pointing at its saved check once checked; rows are checked
and attached in chunks, one transaction each, so a crash loses at most the
chunk in flight and the batch resumes from the first row without a check.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from service.check.inputs import BadRow, first_of_same_claim
from service.errors import IndexCorrupt, InvalidInput, NotFound
from service.history.folding import fold
from service.history.workflow import FIRST_STATUS, MAX_ASSIGNEE_CHARS, STATUSES, CheckStatus
from service.translations import N_  # messages said in the reader's language (errors.py)
from service.verdict.review import Action
from service.verdict.types import Stance, Verdict

FILE = "desk.sqlite3"
SCHEMA_VERSION = 3
MAX_NOTE_CHARS = 2000
MAX_REVIEWER_CHARS = 100
NO_CHECK = N_("no saved check %(id)s")
NO_REASON = N_("a retraction says why (the reason is shown on every check that cited the article)")

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
CREATE TABLE IF NOT EXISTS retractions (
    article_id   TEXT PRIMARY KEY,  -- removed from the corpus; saved checks that cited it say so
    title        TEXT NOT NULL,
    source       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    retracted_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    id         TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    name       TEXT NOT NULL,     -- the uploaded file's name
    top_k      INTEGER NOT NULL,
    total      INTEGER NOT NULL,  -- claims to check
    status     TEXT NOT NULL,     -- running, done, failed
    error      TEXT NOT NULL DEFAULT '',
    bad_rows   TEXT NOT NULL,     -- JSON: [[line, reason], ...] rows that could not be read
    updated_at TEXT NOT NULL      -- the runner's heartbeat: a stale running batch is resumed
);
CREATE TABLE IF NOT EXISTS batch_rows (
    batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    n        INTEGER NOT NULL,    -- order in the file
    line_no  INTEGER NOT NULL,
    key      TEXT NOT NULL,
    claim    TEXT NOT NULL,
    row_id   TEXT,                -- the file's own id
    extra    TEXT NOT NULL,       -- JSON: the file's other columns
    check_id TEXT REFERENCES checks(id),  -- set once the claim is checked
    PRIMARY KEY (batch_id, n)
);
"""

# What each schema version adds to the one before, applied in order to an older file in one
# transaction (a new file gets them all). 2: published fact-checks, and the vector of each saved
# check's claim, both for "already checked?" matching (service/factchecks/).
_MIGRATIONS = {
    2: """
CREATE TABLE IF NOT EXISTS factchecks (
    id          TEXT PRIMARY KEY,  -- derived from url and claim (factchecks/records.py)
    claim       TEXT NOT NULL,
    rating      TEXT NOT NULL,
    date        TEXT NOT NULL,     -- YYYY-MM-DD or ''
    url         TEXT NOT NULL,
    author      TEXT NOT NULL,
    language    TEXT NOT NULL,
    embedder    TEXT NOT NULL,     -- the model that made the vector: another one embeds again
    vector      BLOB NOT NULL,     -- float32, normalised
    imported_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS check_vectors (
    check_id TEXT PRIMARY KEY REFERENCES checks(id) ON DELETE CASCADE,
    embedder TEXT NOT NULL,
    vector   BLOB NOT NULL
);
""",
    # 3: the verdict of record. `verdict` and `confidence` become the verdict after review (what every
    # list, filter, count and export reads), the model's own are kept beside them, with the reviewed
    # record, who reviewed last and when; the claim folded for search (folding.py); the newsroom status
    # and assignee (workflow.py); a batch row whose claim repeats an earlier row's (`same_as`: that row's n)
    # is not checked again but given its check. Checks reviewed before this version get their verdict of record from
    # `Desk.settle_pending`, which needs the verdict model (SQL alone cannot decide it).
    3: f"""
ALTER TABLE checks ADD COLUMN model_verdict TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN model_confidence REAL NOT NULL DEFAULT 0;
ALTER TABLE checks ADD COLUMN reviewed_record TEXT;
ALTER TABLE checks ADD COLUMN reviewer TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN reviewed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN claim_folded TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN status TEXT NOT NULL DEFAULT '{FIRST_STATUS.value}';
ALTER TABLE checks ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
UPDATE checks SET model_verdict = verdict, model_confidence = confidence, claim_folded = fold(claim);
CREATE INDEX IF NOT EXISTS checks_verdict ON checks(verdict);
CREATE INDEX IF NOT EXISTS checks_status ON checks(status);
ALTER TABLE batch_rows ADD COLUMN same_as INTEGER
""",
}

BATCH_SORTS = {  # what the triage table sorts by -> SQL (rows not checked yet last)
    "line": "r.n",
    "confidence": "c.confidence",
    "verdict": "CASE c.verdict WHEN 'refuted' THEN 0 WHEN 'conflicting' THEN 1 WHEN 'supported' THEN 2 ELSE 3 END",
}


@dataclass(frozen=True)
class SavedCheck:
    id: str
    created_at: str  # ISO 8601, UTC
    claim: str
    language: str
    verdict: Verdict  # the verdict of record: after review when reviewed, else the model's
    confidence: float
    settings: dict
    generation: int
    models: dict
    model_record: dict  # verification_record(v) (verdict/records.py) as the models first answered
    model_verdict: Verdict | None = None  # the models' own verdict (None: the same as `verdict`)
    model_confidence: float | None = None
    reviewed_record: dict | None = None  # the Verification with the reviews applied; None: not reviewed
    reviewer: str = ""  # who made the latest review in force, and when
    reviewed_at: str = ""
    status: CheckStatus = FIRST_STATUS
    assignee: str = ""

    @property
    def record(self) -> dict:
        """The Verification of record (reviewed when reviewed): what reports, downloads and drafts show."""
        return self.reviewed_record if self.reviewed_record is not None else self.model_record

    @property
    def reviewed(self) -> bool:
        return self.reviewed_record is not None

    @property
    def weighed(self) -> bool:
        """Did the check find any passage to weigh? Without one there is no confidence to state (a list shows
        none rather than the 100 % that 'nothing found' would read as)."""
        return bool(self.record.get("evidence"))

    def summary(self) -> dict:
        model_verdict = self.model_verdict or self.verdict
        model_confidence = self.confidence if self.model_confidence is None else self.model_confidence
        return {"id": self.id, "created_at": self.created_at, "claim": self.claim, "language": self.language,
                "verdict": self.verdict.value, "confidence": self.confidence,
                "model_verdict": model_verdict.value, "model_confidence": model_confidence,
                "reviewed": self.reviewed, "reviewer": self.reviewer or None, "reviewed_at": self.reviewed_at or None,
                "status": self.status.value, "assignee": self.assignee}


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


@dataclass(frozen=True)
class Retraction:
    article_id: str
    title: str
    source: str
    reason: str
    retracted_at: str


@dataclass(frozen=True)
class Batch:
    id: str
    created_at: str
    name: str
    top_k: int
    total: int
    done: int
    status: str  # running, done, failed
    error: str
    bad_rows: list[BadRow]  # the file's rows that could not be read, with their typed reasons
    updated_at: str

    def to_dict(self) -> dict:
        return {"id": self.id, "created_at": self.created_at, "name": self.name, "top_k": self.top_k,
                "total": self.total, "done": self.done, "status": self.status, "error": self.error,
                "bad_rows": [{"line": b.line_no, "reason": b.reason, "code": b.code, "values": b.values}
                             for b in self.bad_rows]}


@dataclass(frozen=True)
class BatchRow:
    n: int
    line_no: int
    key: str
    claim: str
    row_id: str | None
    extra: dict
    check: SavedCheck | None  # None until the claim is checked
    same_as: tuple[int, str | None] | None = None  # (line, id) of the earlier row with the same claim


class DeskFile:
    """One connection to the desk's SQLite file (schema and migrations: `_connect`), shared by its stores."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = _connect(self.path)

    @classmethod
    def in_dir(cls, data_dir):
        return cls(Path(data_dir) / FILE)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self):
        """One write transaction, taken at once (BEGIN IMMEDIATE) so that writers queue instead of failing."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")


class HistoryStore(DeskFile):

    # ------------------------------------------------------------ checks

    def save_check(self, claim: str, language: str, verdict: Verdict, confidence: float, settings: dict,
                   generation: int, models: dict, record: dict, article_ids) -> SavedCheck:
        return self.save_checks([(claim, language, verdict, confidence, settings, generation, models, record,
                                  article_ids)])[0]

    def save_checks(self, checks, batch: tuple[str, list[int]] | None = None) -> list[SavedCheck]:
        """Save checks (tuples of save_check's arguments) in one transaction; with `batch` (batch id, row
        numbers, one per check), attach them to those rows of the batch in the same transaction, so a
        crash never leaves a check saved but its row unchecked (it would be checked twice)."""
        now, saved = _now(), []
        with self._write() as conn:
            for claim, language, verdict, confidence, settings, generation, models, record, article_ids in checks:
                s = SavedCheck(uuid.uuid4().hex[:16], now, claim, language, Verdict(verdict), float(confidence),
                               settings, int(generation), models, record, Verdict(verdict), float(confidence))
                conn.execute(f"INSERT INTO checks ({_CHECK_COLUMNS}) VALUES ({', '.join('?' * _N_CHECK_COLUMNS)})",
                             (s.id, s.created_at, claim, language, s.verdict.value, s.confidence,
                              _json(settings), s.generation, _json(models), _json(record), s.verdict.value,
                              s.confidence, None, "", "", fold(claim), s.status.value, s.assignee))
                conn.executemany("INSERT OR IGNORE INTO check_articles VALUES (?, ?)",
                                 [(s.id, a) for a in sorted(set(article_ids))])
                saved.append(s)
            if batch is not None:
                batch_id, rows = batch
                attach = [(s.id, batch_id, n, n) for s, n in zip(saved, rows, strict=True)]
                # the row and the later rows that repeat its claim
                conn.executemany("UPDATE batch_rows SET check_id = ? WHERE batch_id = ? AND (n = ? OR same_as = ?)",
                                 attach)
                conn.execute("UPDATE batches SET updated_at = ? WHERE id = ?", (now, batch_id))
        return saved

    def get_check(self, check_id: str) -> SavedCheck:
        with self._lock:
            row = self._conn.execute(f"SELECT {_CHECK_COLUMNS} FROM checks WHERE id = ?", (check_id,)).fetchone()
        if row is None:
            raise NotFound(NO_CHECK, values={"id": repr(check_id)})
        return _check(row)

    def list_checks(self, query: str = "", verdict: str | None = None, article_id: str | None = None,
                    limit: int = 50, offset: int = 0, *, checked_from: str | None = None,
                    checked_until: str | None = None, status: str | None = None,
                    assignee: str | None = None) -> tuple[list[SavedCheck], int]:
        """Newest first; `query` matches words of the claim (without case or accents: folding.py),
        `verdict` one verdict of record, `article_id` the checks that cited that article, `checked_from`
        and `checked_until` the days (YYYY-MM-DD, both included) the check was run, `status` and
        `assignee` the newsroom workflow (workflow.py). Returns one page and the number matching."""
        where, args = [], []
        for word in fold(query).split():
            where.append("claim_folded LIKE ? ESCAPE '\\'")
            args.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if verdict:
            where.append("verdict = ?")
            args.append(Verdict(verdict).value)
        if article_id:
            where.append("id IN (SELECT check_id FROM check_articles WHERE article_id = ?)")
            args.append(article_id)
        if checked_from:
            where.append("created_at >= ?")
            args.append(_day(checked_from).isoformat())
        if checked_until:
            where.append("created_at < ?")
            args.append((_day(checked_until) + timedelta(days=1)).isoformat())
        if status:
            where.append("status = ?")
            args.append(CheckStatus(status).value)
        if assignee is not None:
            where.append("assignee = ?")
            args.append(assignee.strip())
        sql_where = f"WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            total = self._conn.execute(f"SELECT count(*) FROM checks {sql_where}", args).fetchone()[0]
            rows = self._conn.execute(f"SELECT {_CHECK_COLUMNS} FROM checks {sql_where} "
                                      "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                                      [*args, limit, offset]).fetchall()
        return [_check(r) for r in rows], total

    def set_workflow(self, check_id: str, status: str | None = None, assignee: str | None = None) -> SavedCheck:
        """Move a check along the newsroom workflow and/or assign it (an empty assignee: no one)."""
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM checks WHERE id = ?", (check_id,)).fetchone() is None:
                raise NotFound(NO_CHECK, values={"id": repr(check_id)})
            if status is not None:
                if status not in STATUSES:
                    raise InvalidInput(N_("a check's status is one of %(statuses)s, not %(status)s"),
                                       values={"statuses": ", ".join(STATUSES), "status": repr(status)})
                conn.execute("UPDATE checks SET status = ? WHERE id = ?", (status, check_id))
            if assignee is not None:
                assignee = assignee.strip()
                if len(assignee) > MAX_ASSIGNEE_CHARS:
                    raise InvalidInput(N_("the assignee's name is at most %(max)s characters"),
                                       values={"max": MAX_ASSIGNEE_CHARS})
                conn.execute("UPDATE checks SET assignee = ? WHERE id = ?", (assignee, check_id))
        return self.get_check(check_id)

    # ------------------------------------------------------------ reviews

    def add_review(self, check_id: str, item: int, action: Action, stance: Stance, note: str,
                   reviewer: str, settle: Settle | None = None) -> Review:
        """Log one review and store the verdict of record it leads to (`settle`, see `_settle`) in the same
        transaction: lists, filters and exports then read it from the table."""
        note, reviewer = (note or "").strip(), (reviewer or "").strip()
        if not reviewer:
            raise InvalidInput(N_("a review needs the reviewer's name"))
        if len(reviewer) > MAX_REVIEWER_CHARS or len(note) > MAX_NOTE_CHARS:
            raise InvalidInput(N_("the reviewer's name is at most %(name)s characters and the note at most "
                                  "%(note)s"), values={"name": MAX_REVIEWER_CHARS, "note": MAX_NOTE_CHARS})
        created = _now()
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM checks WHERE id = ?", (check_id,)).fetchone() is None:
                raise NotFound(NO_CHECK, values={"id": repr(check_id)})
            cur = conn.execute("INSERT INTO reviews (check_id, item, action, stance, note, reviewer, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (check_id, item, Action(action).value, Stance(stance).value, note, reviewer, created))
            _settle(conn, check_id, settle)
        return Review(cur.lastrowid, check_id, item, Action(action), Stance(stance), note, reviewer, created)

    def undo_review(self, check_id: str, item: int, settle: Settle | None = None) -> Review:
        """Remove the latest review of one item (its previous review, if any, applies again) and store the
        verdict of record that follows."""
        with self._write() as conn:
            row = conn.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE check_id = ? AND item = ? "
                               "ORDER BY id DESC LIMIT 1", (check_id, item)).fetchone()
            if row is None:
                raise NotFound(N_("evidence item %(item)s of check %(id)s has no review to undo"),
                               values={"item": item, "id": repr(check_id)})
            conn.execute("DELETE FROM reviews WHERE id = ?", (row[0],))
            _settle(conn, check_id, settle)
        return _review(row)

    def settle_pending(self, settle: Settle) -> int:
        """Store the verdict of record of checks reviewed before it was stored (a file older than schema
        version 3); returns how many. One query when there are none."""
        with self._lock:
            ids = [r[0] for r in self._conn.execute(
                "SELECT DISTINCT check_id FROM reviews WHERE check_id IN "
                "(SELECT id FROM checks WHERE reviewed_record IS NULL)")]
        for check_id in ids:
            with self._write() as conn:
                _settle(conn, check_id, settle)
        return len(ids)

    def current_reviews(self, check_id: str) -> dict[int, Review]:
        """item -> its latest review."""
        with self._lock:
            return _current_reviews(self._conn, check_id)

    def all_current_reviews(self):
        """(saved check, its latest review per item) for every reviewed check, oldest check first."""
        with self._lock:
            ids = [r[0] for r in self._conn.execute(
                "SELECT DISTINCT c.id FROM checks c JOIN reviews r ON r.check_id = c.id ORDER BY c.created_at, c.id")]
        for check_id in ids:
            yield self.get_check(check_id), self.current_reviews(check_id)

    # ------------------------------------------------------------ retractions

    def retract(self, article_id: str, title: str, source: str, reason: str) -> Retraction:
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput(NO_REASON)
        if len(reason) > MAX_NOTE_CHARS:
            raise InvalidInput(N_("the reason is at most %(max)s characters"), values={"max": MAX_NOTE_CHARS})
        r = Retraction(article_id, title, source, reason, _now())
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO retractions VALUES (?, ?, ?, ?, ?)",
                         (r.article_id, r.title, r.source, r.reason, r.retracted_at))
        return r

    def retractions(self, article_ids) -> dict[str, Retraction]:
        ids = sorted(set(article_ids))
        if not ids:
            return {}
        with self._lock:
            rows = self._conn.execute(f"SELECT article_id, title, source, reason, retracted_at FROM retractions "
                                      f"WHERE article_id IN ({','.join('?' * len(ids))})", ids).fetchall()
        return {r[0]: Retraction(*r) for r in rows}

    # ------------------------------------------------------------ batches

    def create_batch(self, name: str, top_k: int, rows, bad_rows) -> Batch:
        """rows: (line_no, key, claim, row_id, extra) in file order; bad_rows: (line, reason, code, values).
        A claim that repeats an earlier row's is marked `same_as` that row: checked once, its check shared."""
        now = _now()
        rows = list(rows)
        batch_id = uuid.uuid4().hex[:16]
        same_as = first_of_same_claim([claim for _, _, claim, _, _ in rows])
        with self._write() as conn:
            conn.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, 'running', '', ?, ?)",
                         (batch_id, now, name, top_k, len(rows), _json([list(b) for b in bad_rows]), now))
            conn.executemany("INSERT INTO batch_rows (batch_id, n, line_no, key, claim, row_id, extra, check_id, "
                             "same_as) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                             [(batch_id, n, line, key, claim, row_id, _json(extra), same if same != n else None)
                              for n, ((line, key, claim, row_id, extra), same) in enumerate(zip(rows, same_as))])
        return self.get_batch(batch_id)

    def get_batch(self, batch_id: str) -> Batch:
        with self._lock:
            row = self._conn.execute(
                "SELECT b.id, b.created_at, b.name, b.top_k, b.total, "
                "(SELECT count(*) FROM batch_rows r WHERE r.batch_id = b.id AND r.check_id IS NOT NULL), "
                "b.status, b.error, b.bad_rows, b.updated_at FROM batches b WHERE b.id = ?", (batch_id,)).fetchone()
        if row is None:
            raise NotFound(N_("no batch %(id)s"), values={"id": repr(batch_id)})
        return Batch(*row[:8], [_bad_row(b) for b in json.loads(row[8])], row[9])

    def list_batches(self, limit: int = 20) -> list[Batch]:
        with self._lock:
            ids = [r[0] for r in self._conn.execute("SELECT id FROM batches ORDER BY created_at DESC, rowid DESC "
                                                    "LIMIT ?", (limit,))]
        return [self.get_batch(i) for i in ids]

    def pending_rows(self, batch_id: str, limit: int) -> list[BatchRow]:
        with self._lock:
            rows = self._conn.execute("SELECT n, line_no, key, claim, row_id, extra FROM batch_rows "
                                      "WHERE batch_id = ? AND check_id IS NULL AND same_as IS NULL "
                                      "ORDER BY n LIMIT ?",
                                      (batch_id, limit)).fetchall()
        return [BatchRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), None) for r in rows]

    def finish_batch(self, batch_id: str, status: str, error: str = "") -> None:
        with self._write() as conn:
            conn.execute("UPDATE batches SET status = ?, error = ?, updated_at = ? WHERE id = ?",
                         (status, error, _now(), batch_id))

    def claim_stale_batch(self, batch_id: str, older_than: str) -> bool:
        """Take over a running batch whose runner has not been heard of since `older_than` (a crash, a
        restart): True for the one caller that wins it."""
        with self._write() as conn:
            cur = conn.execute("UPDATE batches SET updated_at = ? WHERE id = ? AND status = 'running' "
                               "AND updated_at < ?", (_now(), batch_id, older_than))
            return cur.rowcount == 1

    def batch_rows(self, batch_id: str, verdict: str | None = None, sort: str = "line",
                   descending: bool = False) -> list[BatchRow]:
        order = BATCH_SORTS.get(sort, BATCH_SORTS["line"])
        where, args = ["r.batch_id = ?"], [batch_id]
        if verdict:
            where.append("c.verdict = ?")
            args.append(Verdict(verdict).value)
        sql = (f"SELECT r.n, r.line_no, r.key, r.claim, r.row_id, r.extra, f.line_no, f.row_id, {_CHECK_COLUMNS_C} "
               f"FROM batch_rows r LEFT JOIN checks c ON c.id = r.check_id "
               f"LEFT JOIN batch_rows f ON f.batch_id = r.batch_id AND f.n = r.same_as WHERE {' AND '.join(where)} "
               f"ORDER BY c.id IS NULL, {order} {'DESC' if descending else 'ASC'}, r.n")
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [BatchRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), _check(r[8:]) if r[8] else None,
                         (r[6], r[7]) if r[6] is not None else None) for r in rows]



_CHECK_COLUMNS = ("id, created_at, claim, language, verdict, confidence, settings, generation, models, record, "
                  "model_verdict, model_confidence, reviewed_record, reviewer, reviewed_at, claim_folded, status, "
                  "assignee")
_N_CHECK_COLUMNS = len(_CHECK_COLUMNS.split(","))
_CHECK_COLUMNS_C = ", ".join("c." + c.strip() for c in _CHECK_COLUMNS.split(","))
_REVIEW_COLUMNS = "id, check_id, item, action, stance, note, reviewer, created_at"

# Decides the verdict of record: (the models' record, the current review of each reviewed item) -> the
# reviewed record (records.verification_record). The Desk passes its one decision (`Desk.verdict_of_record`).
Settle = Callable[[dict, dict[int, "Review"]], dict]


def _settle(conn: sqlite3.Connection, check_id: str, settle: Settle) -> None:
    """Store a check's verdict of record from its current reviews (inside the caller's write transaction):
    reviewed, the record `settle` decides and who reviewed last; no review left, the model's again. Without
    `settle` (the store used alone) the check is left for `settle_pending`, which the Desk runs on opening."""
    reviews = _current_reviews(conn, check_id)
    if not reviews or settle is None:
        conn.execute("UPDATE checks SET verdict = model_verdict, confidence = model_confidence, "
                     "reviewed_record = NULL, reviewer = '', reviewed_at = '' WHERE id = ?", (check_id,))
        return
    record = json.loads(conn.execute("SELECT record FROM checks WHERE id = ?", (check_id,)).fetchone()[0])
    shown = settle(record, reviews)
    latest = max(reviews.values(), key=lambda r: r.id)
    conn.execute("UPDATE checks SET verdict = ?, confidence = ?, reviewed_record = ?, reviewer = ?, "
                 "reviewed_at = ? WHERE id = ?",
                 (Verdict(shown["verdict"]).value, float(shown["confidence"]), _json(shown), latest.reviewer,
                  latest.created_at, check_id))


def _bad_row(stored: list) -> BadRow:
    """A stored unreadable row: [line, reason] before schema 3, then [line, reason, code, values]."""
    return BadRow(*stored)


def _current_reviews(conn: sqlite3.Connection, check_id: str) -> dict[int, "Review"]:
    rows = conn.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE id IN "
                        "(SELECT max(id) FROM reviews WHERE check_id = ? GROUP BY item)", (check_id,)).fetchall()
    return {r[2]: _review(r) for r in rows}


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        conn.create_function("fold", 1, fold, deterministic=True)  # the migration folds the stored claims
        conn.executescript(_TABLES)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise IndexCorrupt(f"{path} has history schema version {row[0]}, this Recoupe reads {SCHEMA_VERSION}")
        _migrate(conn, 1 if row is None else int(row[0]))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise IndexCorrupt(f"{path} is not a readable Recoupe history database: {exc}. Move it aside to start "
                           "a new history; the corpus is not affected") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring a file at `version` to SCHEMA_VERSION, all steps or none."""
    if version == SCHEMA_VERSION and conn.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone():
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[step].split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _check(row) -> SavedCheck:
    return SavedCheck(row[0], row[1], row[2], row[3], Verdict(row[4]), row[5], json.loads(row[6]), row[7],
                      json.loads(row[8]), json.loads(row[9]), Verdict(row[10]) if row[10] else None, row[11],
                      json.loads(row[12]) if row[12] is not None else None, row[13], row[14],
                      CheckStatus(row[16]), row[17])


def _review(row) -> Review:
    return Review(row[0], row[1], row[2], Action(row[3]), Stance(row[4]), row[5], row[6], row[7])


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=False)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(N_("a day is written YYYY-MM-DD, not %(text)s"), values={"text": repr(text)}) from None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
