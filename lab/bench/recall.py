"""How good is an approximate index? Recall@k against exact search, and the time it costs.

An approximate index (HNSW, IVF) is only worth its speed if it still finds the
true nearest passages: measure before switching `index_type` for a corpus.
The benchmarks print these figures (`recoupe bench scale`, `bench ingest-scifact`);
the tests assert a floor on them. Measuring only: nothing that serves imports this.
"""

from __future__ import annotations

import time

import numpy as np

from service.errors import InvalidInput
from service.index import ann
from service.index.vectors import as_unit_rows


def measure_recall(vectors, queries, k: int = 10, index_type: str = "hnsw", **params) -> dict:
    """Recall@k of `index_type` against exact inner-product search over the same vectors.

    params are PassageIndex.open's tuning names: hnsw_m, hnsw_ef_construction,
    hnsw_ef_search, ivf_nlist (0: ~4*sqrt(n), sqrt(n) for ivfpq), ivf_nprobe, pq_m,
    pq_nprobe, pq_rerank. IVF and IVF-PQ are always trained
    here, even on a corpus the index would still search exactly. Times are per
    query, one query at a time on one thread (the latency a user waits), in
    milliseconds; build_s is the approximate index's build time in seconds.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    vectors = as_unit_rows(vectors, dim, "vectors")
    queries = as_unit_rows(queries, dim, "queries")
    k = min(k, len(vectors))
    try:
        approx_params = ann.AnnParams(index_type=index_type, **params)
    except TypeError as exc:
        raise InvalidInput(f"measure_recall: {exc}; known tuning names are those of PassageIndex.open") from None

    exact, truth = profile_index(ann.AnnParams(index_type="flat"), vectors, queries, k, size=False)
    approx, _ = profile_index(approx_params, vectors, queries, k, truth=truth, force=True, size=False)
    return {
        "index_type": index_type,
        "params": approx["params"],
        "vectors": len(vectors),
        "dim": dim,
        "queries": len(queries),
        "k": k,
        f"recall@{k}": approx["recall"],
        "recall": approx["recall"],
        "exact_ms_per_query": exact["mean_ms"],
        "approx_ms_per_query": approx["mean_ms"],
        "build_s": approx["build_s"],
    }


def profile_index(params: ann.AnnParams, vectors: np.ndarray, queries: np.ndarray, k: int, *,
                  truth: np.ndarray | None = None, force: bool = False, size: bool = True) -> tuple[dict, np.ndarray]:
    """Build one index with the service's own `ann.build` and measure it.

    vectors and queries must already be unit float32 rows (`as_unit_rows`): at a
    million passages a normalised copy would double the memory this needs.
    `force` trains IVF however small the corpus; without it the index is what
    the service would build for that many vectors, which below a threshold is
    an exact search (the returned `structure` and `note` say so). Returns the
    figures and the ids found per query. The index is freed before returning,
    so a caller profiling several keeps only one in memory at a time.

    Figures: build_s; index_bytes (its serialized size: what FAISS holds in
    memory, less the id hash map of IndexIDMap2, which the file does not
    store), unless `size` is False;
    per-query search times in ms (mean, p50, p95), one query at a time on one
    thread; recall against `truth` (ids per query, e.g. from a flat index) when given.
    """
    ids = np.arange(len(vectors), dtype=np.int64)
    started = time.perf_counter()
    index, state = ann.build(params, vectors, ids, force=force)
    build_s = time.perf_counter() - started
    found, times_ms = _timed_search(index, state, params, queries, k, vectors)
    figures = {
        "index_type": params.index_type,
        "structure": state.kind,
        "params": {**params.build_fingerprint(), **_search_params(params, state)},
        "build_s": build_s,
        "mean_ms": float(times_ms.mean()) if len(times_ms) else 0.0,
        "p50_ms": float(np.percentile(times_ms, 50)) if len(times_ms) else 0.0,
        "p95_ms": float(np.percentile(times_ms, 95)) if len(times_ms) else 0.0,
    }
    if state.note:
        figures["note"] = state.note
    if size:
        figures["index_bytes"] = serialized_bytes(index)
    if truth is not None:
        figures["recall"] = recall_at_k(truth, found)
    del index
    return figures, found


def recall_at_k(truth: np.ndarray, found: np.ndarray) -> float:
    """Share of the true top-k ids (rows of `truth`) present in the rows of `found`."""
    k = truth.shape[1] if truth.ndim == 2 else 0
    if not len(truth) or not k:
        return 0.0
    hits = sum(len(set(t) & set(f[f >= 0])) for t, f in zip(truth, found))
    return hits / (k * len(truth))


def serialized_bytes(index) -> int:
    """Bytes of `faiss.write_index(index)`, counted as they stream: serialize_index
    would hold a second copy of a multi-GB index in memory to measure it."""
    faiss = ann.faiss_module()
    total = 0

    def count(chunk) -> int:
        nonlocal total
        total += len(chunk)
        return len(chunk)

    writer = faiss.PyCallbackIOWriter(count)
    faiss.write_index(index, writer)
    del writer
    return total


def _search_params(params: ann.AnnParams, state: ann.AnnState) -> dict:
    if state.kind == "hnsw":
        return {"hnsw_ef_search": params.hnsw_ef_search}
    if state.kind == "ivf":
        return {"ivf_nlist_used": state.nlist, "ivf_nprobe": params.ivf_nprobe}
    if state.kind == "ivfpq":
        return {"ivf_nlist_used": state.nlist, "pq_nprobe": params.pq_nprobe,
                "pq_nprobe_used": ann.pq_probe(params, state.nlist), "pq_rerank": params.pq_rerank}
    return {}


def queries_from(vectors, ids):
    return vectors[np.asarray(ids, dtype=np.int64)]


def _timed_search(index, state, params, queries, k, vectors):
    # One OpenMP thread while timing: a server answers one query per request and
    # gets its parallelism from concurrent requests; and waking a thread pool for
    # a single query costs more than the query on a busy machine (8 ms vs 0.1 ms
    # measured on 2 shared cores), which would drown the figure being measured.
    faiss = ann.faiss_module()
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        rows, times = [], []
        for query in queries:
            started = time.perf_counter()
            # IVF-PQ re-ranks with the exact vectors, here the corpus in memory (the service reads SQLite).
            rows.append(ann.search(index, state, params, query[None, :], k,
                                   exact_vectors=lambda ids: queries_from(vectors, ids))[1][0])
            times.append(time.perf_counter() - started)
    finally:
        faiss.omp_set_num_threads(threads)
    return np.stack(rows) if rows else np.empty((0, k), dtype=np.int64), np.asarray(times) * 1000
