"""Building and querying the FAISS side of the index (flat, HNSW or IVF).

FAISS is imported on first use, not at module import: it costs a third of a
second that commands which never search should not pay.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from service.errors import InvalidInput

INDEX_TYPES = ("flat", "hnsw", "ivf")
# FAISS warns below 39 training points per list: k-means centroids are noise.
# Until the corpus is that big, an IVF index searches exactly instead.
MIN_POINTS_PER_LIST = 39
# k-means samples at most this many points per list anyway; reading more from
# SQLite to train would only cost time.
MAX_POINTS_PER_LIST = 256
# With an automatic nlist, retrain once the corpus has grown this much since
# training: the lists would otherwise hold ever more vectors each.
RETRAIN_GROWTH = 4


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

    def __post_init__(self):
        if self.index_type not in INDEX_TYPES:
            raise InvalidInput(f"index_type must be one of {', '.join(INDEX_TYPES)}, got {self.index_type!r}")
        for name in ("hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "ivf_nprobe"):
            if getattr(self, name) < 1:
                raise InvalidInput(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.ivf_nlist < 0:
            raise InvalidInput(f"ivf_nlist must be 0 (automatic) or positive, got {self.ivf_nlist}")

    def build_fingerprint(self) -> dict:
        """The parameters a stored FAISS file depends on; a change means rebuilding it."""
        if self.index_type == "hnsw":
            return {"index_type": "hnsw", "hnsw_m": self.hnsw_m, "hnsw_ef_construction": self.hnsw_ef_construction}
        if self.index_type == "ivf":
            return {"index_type": "ivf", "ivf_nlist": self.ivf_nlist}
        return {"index_type": "flat"}


@dataclass(frozen=True)
class AnnState:
    """What was actually built, which for IVF may be an exact fallback."""

    kind: str  # "flat", "hnsw" or "ivf": the structure in memory
    nlist: int = 0
    trained_on: int = 0  # corpus size when the IVF was trained
    note: str = ""  # why an approximate index_type is searching exactly, if it is

    def to_dict(self) -> dict:
        return asdict(self)


def auto_nlist(n: int) -> int:
    return max(1, int(round(4 * math.sqrt(n))))


def plan(params: AnnParams, n: int, *, force: bool = False) -> AnnState:
    """Decide the structure for a corpus of n vectors. `force` trains IVF however few there are."""
    if params.index_type != "ivf":
        return AnnState(kind=params.index_type)
    nlist = params.ivf_nlist or auto_nlist(n)
    needed = MIN_POINTS_PER_LIST * nlist
    if force:
        return AnnState(kind="ivf", nlist=min(nlist, max(n, 1)), trained_on=n)
    if n < needed:
        note = (
            f"IVF with {nlist} lists needs at least {needed} vectors to train; {n} stored, "
            "so searches are exact until the corpus grows"
        )
        return AnnState(kind="flat", nlist=nlist, note=note)
    return AnnState(kind="ivf", nlist=nlist, trained_on=n)


def needs_rebuild(state: AnnState, params: AnnParams, n: int) -> bool:
    """True when a corpus of n vectors calls for another structure than the one built."""
    if params.index_type != "ivf":
        return False
    if state.kind == "flat":
        return plan(params, n).kind == "ivf"  # enough vectors to train now
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
    # IndexIDMap2 (not IDMap) so a stored index can reconstruct vectors by id.
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def training_sample_size(state: AnnState, n: int) -> int:
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


def search(index, state: AnnState, params: AnnParams, queries: np.ndarray, k: int, allowed_ids=None):
    """Top-k (scores, ids) rows; ids are -1 past the end. `allowed_ids` restricts the candidates
    inside FAISS (an IDSelector), so the top-k cut happens after the restriction."""
    faiss = faiss_module()
    k = max(1, min(k, index.ntotal))
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
