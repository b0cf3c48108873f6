"""Shards: the store split by passage id mod S into self-contained, read-only index folders.

A shard is a retrieval structure (dense index and BM25 slice, searched by the sharded retriever,
sharded.py) derived from the index, so it lives with retrieval: retrieval reads the index, the
index never imports retrieval.

The SQLite store stays the single source of truth, written by one writer. A shard
set is derived from it, like the FAISS cache, and can always be rebuilt:

  <data_dir>/shards/S<S>/current.json               which version replicas load
  <data_dir>/shards/S<S>/g<generation>-<token>/shard-<i>/
      recoupe.sqlite3, passages.faiss(.json)   a PassageIndex of the passages with id % S == i
                                               (articles without their text: the store keeps it)
      bm25/                                    those passages' slice of ONE BM25 index of the
                                               whole store (global document frequencies and
                                               lengths), so scores compare across shards
      shard.json                               shard, shards, the store generation it holds

A version is named by the store generation it was built from (number and token)
and the index settings; building again what is current does nothing;
`current.json` is switched, durably, only once every shard of a version is on
disk, so a replica (re)starting mid-build loads the previous complete version.
After an ingest or a deletion, `recoupe shards build` makes a new version; the
previous one is kept for replicas still reading it, older ones are removed.

Shard i searched alone returns its own top k (dense by exact inner product for a
flat index, BM25 with the global statistics); merging the shards' lists by score
(service/retrieve/sharded.py) gives the single index's top k.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from service.errors import InvalidInput, RecoupeError
from service.index import ann, persist, schema
from service.index.store import PassageIndex

log = logging.getLogger(__name__)

SHARDS_DIR = "shards"
CURRENT = "current.json"
MANIFEST = "shard.json"
BM25_DIR = "bm25"
IDS_NAME = "ids.npy"  # BM25 document j of a shard is passage ids[j]
FORMAT = 1
MAX_SHARDS = 256
KEEP_VERSIONS = 2  # the current one and the one before, for replicas still reading it


def set_dir(data_dir, shards: int) -> Path:
    return Path(data_dir) / SHARDS_DIR / f"S{shards}"


def _check_count(shards) -> int:
    if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= MAX_SHARDS:
        raise InvalidInput(f"the number of shards must be between 1 and {MAX_SHARDS}, got {shards!r}")
    return shards


def read_current(data_dir, shards: int) -> dict:
    """The manifest of the version replicas load; RecoupeError naming the build command if none."""
    path = set_dir(data_dir, _check_count(shards)) / CURRENT
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecoupeError(f"no {shards}-shard index in {data_dir}: build it with "
                           f"`recoupe shards build --shards {shards}`") from None
    except (OSError, ValueError) as exc:
        raise RecoupeError(f"{path} is unreadable ({exc}); rebuild with `recoupe shards build --shards {shards}`") from None
    if current.get("format") != FORMAT:
        raise RecoupeError(f"{path} has an unknown format; rebuild with `recoupe shards build --shards {shards}`")
    return current


def _current_or_none(data_dir, shards: int) -> dict | None:
    try:
        return read_current(data_dir, shards)
    except RecoupeError:
        return None


def shard_dir(data_dir, current: dict, shard: int) -> Path:
    return set_dir(data_dir, current["shards"]) / current["version"] / f"shard-{shard}"


def is_stale(data_dir, current: dict) -> bool:
    """True when the store has moved on since this version was built (an ingest or deletion)."""
    conn = schema.connect(Path(data_dir) / persist.DB_NAME)
    try:
        return list(schema.read_generation(conn)) != [current["generation"], current["token"]]
    finally:
        conn.close()


def build(data_dir, shards: int, params: ann.AnnParams | None = None, *, log_line=None) -> dict:
    """Build every shard of the store's current generation and make it the current version.

    Holds the store's directory lock shared meanwhile: writers wait, so the shards
    are one generation. Returns the new current.json."""
    import bm25s

    from service.retrieve.text import words

    shards = _check_count(shards)
    params = params or ann.AnnParams()
    say = log_line or (lambda *_: None)
    data_dir = Path(data_dir)
    db = data_dir / persist.DB_NAME
    if not db.exists():
        raise InvalidInput(f"no store in {data_dir}: ingest articles first")
    started = time.perf_counter()
    lock = persist.DirLock(data_dir)
    conn = schema.connect(db)
    try:
        with lock.hold(exclusive=False):
            conn.execute("BEGIN")  # one read snapshot for the vectors, the texts and the generation
            try:
                generation, token = schema.read_generation(conn)
                dim = int(schema.get_meta(conn, "dim") or 0)
                if not dim:
                    raise InvalidInput(f"the store in {data_dir} holds no passage yet: ingest articles first")
                settings = _open_args(params)
                fingerprint = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:8]
                version = f"g{generation}-{token[:12]}-{fingerprint}"
                root = set_dir(data_dir, shards)
                target = root / version
                existing = _current_or_none(data_dir, shards)
                if existing and existing["version"] == version and target.is_dir():
                    say(f"shards already hold store generation {generation} with these settings: nothing to do")
                    return existing  # replicas may be reading it: never rebuilt in place
                building = root / f"{version}{persist.TMP_MARK}build"
                shutil.rmtree(building, ignore_errors=True)
                building.mkdir(parents=True)
                rows = conn.execute("SELECT id, text, language FROM passages ORDER BY id").fetchall()
                ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                say(f"store generation {generation}: {len(ids):,} passages into {shards} shards")
                # One BM25 index of the whole store, sliced by shard: the same statistics everywhere.
                tokens = [words(text, lang) for _, text, lang in rows]
                del rows
                bm25 = None
                if any(tokens):
                    bm25 = bm25s.BM25()
                    bm25.index(tokens, show_progress=False)
                del tokens
                counts = []
                for i in range(shards):
                    folder = building / f"shard-{i}"
                    folder.mkdir()
                    n = _copy_rows(conn, folder, shards, i, dim, f"{generation}:{token}")
                    mine = ids % shards == i
                    _write_bm25(folder / BM25_DIR, bm25, mine, ids[mine])
                    counts.append(n)
                    say(f"shard {i}: {n:,} passages")
            finally:
                conn.execute("COMMIT")
        # FAISS per shard, outside the lock: built from the shard's own SQLite copy.
        for i in range(shards):
            folder = building / f"shard-{i}"
            with PassageIndex.open(folder, dim, **_open_args(params)) as index:
                kind = index.stats()["index_kind"]
            _write_json(folder / MANIFEST, {"format": FORMAT, "shard": i, "shards": shards, "generation": generation,
                                            "token": token, "passages": counts[i], "dim": dim,
                                            "params": _open_args(params), "index_kind": kind})
            say(f"shard {i}: {kind} index written")
        shutil.rmtree(target, ignore_errors=True)
        building.rename(target)
        persist._fsync_path(root, directory=True)
        current = {"format": FORMAT, "version": version, "shards": shards, "generation": generation,
                   "token": token, "dim": dim, "passages": int(len(ids)), "per_shard": counts,
                   "params": _open_args(params),
                   "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   "build_s": round(time.perf_counter() - started, 2)}
        _write_json(root / CURRENT, current)
        _prune(root, version)
        say(f"current version {version} ({current['build_s']} s)")
        return current
    finally:
        conn.close()
        lock.close()


def _open_args(params: ann.AnnParams) -> dict:
    return {"index_type": params.index_type, "hnsw_m": params.hnsw_m, "ivf_nlist": params.ivf_nlist,
            "ivf_nprobe": params.ivf_nprobe, "hnsw_ef_search": params.hnsw_ef_search,
            "hnsw_ef_construction": params.hnsw_ef_construction, "pq_m": params.pq_m,
            "pq_nprobe": params.pq_nprobe, "pq_rerank": params.pq_rerank}


def _copy_rows(conn, folder: Path, shards: int, i: int, dim: int, generation: str) -> int:
    """The shard's passages (same ids) and their articles, without the article text."""
    out = schema.connect(folder / persist.DB_NAME)
    try:
        with schema.transaction(out):
            schema.set_meta(out, "dim", dim)
            schema.set_meta(out, "generation", generation)
            schema.set_meta(out, "shard", f"{i}/{shards}")
            wanted = [r[0] for r in conn.execute(
                "SELECT DISTINCT article_id FROM passages WHERE id % ? = ? ORDER BY 1", (shards, i))]
            for start in range(0, len(wanted), 500):  # articles first: passages reference them
                chunk = wanted[start:start + 500]
                rows = conn.execute(
                    "SELECT id, title, '', source, url, published_at, language, path, content_hash, ingested_at "
                    f"FROM articles WHERE id IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
                out.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            passage_rows = conn.execute("SELECT * FROM passages WHERE id % ? = ? ORDER BY id", (shards, i))
            while batch := passage_rows.fetchmany(5000):
                marks = ", ".join("?" * len(batch[0]))
                out.executemany(f"INSERT INTO passages VALUES ({marks})", batch)
        return out.execute("SELECT count(*) FROM passages").fetchone()[0]
    finally:
        out.close()


def _write_bm25(folder: Path, bm25, mine: np.ndarray, shard_ids: np.ndarray) -> None:
    folder.mkdir()
    np.save(folder / IDS_NAME, shard_ids)
    if bm25 is None or not len(shard_ids):
        return  # no word anywhere, or an empty shard: nothing matches lexically
    scores = bm25.scores
    data, docs, indptr = scores["data"], scores["indices"], scores["indptr"]
    local = np.full(len(mine), -1, dtype=np.int64)
    local[mine] = np.arange(int(mine.sum()))
    columns = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    keep = mine[docs]
    part = copy.copy(bm25)
    part.scores = {
        "data": data[keep],
        "indices": local[docs[keep]].astype(docs.dtype),
        "indptr": np.concatenate([[0], np.cumsum(np.bincount(columns[keep], minlength=len(indptr) - 1))]
                                 ).astype(indptr.dtype),
        "num_docs": int(mine.sum()),
    }
    part.save(folder, show_progress=False)


def _write_json(path: Path, obj: dict) -> None:
    tmp = path.with_name(f"{path.name}{persist.TMP_MARK}write")
    tmp.write_text(json.dumps(obj, indent=1, sort_keys=True), encoding="utf-8")
    persist._replace_durably(tmp, path)


def _prune(root: Path, current: str) -> None:
    versions = sorted((p for p in root.iterdir() if p.is_dir() and persist.TMP_MARK not in p.name),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    keep = {current} | {p.name for p in versions[:KEEP_VERSIONS]}
    for p in versions:
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)


@dataclass
class ShardResult:
    """One claim's hits from one shard: dense and lexical, best first, and the claim/passage
    cosine of each lexical hit (the verdict model reads it; the shard holds the vectors)."""

    dense: list
    lexical: list
    lexical_cosines: list


class Shard:
    """One shard opened for searching (what a shard replica holds)."""

    def __init__(self, data_dir, shards: int, shard: int, current: dict | None = None):
        import bm25s

        current = current or read_current(data_dir, shards)
        if not 0 <= shard < current["shards"]:
            raise InvalidInput(f"shard must be between 0 and {current['shards'] - 1}, got {shard}")
        self.folder = shard_dir(data_dir, current, shard)
        self.manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        self.shard, self.shards = shard, current["shards"]
        self.generation = (current["generation"], current["token"])
        self.index = PassageIndex.open(self.folder, current["dim"], **current["params"])
        self.ids = np.load(self.folder / BM25_DIR / IDS_NAME)
        bm25_files = self.folder / BM25_DIR / "params.index.json"
        self.bm25 = bm25s.BM25.load(self.folder / BM25_DIR) if bm25_files.exists() else None

    def close(self) -> None:
        self.index.close()

    def search(self, vectors, claims: list[str], claim_languages: list[str], k: int, **filters) -> list[ShardResult]:
        from service.retrieve.lexical import bm25_search

        vectors = np.asarray(vectors, dtype=np.float32)
        dense = self.index.search_many(vectors, k, **filters)
        out = []
        for i, (claim, language) in enumerate(zip(claims, claim_languages)):
            lexical = bm25_search(self.bm25, self.ids, self.index, claim, language, k, **filters)
            cosines = []
            if lexical:
                cosines = [float(c) for c in self.index.vectors_of([h.passage_id for h in lexical]) @ vectors[i]]
            out.append(ShardResult(dense[i], lexical, cosines))
        return out

    def describe(self) -> dict:
        return {"shard": self.shard, "shards": self.shards, "generation": self.generation[0],
                "passages": self.manifest["passages"], "index_kind": self.manifest["index_kind"]}
