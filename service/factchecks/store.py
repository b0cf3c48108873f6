"""Published fact-checks, and the claim vectors of saved checks, in the desk's SQLite file.

The tables come with the history's schema (history/store.py, migration 2); this store opens its
own connection to the same file (WAL: readers and one writer at a time), one transaction per write.
Vectors are float32 blobs tagged with the embedder that made them: under another embedder they
are made again, never compared across models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from service.errors import NotFound
from service.factchecks.records import FactCheck
from service.history.store import DeskFile

_COLUMNS = "id, claim, rating, date, url, author, language, imported_at"


@dataclass(frozen=True)
class StoredFactCheck:
    fact_check: FactCheck
    language: str
    imported_at: str

    def to_dict(self) -> dict:
        return {**self.fact_check.to_dict(), "language": self.language, "imported_at": self.imported_at}


@dataclass(frozen=True)
class CheckClaim:
    """A saved check as matching sees it."""

    id: str
    created_at: str
    claim: str
    language: str
    verdict: str
    confidence: float
    reviewed: bool


class FactCheckStore(DeskFile):
    """Published fact-checks and saved checks' claim vectors, in the desk's file."""

    # ------------------------------------------------------------ fact-checks

    def existing(self, ids) -> dict[str, tuple]:
        """id -> (claim, rating, date, url, author) of those already stored."""
        ids = list(ids)
        out = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for row in self._conn.execute(
                        f"SELECT id, claim, rating, date, url, author FROM factchecks WHERE id IN ({marks})", chunk):
                    out[row[0]] = tuple(row[1:])
        return out

    def put(self, items: list[FactCheck], languages: list[str], vectors: np.ndarray, embedder: str) -> None:
        now = _now()
        rows = [(f.id, f.claim, f.rating, f.date, f.url, f.author, lang, embedder,
                 np.asarray(v, np.float32).tobytes(), now) for f, lang, v in zip(items, languages, vectors)]
        with self._write() as conn:
            conn.executemany("INSERT OR REPLACE INTO factchecks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def list(self, query: str = "", limit: int = 50, offset: int = 0) -> tuple[list[StoredFactCheck], int]:
        where, args = "", []
        if query.strip():
            where = "WHERE claim LIKE ? ESCAPE '\\' OR rating LIKE ? ESCAPE '\\' OR author LIKE ? ESCAPE '\\'"
            like = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            args = [like, like, like]
        with self._lock:
            total = self._conn.execute(f"SELECT COUNT(*) FROM factchecks {where}", args).fetchone()[0]
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM factchecks {where} ORDER BY date DESC, id "
                                      "LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        return [_stored(r) for r in rows], total

    def get(self, fact_check_id: str) -> StoredFactCheck:
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM factchecks WHERE id = ?", (fact_check_id,)).fetchone()
        if row is None:
            raise NotFound(f"no fact-check with id {fact_check_id!r}")
        return _stored(row)

    def delete(self, fact_check_id: str) -> StoredFactCheck:
        found = self.get(fact_check_id)
        with self._write() as conn:
            conn.execute("DELETE FROM factchecks WHERE id = ?", (fact_check_id,))
        return found

    def fact_check_vectors(self, embedder: str) -> tuple[list[StoredFactCheck], np.ndarray, list[int]]:
        """Every fact-check, their vectors, and the positions whose vector another embedder made."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS}, embedder, vector FROM factchecks ORDER BY id").fetchall()
        items = [_stored(r[:8]) for r in rows]
        matrix, stale = _matrix([r[8] for r in rows], [r[9] for r in rows], embedder)
        return items, matrix, stale

    def refresh_fact_check_vectors(self, ids: list[str], vectors: np.ndarray, embedder: str) -> None:
        with self._write() as conn:
            conn.executemany("UPDATE factchecks SET embedder = ?, vector = ? WHERE id = ?",
                             [(embedder, np.asarray(v, np.float32).tobytes(), i) for i, v in zip(ids, vectors)])

    # ------------------------------------------------------------ saved checks

    def check_claims(self, embedder: str) -> tuple[list[CheckClaim], np.ndarray, list[int]]:
        """Every saved check (latest first), their claim vectors, and the positions that need one."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT c.id, c.created_at, c.claim, c.language, c.verdict, c.confidence, "
                "EXISTS (SELECT 1 FROM reviews r WHERE r.check_id = c.id), v.embedder, v.vector "
                "FROM checks c LEFT JOIN check_vectors v ON v.check_id = c.id ORDER BY c.created_at DESC, c.id"
            ).fetchall()
        items = [CheckClaim(*r[:6], bool(r[6])) for r in rows]
        matrix, stale = _matrix([r[7] for r in rows], [r[8] for r in rows], embedder)
        return items, matrix, stale

    def reviewed_record(self, check_id: str) -> tuple[str, dict[int, str]]:
        """A saved check's record (JSON) and its current reviewed stances (evidence index -> stance)."""
        with self._lock:
            row = self._conn.execute("SELECT record FROM checks WHERE id = ?", (check_id,)).fetchone()
            reviews = self._conn.execute("SELECT item, stance FROM reviews WHERE check_id = ? ORDER BY id",
                                         (check_id,)).fetchall()
        if row is None:
            raise NotFound(f"no saved check with id {check_id!r}")
        return row[0], dict(reviews)  # the latest row of an item is its review

    def put_check_vectors(self, ids: list[str], vectors: np.ndarray, embedder: str) -> None:
        with self._write() as conn:
            conn.executemany("INSERT OR REPLACE INTO check_vectors SELECT ?, ?, ? WHERE EXISTS "
                             "(SELECT 1 FROM checks WHERE id = ?)",
                             [(i, embedder, np.asarray(v, np.float32).tobytes(), i) for i, v in zip(ids, vectors)])



def _matrix(names, blobs, embedder: str) -> tuple[np.ndarray, list[int]]:
    dim = next((len(b) // 4 for n, b in zip(names, blobs) if n == embedder and b), 0)
    matrix = np.zeros((len(blobs), dim), np.float32)
    stale = []
    for i, (name, blob) in enumerate(zip(names, blobs)):
        if name == embedder and blob and len(blob) // 4 == dim:
            matrix[i] = np.frombuffer(blob, np.float32)
        else:
            stale.append(i)
    return matrix, stale


def _stored(row) -> StoredFactCheck:
    return StoredFactCheck(FactCheck(row[0], row[1], row[2], row[3], row[4], row[5]), row[6], row[7])


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

