"""How good is an approximate index? Recall@k against exact search, and the time it costs.

An approximate index (HNSW, IVF) is only worth its speed if it still finds the
true nearest passages: measure before switching `index_type` for a corpus.
The benchmark prints these figures; the tests assert a floor on them.
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
    hnsw_ef_search, ivf_nlist (0: ~4*sqrt(n)), ivf_nprobe. IVF is always trained
    here, even on a corpus the index would still search exactly. Times are per
    query, one query at a time on one thread (the latency a user waits), in
    milliseconds; build_s is the approximate index's build time in seconds.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    vectors = as_unit_rows(vectors, dim, "vectors")
    queries = as_unit_rows(queries, dim, "queries")
    ids = np.arange(len(vectors), dtype=np.int64)
    k = min(k, len(vectors))
    exact_params = ann.AnnParams(index_type="flat")
    try:
        approx_params = ann.AnnParams(index_type=index_type, **params)
    except TypeError as exc:
        raise InvalidInput(f"measure_recall: {exc}; known tuning names are those of PassageIndex.open") from None

    exact, exact_state = ann.build(exact_params, vectors, ids)
    started = time.perf_counter()
    approx, approx_state = ann.build(approx_params, vectors, ids, force=True)
    build_s = time.perf_counter() - started

    truth, exact_ms = _timed_search(exact, exact_state, exact_params, queries, k)
    found, approx_ms = _timed_search(approx, approx_state, approx_params, queries, k)
    hits = sum(len(set(t) & set(f[f >= 0])) for t, f in zip(truth, found))
    return {
        "index_type": index_type,
        "params": {**approx_params.build_fingerprint(), **_search_params(approx_params, approx_state)},
        "vectors": len(vectors),
        "dim": dim,
        "queries": len(queries),
        "k": k,
        f"recall@{k}": hits / (k * len(queries)),
        "recall": hits / (k * len(queries)),
        "exact_ms_per_query": exact_ms,
        "approx_ms_per_query": approx_ms,
        "build_s": build_s,
    }


def _search_params(params: ann.AnnParams, state: ann.AnnState) -> dict:
    if state.kind == "hnsw":
        return {"hnsw_ef_search": params.hnsw_ef_search}
    if state.kind == "ivf":
        return {"ivf_nlist_used": state.nlist, "ivf_nprobe": params.ivf_nprobe}
    return {}


def _timed_search(index, state, params, queries, k):
    # One OpenMP thread while timing: a server answers one query per request and
    # gets its parallelism from concurrent requests; and waking a thread pool for
    # a single query costs more than the query on a busy machine (8 ms vs 0.1 ms
    # measured on 2 shared cores), which would drown the figure being measured.
    faiss = ann.faiss_module()
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        rows = []
        started = time.perf_counter()
        for query in queries:
            rows.append(ann.search(index, state, params, query[None, :], k)[1][0])
        elapsed_ms = (time.perf_counter() - started) * 1000
    finally:
        faiss.omp_set_num_threads(threads)
    return np.stack(rows), elapsed_ms / max(len(queries), 1)
