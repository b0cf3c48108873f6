"""PassageIndex: the persisted passage index the rest of Recoupe searches.

Two stores, one truth:
- SQLite (`schema.py`, `<data_dir>/recoupe.sqlite3`) holds articles, passages
  and every passage vector. An `add` or `delete_article` is one transaction,
  so after a crash the corpus is exactly what the last committed call left.
- FAISS (`cache.py`, `<data_dir>/passages.faiss`) is a cache of the vectors,
  written after each commit with a sidecar naming the SQLite generation it
  holds, and reloaded or rebuilt from SQLite whenever the two disagree.
A process killed at any point therefore leaves an index that opens with the
old or the new state, never a lost passage.

Searches apply filters before the top-k cut (strategies in `search.py`).

Concurrency: one PassageIndex may be shared by threads (calls are serialised
by a lock). Several processes may open one data_dir (a CLI ingest beside the
server): writers take turns on a file lock, and every search first checks the
SQLite generation, so a write made elsewhere is seen by the next search.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from service.errors import InvalidInput, NotFound, RecoupeError
from service.index import ann, persist, schema
from service.index import search as strategies
from service.index.cache import FaissCache
from service.index.errors import DimensionMismatch
from service.index.filters import SearchFilter
from service.index.items import prepare_items
from service.index.records import AddReport, ArticleRef, Hit
from service.index.vectors import as_unit_rows
from service.ingest.article import Article, Passage
from service.translations import N_

NO_ARTICLE = N_("no article with id %(id)s in the index")  # also the cluster's store view's
EDITABLE_METADATA = ("title", "source", "url", "published_at")  # what update_metadata may change


class PassageIndex:
    """Articles, passages and their vectors, searchable by vector. Create with `PassageIndex.open`."""

    def __init__(self, data_dir: Path, dim: int, params: ann.AnnParams, conn, lock: persist.DirLock):
        self.data_dir = data_dir
        self.dim = dim
        self.params = params
        self._conn = conn
        self._lock = lock
        self._cache = FaissCache(conn, data_dir, dim, params)
        self._mutex = threading.RLock()
        self._closed = False

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        data_dir,
        dim: int,
        index_type: str = "flat",
        hnsw_m: int = 32,
        ivf_nlist: int = 0,
        ivf_nprobe: int = 16,
        *,
        hnsw_ef_search: int = 64,
        hnsw_ef_construction: int = 80,
        pq_m: int = 48,
        pq_nprobe: int = 0,
        pq_rerank: int = 200,
    ) -> "PassageIndex":
        """Open (creating if needed) the index in data_dir, loading or rebuilding the FAISS cache.

        index_type "flat" searches exactly; "hnsw", "ivf" and "ivfpq" are approximate, for
        large corpora (see lab/bench/recall.py). Changing index_type or a
        build parameter between opens just rebuilds the cache from SQLite.
        """
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise InvalidInput(f"dim must be a positive integer, got {dim!r}")
        params = ann.AnnParams(
            index_type=index_type,
            hnsw_m=hnsw_m,
            hnsw_ef_construction=hnsw_ef_construction,
            hnsw_ef_search=hnsw_ef_search,
            ivf_nlist=ivf_nlist,
            ivf_nprobe=ivf_nprobe,
            pq_m=pq_m,
            pq_nprobe=pq_nprobe,
            pq_rerank=pq_rerank,
        )
        data_dir = Path(data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(f"cannot create the data directory {data_dir}: {exc.strerror}") from None
        conn = schema.connect(data_dir / persist.DB_NAME)
        try:
            _claim_dim(conn, dim, data_dir)
            lock = persist.DirLock(data_dir)
        except BaseException:
            conn.close()
            raise
        self = cls(data_dir, dim, params, conn, lock)
        try:
            with lock.hold(exclusive=True):
                persist.remove_stale_temps(data_dir)
                self._cache.sync(write_back=True)
        except BaseException:
            self.close()
            raise
        return self

    @classmethod
    def from_config(cls, config, dim: int) -> "PassageIndex":
        """Open with the index settings of a `service.config.Config`."""
        return cls.open(
            config.data_dir,
            dim,
            index_type=config.index_type,
            hnsw_m=config.hnsw_m,
            ivf_nlist=config.ivf_nlist,
            ivf_nprobe=config.ivf_nprobe,
            pq_m=config.pq_m,
            pq_nprobe=config.pq_nprobe,
            pq_rerank=config.pq_rerank,
        )

    def close(self) -> None:
        """Write any unsaved FAISS state, then release the database and the lock file."""
        with self._mutex:
            if self._closed:
                return
            try:
                if self._cache.dirty:
                    self.flush()
            finally:
                self._closed = True
                self._conn.close()
                self._lock.close()

    def __enter__(self) -> "PassageIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PassageIndex({str(self.data_dir)!r}, dim={self.dim}, index_type={self.params.index_type!r})"

    # ------------------------------------------------------------------ writing

    def content_hash_of(self, article_id: str) -> str | None:
        """The stored content hash, so callers can skip embedding unchanged articles."""
        with self._mutex:
            self._check_open()
            row = self._conn.execute("SELECT content_hash FROM articles WHERE id = ?", (article_id,)).fetchone()
        return None if row is None else row[0]

    def add(self, items, *, persist: bool = True) -> AddReport:
        """Store many (Article, passages, vectors) items in one transaction.

        An article already stored with the same content hash is skipped; with
        another hash its old passages are replaced. `persist=False` leaves the
        FAISS file for `flush()`/`close()` to write, for bulk ingests of many
        small batches (a crash then only costs a rebuild on the next open).
        """
        prepared = prepare_items(items, self.dim)
        with self._mutex, self._lock.hold(exclusive=True):
            self._check_open()
            self._cache.sync(write_back=False)  # another process may have written since we last looked
            report = AddReport()
            added_ids, added_vectors, removed_ids = [], [], []
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            with schema.transaction(self._conn) as conn:
                for article, passages, extras, vectors in prepared:
                    outcome, added, removed = schema.write_article(conn, article, passages, extras, vectors, now)
                    if outcome == "unchanged":
                        report.articles_unchanged += 1
                        continue
                    if outcome == "added":
                        report.articles_added += 1
                    else:
                        report.articles_replaced += 1
                    added_ids += added
                    added_vectors.append(vectors)
                    removed_ids += removed
                changed = bool(report.articles_added or report.articles_replaced)
                generation = schema.bump_generation(conn) if changed else None
            report.passages_added, report.passages_removed = len(added_ids), len(removed_ids)
            if changed:
                self._cache.apply(generation, added_ids, added_vectors, removed_ids)
                if persist:
                    self._cache.persist()
            return report

    def delete_article(self, article_id: str) -> int:
        """Remove an article and its passages for good; returns how many passages went."""
        with self._mutex, self._lock.hold(exclusive=True):
            self._check_open()
            self._cache.sync(write_back=False)
            with schema.transaction(self._conn) as conn:
                if conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None:
                    raise NotFound(NO_ARTICLE, values={"id": repr(article_id)})
                ids = [r[0] for r in conn.execute("SELECT id FROM passages WHERE article_id = ?", (article_id,))]
                conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))  # passages follow: ON DELETE CASCADE
                generation = schema.bump_generation(conn)
            self._cache.forget(generation, ids)
            return len(ids)

    def update_metadata(self, article_id: str, **changes) -> Article:
        """Change an article's title, source, url or published_at (the keys given; None clears url and
        published_at) without touching its text, passages or vectors. A new generation: saved checks say the
        corpus changed, and date and source filters see the new values at once."""
        unknown = set(changes) - set(EDITABLE_METADATA)
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        with self._mutex, self._lock.hold(exclusive=True):
            self._check_open()
            self._cache.sync(write_back=False)
            with schema.transaction(self._conn) as conn:
                row = conn.execute(f"SELECT {schema.ARTICLE_COLUMNS} FROM articles a WHERE a.id = ?",
                                   (article_id,)).fetchone()
                if row is None:
                    raise NotFound(NO_ARTICLE, values={"id": repr(article_id)})
                article = replace(schema.article_from_row(row), **changes)
                # the hash covers the metadata: the edited article sent again is unchanged, the old one replaces it
                conn.execute("UPDATE articles SET title = ?, source = ?, url = ?, published_at = ?, content_hash = ? "
                             "WHERE id = ?", (article.title, article.source, article.url, article.published_at,
                                              article.content_hash, article_id))
                generation = schema.bump_generation(conn)
            self._cache.forget(generation, [])  # the vectors are the same: only the generation moves on
            return article

    def flush(self) -> None:
        """Write the FAISS cache if it holds changes not yet on disk (after add(persist=False))."""
        with self._mutex, self._lock.hold(exclusive=True):
            self._check_open()
            if not self._cache.is_current():
                self._cache.sync(write_back=True)  # another writer superseded us; its state includes ours
            elif self._cache.dirty:
                self._cache.persist()

    # ------------------------------------------------------------------ searching

    def search(self, vector, k: int, languages=None, sources=None, date_from=None, date_to=None,
               include_undated: bool = False) -> list[Hit]:
        """The k passages nearest to one query vector that pass the filters, best first.

        languages: passage languages; sources: article sources; date_from/date_to:
        inclusive ISO dates on the article's publication date (see filters.py).
        """
        query = np.asarray(vector, dtype=np.float32)
        if query.ndim != 1 and query.shape[:1] != (1,):
            raise InvalidInput(f"search takes one vector of shape ({self.dim},); use search_many for a batch")
        return self.search_many(query.reshape(1, -1), k, languages, sources, date_from, date_to, include_undated)[0]

    def search_many(
        self, vectors, k: int, languages=None, sources=None, date_from=None, date_to=None, include_undated=False
    ) -> list[list[Hit]]:
        """Batch twin of `search`: one hit list per query row, the same filters for all."""
        queries = as_unit_rows(vectors, self.dim, "query vectors")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise InvalidInput(f"k must be a non-negative integer, got {k!r}")
        flt = SearchFilter.build(languages, sources, date_from, date_to, include_undated)
        with self._mutex:
            self._check_open()
            self._refresh()
            return strategies.search(self._conn, self._cache, queries, int(k), flt)

    # ------------------------------------------------------------------ reading

    @property
    def generation(self) -> int:
        """Bumped by every write (in any process): derived indexes rebuild when it moves."""
        with self._mutex:
            self._check_open()
            return schema.read_generation(self._conn)[0]

    def passage_texts(self) -> tuple[list[int], list[str], list[str]]:
        """(ids, texts, languages) of every passage, for indexes derived from the text (BM25)."""
        with self._mutex:
            self._check_open()
            rows = self._conn.execute("SELECT id, text, language FROM passages ORDER BY id").fetchall()
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def vectors_of(self, ids) -> np.ndarray:
        """The stored (normalised) vectors of these passages, in order."""
        with self._mutex:
            self._check_open()
            return self._cache.vectors_of(ids)

    def vectors_found(self, ids) -> dict[int, np.ndarray]:
        """{passage id: stored vector} for those of these passages still stored (a concurrent
        delete may have removed some since they were retrieved)."""
        with self._mutex:
            self._check_open()
            return self._cache.vectors_found(ids)

    def hits_for(self, ids, scores, k: int, languages=None, sources=None, date_from=None,
                 date_to=None, include_undated=False) -> list[Hit]:
        """Hits for passages found by another retriever, best first, filtered like `search`."""
        flt = SearchFilter.build(languages, sources, date_from, date_to, include_undated)
        with self._mutex:
            self._check_open()
            self._refresh()
            return strategies.hits(self._conn, self._cache, np.asarray([scores], dtype=np.float32),
                                   np.asarray([ids], dtype=np.int64), int(k), flt)[0]

    def undated_articles(self, sources=None) -> int:
        """How many articles (of these sources) have no publication date: what a date filter sets aside
        unless it includes them (filters.py)."""
        sources = list(sources or [])
        where = f" AND source IN ({', '.join('?' * len(sources))})" if sources else ""
        with self._mutex:
            self._check_open()
            return self._conn.execute("SELECT count(*) FROM articles WHERE (published_at IS NULL OR published_at = '')"
                                      + where, sources).fetchone()[0]

    def get_article(self, article_id: str) -> Article:
        with self._mutex:
            self._check_open()
            row = self._conn.execute(
                f"SELECT {schema.ARTICLE_COLUMNS} FROM articles a WHERE a.id = ?", (article_id,)
            ).fetchone()
        if row is None:
            raise NotFound(NO_ARTICLE, values={"id": repr(article_id)})
        return schema.article_from_row(row)

    def list_articles(self, limit: int | None = None, offset: int = 0) -> list[ArticleRef]:
        """Stored articles in id order, without their text."""
        with self._mutex:
            self._check_open()
            rows = self._conn.execute(
                f"SELECT {schema.REF_COLUMNS} FROM articles a ORDER BY a.id LIMIT ? OFFSET ?",
                (-1 if limit is None else int(limit), int(offset)),
            ).fetchall()
        return [ArticleRef(*row) for row in rows]

    def passages_of(self, article_id: str) -> list[Passage]:
        """An article's passages in reading order."""
        with self._mutex:
            self._check_open()
            if self._conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None:
                raise NotFound(NO_ARTICLE, values={"id": repr(article_id)})
            rows = self._conn.execute(
                f"SELECT {schema.PASSAGE_COLUMNS} FROM passages p WHERE p.article_id = ? ORDER BY p.position",
                (article_id,),
            ).fetchall()
        return [schema.passage_from_row(row) for row in rows]

    def stats(self) -> dict:
        """Corpus and index figures. `languages` counts passages, `sources` counts articles."""
        with self._mutex:
            self._check_open()
            self._refresh()
            conn, cache = self._conn, self._cache
            return {
                "articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0],
                "passages": conn.execute("SELECT count(*) FROM passages").fetchone()[0],
                "languages": dict(conn.execute("SELECT language, count(*) FROM passages GROUP BY 1 ORDER BY 1")),
                "sources": dict(conn.execute("SELECT source, count(*) FROM articles GROUP BY 1 ORDER BY 1")),
                "dim": self.dim,
                "index_type": self.params.index_type,
                # What is actually searched: "flat" for an IVF still too small to train (see index_note).
                "index_kind": cache.state.kind,
                "index_note": cache.state.note or None,
                "ivf_nlist": cache.state.nlist if self.params.index_type in ("ivf", "ivfpq") else None,
                "faiss_vectors": int(cache.index.ntotal),
                "pending_deletions": len(cache.dead),
                "generation": cache.generation[0],
                "size_bytes": persist.disk_usage(self.data_dir),
                "data_dir": str(self.data_dir),
            }

    # ------------------------------------------------------------------ internals

    def _check_open(self) -> None:
        if self._closed:
            raise RecoupeError(f"the index in {self.data_dir} is closed")

    def _refresh(self) -> None:
        """Before reading the cache: catch up if SQLite moved on (a write in another process)."""
        if not self._cache.is_current():
            with self._lock.hold(exclusive=False):
                self._cache.sync(write_back=False)


def _claim_dim(conn, dim: int, data_dir: Path) -> None:
    """Record the vector size on first open; refuse a different one afterwards."""
    with schema.transaction(conn):
        stored = schema.get_meta(conn, "dim")
        if stored is None:
            schema.set_meta(conn, "dim", dim)
            schema.set_meta(conn, "generation", f"0:{uuid.uuid4().hex}")
            return
    if int(stored) != dim:
        raise DimensionMismatch(
            f"the index in {data_dir} holds {stored}-dimensional vectors but {dim}-dimensional ones were "
            f"asked for (was the embedder changed?); use another data_dir, or delete {data_dir} and ingest again",
            detail={"data_dir": str(data_dir), "stored_dim": int(stored), "requested_dim": dim},
        )
