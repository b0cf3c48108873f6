"""Building and querying the FAISS side of the index (flat, HNSW, IVF or IVF-PQ).

IVF-PQ ("ivfpq") is the index for corpora too large to hold as float32: each
vector is kept as PQ_M one-byte codes of its residual to its list's centroid
(56 bytes a passage with its id, against 1,536 for the vector). Codes rank
candidates only roughly, so a search fetches `pq_rerank` candidates and
re-ranks them with the exact vectors of the store (SQLite holds every vector
anyway): the scores returned are exact inner products, and recall@10 against
exact search stays above 0.95 at a million passages (`recoupe bench scale`).

FAISS is imported on first use, not at module import: it costs a third of a
second that commands which never search should not pay.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from service.errors import InvalidInput

INDEX_TYPES = ("flat", "hnsw", "ivf", "ivfpq")
# FAISS warns below 39 training points per list: k-means centroids are noise.
# Until the corpus is that big, an IVF index searches exactly instead.
MIN_POINTS_PER_LIST = 39
# k-means samples at most this many points per list anyway; reading more from
# SQLite to train would only cost time.
MAX_POINTS_PER_LIST = 256
# With an automatic nlist, retrain once the corpus has grown this much since
# training: the lists would otherwise hold ever more vectors each.
RETRAIN_GROWTH = 4
# IVF-PQ trains on fewer points per list: its lists only route (the codes carry
# the detail and the re-ranking the precision), and k-means over a million points
# would take most of an hour on one core. PQ's own codebooks want 39 points per
# centroid (256 centroids per sub-quantizer).
PQ_POINTS_PER_LIST = 64
PQ_MIN_TRAIN = 39 * 256
# Automatic IVF-PQ probe: this share of the lists, at least PQ_MIN_PROBE.
PQ_PROBE_SHARE = 16
PQ_MIN_PROBE = 32


def pq_probe(params, nlist: int) -> int:
    return min(nlist, params.pq_nprobe or max(PQ_MIN_PROBE, nlist // PQ_PROBE_SHARE))


def faiss_module():
    import faiss  # deferred: see the module docstring

    # One query searches a few thousand to a million vectors: OpenMP threads
    # cost more to wake than they save (8 ms vs 0.1 ms per query measured on
    # two busy cores), and the server runs queries in threads of its own.
    if faiss.omp_get_max_threads() != 1:
        faiss.omp_set_num_threads(1)
    return faiss


@dataclass(frozen=True)
class AnnParams:
    """What the caller chose. Build parameters shape the stored file; search ones do not."""

    index_type: str = "flat"
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 64
    ivf_nlist: int = 0  # 0: ~4*sqrt(n), chosen when training
    ivf_nprobe: int = 16
    # IVF-PQ: sub-quantizers (bytes per code; must divide the dimension), lists probed (0: one
    # list in PQ_PROBE_SHARE, at least PQ_MIN_PROBE), and candidates re-ranked with exact vectors.
    # Measured on synthetic passages: at 200k (447 lists, 100 re-ranked) nprobe 16 / 32 / 64 give
    # recall@10 0.957 / 0.988 / 0.996; at 1M (1,000 lists) the re-ranking depth matters more:
    # nprobe 32 with 100 / 200 / 400 re-ranked gives 0.942 / 0.986 / 0.998 (62 lists: 0.943 /
    # 0.988 / 0.9995). The probe still grows with the lists, for larger corpora.
    pq_m: int = 48
    pq_nprobe: int = 0
    pq_rerank: int = 200

    def __post_init__(self):
        if self.index_type not in INDEX_TYPES:
            raise InvalidInput(f"index_type must be one of {', '.join(INDEX_TYPES)}, got {self.index_type!r}")
        for name in ("hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "ivf_nprobe", "pq_m", "pq_rerank"):
            if getattr(self, name) < 1:
                raise InvalidInput(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.pq_nprobe < 0:
            raise InvalidInput(f"pq_nprobe must be 0 (automatic) or positive, got {self.pq_nprobe}")
        if self.ivf_nlist < 0:
            raise InvalidInput(f"ivf_nlist must be 0 (automatic) or positive, got {self.ivf_nlist}")

    def build_fingerprint(self) -> dict:
        """The parameters a stored FAISS file depends on; a change means rebuilding it."""
        if self.index_type == "hnsw":
            return {"index_type": "hnsw", "hnsw_m": self.hnsw_m, "hnsw_ef_construction": self.hnsw_ef_construction}
        if self.index_type == "ivf":
            return {"index_type": "ivf", "ivf_nlist": self.ivf_nlist}
        if self.index_type == "ivfpq":
            return {"index_type": "ivfpq", "ivf_nlist": self.ivf_nlist, "pq_m": self.pq_m}
        return {"index_type": "flat"}

    def search_fingerprint(self) -> dict:
        """The parameters that change results but not the stored file."""
        if self.index_type == "hnsw":
            return {"hnsw_ef_search": self.hnsw_ef_search}
        if self.index_type == "ivf":
            return {"ivf_nprobe": self.ivf_nprobe}
        if self.index_type == "ivfpq":
            return {"pq_nprobe": self.pq_nprobe, "pq_rerank": self.pq_rerank}
        return {}


@dataclass(frozen=True)
class AnnState:
    """What was actually built, which for IVF may be an exact fallback."""

    kind: str  # "flat", "hnsw", "ivf" or "ivfpq": the structure in memory
    nlist: int = 0
    trained_on: int = 0  # corpus size when the IVF was trained
    note: str = ""  # why an approximate index_type is searching exactly, if it is

    def to_dict(self) -> dict:
        return asdict(self)


def auto_nlist(n: int, index_type: str = "ivf") -> int:
    # IVF-PQ: sqrt(n) lists, fewer than IVF's 4 sqrt(n): training stays minutes at 10M, and the
    # longer lists cost little to scan as 48-byte codes.
    factor = 1 if index_type == "ivfpq" else 4
    return max(1, int(round(factor * math.sqrt(n))))


def min_training(state_or_type, nlist: int) -> int:
    if state_or_type == "ivfpq":
        return max(MIN_POINTS_PER_LIST * nlist, PQ_MIN_TRAIN)
    return MIN_POINTS_PER_LIST * nlist


def plan(params: AnnParams, n: int, *, force: bool = False) -> AnnState:
    """Decide the structure for a corpus of n vectors. `force` trains IVF however few there are."""
    if params.index_type not in ("ivf", "ivfpq"):
        return AnnState(kind=params.index_type)
    kind = params.index_type
    nlist = params.ivf_nlist or auto_nlist(n, kind)
    needed = min_training(kind, nlist)
    if force:
        return AnnState(kind=kind, nlist=min(nlist, max(n, 1)), trained_on=n)
    if n < needed:
        name = "IVF-PQ" if kind == "ivfpq" else "IVF"
        note = (
            f"{name} with {nlist} lists needs at least {needed} vectors to train; {n} stored, "
            "so searches are exact until the corpus grows"
        )
        return AnnState(kind="flat", nlist=nlist, note=note)
    return AnnState(kind=kind, nlist=nlist, trained_on=n)


def needs_rebuild(state: AnnState, params: AnnParams, n: int) -> bool:
    """True when a corpus of n vectors calls for another structure than the one built."""
    if params.index_type not in ("ivf", "ivfpq"):
        return False
    if state.kind == "flat":
        return plan(params, n).kind == params.index_type  # enough vectors to train now
    return params.ivf_nlist == 0 and n > RETRAIN_GROWTH * max(state.trained_on, 1)


def new_index(state: AnnState, params: AnnParams, dim: int):
    """An empty index with our own int64 ids (the SQLite passage ids)."""
    faiss = faiss_module()
    if state.kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dim, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = params.hnsw_ef_construction
        return faiss.IndexIDMap2(hnsw)
    if state.kind == "ivf":
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quantizer, dim, state.nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.spherical = True  # unit centroids: the right k-means for inner-product search
        return ivf
    if state.kind == "ivfpq":
        if dim % params.pq_m:
            raise InvalidInput(f"pq_m must divide the vector size {dim}, got {params.pq_m}")
        # L2 on unit vectors ranks exactly like inner product, and PQ of L2 residuals is what
        # FAISS tunes: at 200k synthetic passages, recall@10 after re-ranking 0.988 (L2) vs 0.923 (IP).
        quantizer = faiss.IndexFlatL2(dim)
        ivfpq = faiss.IndexIVFPQ(quantizer, dim, state.nlist, params.pq_m, 8, faiss.METRIC_L2)
        # No precomputed distance tables: they cost nlist * pq_m * 1 kB of RAM (49 B a passage at 1M)
        # and were slower here besides (1.4 vs 2.6 ms a query at 200k passages, nprobe 32).
        ivfpq.use_precomputed_table = -1
        return ivfpq
    # IndexIDMap2 (not IDMap) so a stored index can reconstruct vectors by id.
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def training_sample_size(state: AnnState, n: int) -> int:
    if state.kind == "ivfpq":
        return min(n, max(PQ_POINTS_PER_LIST * state.nlist, PQ_MIN_TRAIN))
    return 0 if state.kind != "ivf" else min(n, MAX_POINTS_PER_LIST * state.nlist)


def build(params: AnnParams, vectors: np.ndarray, ids: np.ndarray, *, force: bool = False):
    """Build a filled index from vectors in memory. Returns (index, state)."""
    state = plan(params, len(vectors), force=force)
    index = new_index(state, params, vectors.shape[1])
    take = training_sample_size(state, len(vectors))
    if take:
        rows = np.random.default_rng(0).choice(len(vectors), size=take, replace=False)
        index.train(vectors[np.sort(rows)])
    if len(vectors):
        index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
    return index, state


def search(index, state: AnnState, params: AnnParams, queries: np.ndarray, k: int, allowed_ids=None,
           exact_vectors=None):
    """Top-k (scores, ids) rows; ids are -1 past the end. `allowed_ids` restricts the candidates
    inside FAISS (an IDSelector), so the top-k cut happens after the restriction.

    IVF-PQ needs `exact_vectors(ids) -> (len(ids), dim) array`, the stored vectors: it fetches
    `pq_rerank` candidates by their codes and returns the k best by exact inner product."""
    faiss = faiss_module()
    k = max(1, min(k, index.ntotal))
    if state.kind == "ivfpq":
        if exact_vectors is None:
            raise ValueError("an IVF-PQ search needs the exact vectors to re-rank its candidates")
        fetch = min(index.ntotal, max(k, params.pq_rerank))
        search_params = faiss.SearchParametersIVF(nprobe=pq_probe(params, state.nlist))
        selector = None
        if allowed_ids is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed_ids, dtype=np.int64))
            search_params.sel = selector
        _, ids = index.search(queries, fetch, params=search_params)
        del selector
        return rerank(queries, ids, k, exact_vectors)
    selector = None
    if allowed_ids is not None:
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed_ids, dtype=np.int64))
    if state.kind == "hnsw":
        # efSearch below k would cap the result list; raising it with k keeps recall for over-fetches.
        search_params = faiss.SearchParametersHNSW(efSearch=max(params.hnsw_ef_search, k))
    elif state.kind == "ivf":
        search_params = faiss.SearchParametersIVF(nprobe=min(params.ivf_nprobe, state.nlist))
    else:
        search_params = faiss.SearchParameters() if selector is not None else None
    if selector is not None:
        search_params.sel = selector
    scores, ids = index.search(queries, k, params=search_params)
    del selector  # kept alive until here: search_params only holds a raw pointer to it
    return scores, ids


def rerank(queries: np.ndarray, candidates: np.ndarray, k: int, exact_vectors):
    """The k best of each row of candidate ids by exact inner product (ties: lower id first)."""
    wanted = np.unique(candidates[candidates >= 0])
    vectors = exact_vectors(wanted) if len(wanted) else np.empty((0, queries.shape[1]), dtype=np.float32)
    row_of = {int(pid): i for i, pid in enumerate(wanted)}
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    ids = np.full((len(queries), k), -1, dtype=np.int64)
    for q, row in enumerate(candidates):
        found = row[row >= 0]
        if not len(found):
            continue
        exact = vectors[[row_of[int(i)] for i in found]] @ queries[q]
        order = np.lexsort((found, -exact))[:k]
        scores[q, : len(order)], ids[q, : len(order)] = exact[order], found[order]
    return scores, ids
