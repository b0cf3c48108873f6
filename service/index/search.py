"""Searching the cache with filters applied before the top-k cut.

Filters live in SQLite, so each search picks, from how many passages match, the
cheapest way to get the top k among the matches only:
- no filter: FAISS top (k + tombstones), tombstones dropped;
- a filter matching few passages (<= EXACT_SCAN_MAX): exact dot products over
  just those vectors read from SQLite (exact, and faster than any index);
- a broad filter (>= OVERFETCH_MIN_FRACTION of the corpus): over-fetch from
  FAISS in proportion, keep the matches, double the fetch while short;
- anything between: FAISS with an IDSelector holding the matching ids, so the
  index itself only considers matches.
On HNSW, IVF and IVF-PQ the last two are approximate like any search there,
and IVF may return fewer than k hits when the probed lists hold fewer matches.
IVF-PQ candidates are re-ranked with the vectors stored in SQLite.
"""

from __future__ import annotations

import math

import numpy as np

from service.index import ann, schema
from service.index.cache import CHUNK, FaissCache
from service.index.filters import SearchFilter
from service.index.records import ArticleRef, Hit
from service.index.vectors import from_blobs

EXACT_SCAN_MAX = 4096
OVERFETCH_MIN_FRACTION = 0.25

_MATCHING = "FROM passages p JOIN articles a ON a.id = p.article_id WHERE {}"


def search(conn, cache: FaissCache, queries: np.ndarray, k: int, flt: SearchFilter) -> list[list[Hit]]:
    """One best-first hit list per query row; `queries` are unit rows of the right size."""
    if k == 0 or not len(queries) or cache.live <= 0:
        return [[] for _ in range(len(queries))]
    if flt.empty:
        return _overfetch(conn, cache, queries, k, flt, 1.0)
    matching = conn.execute("SELECT count(*) " + _MATCHING.format(flt.sql), flt.params).fetchone()[0]
    if matching == 0:
        return [[] for _ in range(len(queries))]
    if matching <= EXACT_SCAN_MAX:
        return _exact_scan(conn, cache, queries, k, flt)
    if matching / cache.live >= OVERFETCH_MIN_FRACTION:
        return _overfetch(conn, cache, queries, k, flt, matching / cache.live)
    return _with_selector(conn, cache, queries, k, flt)


def _overfetch(conn, cache: FaissCache, queries, k, flt: SearchFilter, fraction: float) -> list[list[Hit]]:
    ntotal = cache.index.ntotal
    margin = 1.0 if flt.empty else 1.5
    fetch = min(ntotal, math.ceil(k / fraction * margin) + len(cache.dead))
    results: list[list[Hit] | None] = [None] * len(queries)
    pending = np.arange(len(queries))
    while len(pending):
        scores, ids = ann.search(cache.index, cache.state, cache.params, queries[pending], fetch,
                                 exact_vectors=_exact_vectors(cache))
        short = []
        for row, (qi, found) in enumerate(zip(pending, hits(conn, cache, scores, ids, k, flt))):
            # Fetching more cannot help once everything was fetched, or FAISS ran dry (-1 ids).
            exhausted = fetch >= ntotal or bool((ids[row] < 0).any())
            if len(found) >= k or exhausted:
                results[qi] = found
            else:
                short.append(qi)
        pending = np.asarray(short, dtype=np.int64)
        fetch = min(ntotal, fetch * 2)
    return results


def _exact_scan(conn, cache: FaissCache, queries, k, flt: SearchFilter) -> list[list[Hit]]:
    rows = conn.execute("SELECT p.id, p.vector " + _MATCHING.format(flt.sql), flt.params).fetchall()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    scores = queries @ from_blobs([r[1] for r in rows], cache.dim).T
    kk = min(k, len(rows))
    top = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
    top = np.take_along_axis(top, (-np.take_along_axis(scores, top, axis=1)).argsort(axis=1, kind="stable"), axis=1)
    return hits(conn, cache, np.take_along_axis(scores, top, axis=1), ids[top], k, flt)


def _with_selector(conn, cache: FaissCache, queries, k, flt: SearchFilter) -> list[list[Hit]]:
    cursor = conn.execute("SELECT p.id " + _MATCHING.format(flt.sql), flt.params)
    allowed = np.fromiter((r[0] for r in cursor), dtype=np.int64)  # from SQLite: no tombstones among them
    scores, ids = ann.search(cache.index, cache.state, cache.params, queries, k, allowed_ids=allowed,
                             exact_vectors=_exact_vectors(cache))
    return hits(conn, cache, scores, ids, k, flt)


def _exact_vectors(cache: FaissCache):
    """The stored vectors IVF-PQ re-ranks with; a tombstone (gone from SQLite) reads as a zero
    vector, which ranks it last, and `hits` drops it anyway."""
    def read(ids):
        ids = [int(i) for i in ids]
        live = [i for i in ids if i not in cache.dead]
        found = cache.vectors_found(live) if live else {}  # a row deleted meanwhile reads as a tombstone
        zero = np.zeros(cache.dim, dtype=np.float32)
        return np.stack([found.get(i, zero) for i in ids]) if ids else np.empty((0, cache.dim), np.float32)
    return read


def hits(conn, cache: FaissCache, scores, ids, k, flt: SearchFilter) -> list[list[Hit]]:
    """FAISS result rows -> Hits: drop -1s, tombstones and non-matches, keep the order, cut at k."""
    wanted = sorted(int(i) for i in np.unique(ids) if i >= 0 and int(i) not in cache.dead)
    rows = {}
    for start in range(0, len(wanted), CHUNK):
        names = {f"id{j}": v for j, v in enumerate(wanted[start : start + CHUNK])}
        sql = (
            f"SELECT p.id, {schema.PASSAGE_COLUMNS}, {schema.REF_COLUMNS} "
            + _MATCHING.format(f"p.id IN ({', '.join(':' + n for n in names)}) AND ({flt.sql})")
        )
        rows.update((row[0], row) for row in conn.execute(sql, {**names, **flt.params}))
    out = []
    for score_row, id_row in zip(scores, ids):
        hits = []
        for score, pid in zip(score_row, id_row):
            row = rows.get(int(pid))
            if row is None:
                continue
            passage = schema.passage_from_row(row[1:10])
            hits.append(Hit(int(pid), passage, ArticleRef(*row[10:16]), float(score), rank=len(hits) + 1))
            if len(hits) == k:
                break
        out.append(hits)
    return out
