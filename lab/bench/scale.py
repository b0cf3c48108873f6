"""How vector search scales: latency, recall@10 and memory per passage of each
index type (flat, hnsw, ivf, ivfpq) over synthetic corpora of growing size, and
what that predicts for a 10-million-passage archive. IVF-PQ's recall is after
re-ranking its candidates with the exact vectors (the service reads them from
SQLite; here from the corpus in memory), its bytes are the index alone.

The vectors are synthetic because no public corpus of millions of embedded
news passages ships with the project, and the figure wanted is the index's,
not the embedder's. They are not uniform noise: uniform unit vectors in 384
dimensions have no neighbourhood structure, which makes approximate search
look worse than it is on real embeddings (and degenerate clusters make it look
better). See `SyntheticEmbeddings` for the shape and what it was matched to.

Indexes are built and searched with the service's own `ann.build`/`ann.search`
and its configured parameters, one FAISS thread, one query at a time: the
figures are those of the service, not of a tuned FAISS.
"""

from __future__ import annotations

import functools
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT
from service.errors import InvalidInput
from service.index import ann
from lab.bench.recall import profile_index

DIM = 384
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_QUERIES = 500
PROJECTED = 10_000_000
K = 10
MIN_SIZE = 100  # below this, recall@10 and a latency percentile say nothing
INGEST_REPORT = REPO_ROOT / "reports" / "ingest-scifact.json"
# Rows generated at a time: bounds the temporaries (a few 100 MB arrays) whatever
# the corpus size; fixed, because the chunk is also the unit of seeding.
CHUNK = 65_536
# When IVF-PQ is not measured, its projection assumes 48 one-byte codes (the
# service's default pq_m: 8 dimensions per sub-quantizer).
PQ_CODE_BYTES = 48
# Recall below which an approximate index is not recommended at its current parameters.
TARGET_RECALL = 0.9
# Largest log-log slopes the algorithms allow (see _slope): latency, then build time per index type.
LATENCY_SLOPE_CAP = 1.0
BUILD_SLOPE_CAP = {"flat": 1.0, "hnsw": 1.25, "ivf": 1.5, "ivfpq": 1.5}
ORDER = ("flat",) + tuple(t for t in ann.INDEX_TYPES if t != "flat")  # exact first: it gives the truth
# What `run` measures unless told: IVF-PQ is asked for by name (the CLI asks for every type).
DEFAULT_TYPES = ("flat", "hnsw", "ivf")
COLORS = {"flat": "tab:grey", "hnsw": "tab:blue", "ivf": "tab:orange", "ivfpq": "tab:green"}

log_line = functools.partial(print, flush=True)  # progress must show even when piped to a file


class SyntheticEmbeddings:
    """Unit vectors shaped like sentence embeddings, generated in chunks from a seed.

    Each vector is a shared mean direction plus a residual; the residual is a
    cluster's offset plus within-cluster noise, both drawn with a power-law
    variance spectrum in a random basis. The constants were matched to 876 real
    SciFact passage vectors of the service's embedder (multilingual-e5-small):
    norm of the mean vector 0.90 (real 0.90), pairwise cosine 0.81 +- 0.022
    (real 0.81 +- 0.024), participation ratio of the residual spectrum 108
    (real 104), nearest-neighbour cosine 0.89 (real 0.905), at the same size.
    Cluster sizes follow a Zipf law: some topics are covered far more than others.
    Queries lean on a mean direction of their own, as e5's "query: " prefix
    does: the mean of 300 embedded SciFact claims is at cosine 0.98 to the
    passages' mean. That offset makes every query a little out of the
    corpus's distribution, which is what approximate search finds harder.
    Check at equal size (those 876 passages and 300 claims against 876
    synthetic passages and 300 queries, three seeds), with parameters loose
    enough to miss: recall@10 of HNSW at efSearch 10 real 0.83, synthetic
    0.83-0.85; IVF (118 lists) at nprobe 4 / 8 / 16 real 0.40 / 0.56 / 0.74,
    synthetic 0.41-0.45 / 0.57-0.62 / 0.75-0.80.

    Row i of a stream is the same whatever the length asked for (to float
    rounding), so the corpus of each size is a prefix of the larger ones, and
    queries (another stream) are fresh draws, never corpus members.
    """

    CLUSTERS = 2000
    MEAN_SHARE = 0.9  # component along the shared mean direction, before normalising
    SPECTRUM_DECAY = 0.65  # variance of residual axis j ~ j ** -decay
    CLUSTER_SHARE = 0.6  # share of the residual variance between clusters
    ZIPF = 0.5  # cluster weight ~ rank ** -zipf
    QUERY_MEAN_COS = 0.98  # cosine between the queries' and the passages' mean directions
    CORPUS, QUERIES = 1, 2

    def __init__(self, seed: int = 0, dim: int = DIM):
        self.seed, self.dim = seed, dim
        world = np.random.default_rng([seed, 0])
        mean = world.standard_normal(dim)
        self.mean = (mean / np.linalg.norm(mean)).astype(np.float32)
        rotation, _ = np.linalg.qr(world.standard_normal((dim, dim)))
        variance = np.arange(1, dim + 1, dtype=np.float64) ** -self.SPECTRUM_DECAY
        scale = np.sqrt(variance / variance.sum())  # unit expected squared norm
        self.basis = (scale[:, None] * rotation.T).astype(np.float32)
        self.offsets = world.standard_normal((self.CLUSTERS, dim)).astype(np.float32) @ self.basis
        weights = np.arange(1, self.CLUSTERS + 1, dtype=np.float64) ** -self.ZIPF
        self.weights = world.permutation(weights / weights.sum())
        aside = world.standard_normal(dim)
        aside -= (aside @ self.mean) * self.mean
        aside /= np.linalg.norm(aside)
        self.query_mean = (self.QUERY_MEAN_COS * self.mean
                           + math.sqrt(1 - self.QUERY_MEAN_COS**2) * aside).astype(np.float32)

    def describe(self) -> dict:
        return {
            "kind": "gaussian mixture around a shared mean direction, power-law spectrum, Zipf cluster sizes",
            "dim": self.dim, "seed": self.seed, "clusters": self.CLUSTERS, "mean_share": self.MEAN_SHARE,
            "spectrum_decay": self.SPECTRUM_DECAY, "cluster_share": self.CLUSTER_SHARE, "zipf": self.ZIPF,
            "query_mean_cos": self.QUERY_MEAN_COS,
            "nested": "each corpus size is a prefix of the larger ones; queries are separate draws",
        }

    def corpus(self, n: int) -> np.ndarray:
        return self._stream(self.CORPUS, n, self.mean)

    def queries(self, n: int) -> np.ndarray:
        return self._stream(self.QUERIES, n, self.query_mean)

    def _stream(self, stream: int, n: int, mean: np.ndarray) -> np.ndarray:
        out = np.empty((n, self.dim), dtype=np.float32)
        residual = math.sqrt(1 - self.MEAN_SHARE**2)
        between, within = math.sqrt(self.CLUSTER_SHARE), math.sqrt(1 - self.CLUSTER_SHARE)
        for chunk, start in enumerate(range(0, n, CHUNK)):
            rows = min(CHUNK, n - start)
            # Seeded per chunk, not per call: row i never depends on how many rows follow it.
            rng = np.random.default_rng([self.seed, stream, chunk])
            cluster = rng.choice(self.CLUSTERS, size=CHUNK, p=self.weights)[:rows]
            noise = rng.standard_normal((CHUNK, self.dim), dtype=np.float32)[:rows] @ self.basis
            block = self.MEAN_SHARE * mean + residual * (between * self.offsets[cluster] + within * noise)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            out[start:start + rows] = block
        return out


def parse_sizes(text: str) -> list[int]:
    """'10000,100000' (or 10_000) -> sorted distinct sizes; InvalidInput names the bad part."""
    sizes = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            size = int(part)
        except ValueError:
            raise InvalidInput(f"--sizes: {part!r} is not a whole number of passages") from None
        sizes.append(size)
    return _check_sizes(sizes)


def _check_sizes(sizes) -> list[int]:
    sizes = sorted(set(int(s) for s in sizes))
    if not sizes:
        raise InvalidInput("--sizes: give at least one corpus size, e.g. 10000,100000")
    if sizes[0] < MIN_SIZE:
        raise InvalidInput(f"--sizes: {sizes[0]} is too small; each size must be at least {MIN_SIZE} passages")
    return sizes


def read_ingest_report(path: Path) -> dict:
    """The figures of a real ingest, which give the metadata store's share of the disk."""
    path = Path(path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        disk, passages = int(report["index_bytes_on_disk"]), int(report["passages_indexed"])
    except FileNotFoundError:
        raise InvalidInput(f"{path} not found: run `recoupe bench ingest-scifact --out {path}` first, "
                           "or pass --ingest-report") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{path} is not an ingest-scifact report ({type(exc).__name__}: {exc})") from None
    if passages < 1 or disk < 1:
        raise InvalidInput(f"{path} reports {passages} passages and {disk} bytes; both must be positive")
    return {"path": path.name, "disk_bytes": disk, "passages": passages,
            "index_type": report.get("index_type") or "flat", "peak_memory_mb": report.get("peak_memory_mb")}


def run(sizes=DEFAULT_SIZES, queries: int = DEFAULT_QUERIES, *, seed: int = 0,
        out_dir: Path | str = Path("reports") / "scale", ann_settings: dict | None = None,
        force_ivf: bool = False, ingest_report: Path | str = INGEST_REPORT, log=log_line,
        index_types=DEFAULT_TYPES) -> dict:
    """Measure every index type at every size, print the table and the projection,
    write scale.json and scale.png into out_dir, and return what was written.

    ann_settings: the service's tuning (hnsw_m, ivf_nlist, ivf_nprobe, ...), as
    `PassageIndex.from_config` passes it; the `AnnParams` defaults otherwise.
    force_ivf trains IVF (and IVF-PQ) at every size; by default they are what
    the service builds, which searches exactly below ~39 vectors per list.
    index_types: which to measure; flat is always measured first (it is the truth).
    """
    sizes = _check_sizes(sizes)
    if isinstance(queries, bool) or not isinstance(queries, int) or queries < 1:
        raise InvalidInput(f"--queries must be a positive whole number, got {queries!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInput(f"--seed must be a whole number, 0 or more, got {seed!r}")
    unknown = [t for t in index_types if t not in ORDER]
    if unknown:
        raise InvalidInput(f"--types: unknown index type {unknown[0]!r}; known: {', '.join(ORDER)}")
    types = tuple(t for t in ORDER if t == "flat" or t in index_types)
    settings = dict(ann_settings or {})
    try:
        params = {t: ann.AnnParams(index_type=t, **settings) for t in types}
    except TypeError as exc:
        raise InvalidInput(f"unknown index setting: {exc}") from None
    ingest = read_ingest_report(Path(ingest_report))
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create the output folder {out_dir}: {exc.strerror or exc}") from None

    faiss = ann.faiss_module()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    gen = SyntheticEmbeddings(seed)
    started = time.perf_counter()
    log(f"generating {sizes[-1]:,} corpus vectors and {queries} queries ({DIM}-d, seed {seed}) ...")
    corpus, query_rows = gen.corpus(sizes[-1]), gen.queries(queries)
    generate_s = time.perf_counter() - started
    log(f"generated in {generate_s:.1f} s")

    results = []
    for n in sizes:
        vectors = corpus[:n]  # a view: the sizes are nested prefixes
        truth = None
        for index_type in types:
            p = params[index_type]
            log(f"[{n:,}] {index_type}: building ({_describe(p, n, force_ivf)}) ...")
            figures, found = profile_index(p, vectors, query_rows, K, truth=truth,
                                           force=force_ivf and index_type in ("ivf", "ivfpq"))
            if index_type == "flat":
                # The reference the others are scored against: its recall is 1 by definition.
                truth, figures["recall"] = found, 1.0
            row = _row(n, figures)
            results.append(row)
            exact = "" if row["structure"] == index_type else " (searched exactly: too few vectors to train it)"
            log(f"[{n:,}] {index_type}: built in {row['build_s']:.2f} s{exact}, {row['index_bytes'] / 1e6:.1f} MB; "
                f"{queries} queries one at a time: p50 {row['p50_ms']:.3f} ms, p95 {row['p95_ms']:.3f} ms, "
                f"recall@{K} {row[f'recall@{K}']:.3f}")
        del truth

    memory = _memory_per_passage(results, ingest, types)
    projection = _project(results, params, memory, ingest, types)
    report = {
        "what": (f"vector search only (FAISS, {DIM}-d inner product, top {K}), synthetic corpora; "
                 "built and searched with the service's ann.build/ann.search, one thread, one query at a time"),
        "sizes": sizes,
        "queries": queries,
        "k": K,
        "force_ivf": force_ivf,
        "index_types": list(types),
        "service_params": {t: p.build_fingerprint() | _search_fingerprint(p) for t, p in params.items()},
        "generator": gen.describe() | {"generate_s": round(generate_s, 1)},
        "machine": {"cpu_count": os.cpu_count(), "arch": platform.machine(), "faiss": faiss.__version__,
                    "faiss_threads": 1, "load_average_at_start": load},
        "results": results,
        "memory_per_passage": memory,
        "projection": projection,
    }
    json_path, png_path = out_dir / "scale.json", out_dir / "scale.png"
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    plot(report, png_path)
    for line in table_lines(report):
        log(line)
    log(f"wrote {json_path} and {png_path}")
    return report


def _describe(p: ann.AnnParams, n: int, force_ivf: bool) -> str:
    if p.index_type == "hnsw":
        return f"M={p.hnsw_m}, efConstruction={p.hnsw_ef_construction}, efSearch={p.hnsw_ef_search}"
    if p.index_type in ("ivf", "ivfpq"):
        state = ann.plan(p, n, force=force_ivf)
        if state.kind != p.index_type:
            return f"{state.nlist} lists need {ann.min_training(p.index_type, state.nlist):,} vectors: exact, as the service"
        if p.index_type == "ivfpq":
            return (f"nlist={state.nlist}, {p.pq_m}-byte codes, nprobe={ann.pq_probe(p, state.nlist)}, "
                    f"{p.pq_rerank} candidates re-ranked exactly")
        return f"nlist={state.nlist}, nprobe={min(p.ivf_nprobe, state.nlist)}, spherical k-means"
    return "exact inner product"


def _search_fingerprint(p: ann.AnnParams) -> dict:
    return p.search_fingerprint()


def _row(n: int, f: dict) -> dict:
    row = {
        "passages": n,
        "index_type": f["index_type"],
        "structure": f["structure"],
        "params": f["params"],
        "build_s": round(f["build_s"], 6),
        "index_bytes": f["index_bytes"],
        "bytes_per_passage": round(f["index_bytes"] / n, 1),
        "mean_ms": round(f["mean_ms"], 6),
        "p50_ms": round(f["p50_ms"], 6),
        "p95_ms": round(f["p95_ms"], 6),
        f"recall@{K}": round(f["recall"], 4),
    }
    if f.get("note"):
        row["note"] = f["note"]
    return row


def _largest(results, index_type, *, built=False):
    rows = [r for r in results if r["index_type"] == index_type and (not built or r["structure"] == index_type)]
    return max(rows, key=lambda r: r["passages"]) if rows else None


def _memory_per_passage(results, ingest, types=DEFAULT_TYPES) -> dict:
    faiss_part = {}
    for t in types:
        row = _largest(results, t)
        faiss_part[t] = {"bytes": row["bytes_per_passage"], "at_passages": row["passages"],
                         "structure": row["structure"]}
    # The ingest's disk figure includes its own FAISS file: take it out, or the
    # vectors would be counted twice when a FAISS part is added back.
    its_faiss = faiss_part.get(ingest["index_type"], faiss_part["flat"])["bytes"]
    disk_per_passage = ingest["disk_bytes"] / ingest["passages"]
    store = max(0.0, disk_per_passage - its_faiss)
    return {
        "faiss_in_ram": faiss_part,
        "faiss_source": "measured: serialized FAISS index bytes / passages at the largest size, which is what it "
                        "holds in RAM give or take a hash map of ids (IndexIDMap2, flat and hnsw) not in the file",
        "store_on_disk": {"bytes": round(store, 1)},
        "store_source": (f"derived: {ingest['path']} measured {ingest['disk_bytes']:,} bytes on disk for "
                         f"{ingest['passages']:,} real passages ({disk_per_passage:.0f} B each: SQLite with text, "
                         f"context and vector, plus its {ingest['index_type']} FAISS file); minus that FAISS "
                         f"file's {its_faiss:.0f} B/passage measured here"),
        "total_on_disk": {t: round(store + v["bytes"], 1) for t, v in faiss_part.items()},
        "process_peak_memory_mb": ingest["peak_memory_mb"],
    }


def _slope(results, index_type, key):
    """Log-log slope of `key` between the two largest sizes where the index type was really built."""
    rows = sorted((r for r in results if r["index_type"] == index_type and r["structure"] == index_type),
                  key=lambda r: r["passages"])
    if len(rows) < 2:
        return None
    a, b = rows[-2], rows[-1]
    if a[key] <= 0 or b[key] <= 0:
        return None
    # Clamped to what the algorithms allow, so that timer noise on small or busy
    # runs cannot project absurd figures: nothing gets faster as the corpus
    # grows; no search costs more than the linear scan of flat; a flat build is
    # a copy (n), an HNSW build n log n (local slope ~1.1, with margin), an IVF
    # build ~n^1.5 while k-means trains on every vector with nlist ~ sqrt(n).
    slope = math.log(b[key] / a[key]) / math.log(b["passages"] / a["passages"])
    cap = BUILD_SLOPE_CAP[index_type] if key == "build_s" else LATENCY_SLOPE_CAP
    return min(max(0.0, slope), cap)


def _extrapolate(results, index_type, key):
    row, slope = _largest(results, index_type, built=True), _slope(results, index_type, key)
    if row is None or slope is None:
        return None, None
    return row[key] * (PROJECTED / row["passages"]) ** slope, slope


def _project(results, params, memory, ingest, types=DEFAULT_TYPES) -> dict:
    by_type = {}
    for t in types:
        row = _largest(results, t, built=True)
        entry = {"measured_up_to": row["passages"] if row else None}
        bpp = memory["faiss_in_ram"][t]["bytes"]
        entry["ram_bytes"] = round(bpp * PROJECTED)
        for key in ("p50_ms", "p95_ms", "build_s"):
            value, slope = _extrapolate(results, t, key)
            entry[key] = None if value is None else round(value, 3)
            entry[f"{key}_slope"] = None if slope is None else round(slope, 3)
        if entry["p50_ms"] is not None and entry["p95_ms"] is not None:
            entry["p95_ms"] = max(entry["p95_ms"], entry["p50_ms"])  # separate slopes could cross
        entry[f"recall@{K}_at_largest"] = row[f"recall@{K}"] if row else None
        if t in ("ivf", "ivfpq"):
            entry["nlist"] = ann.plan(params[t], PROJECTED).nlist
        by_type[t] = entry
    if "ivfpq" in by_type and by_type["ivfpq"]["measured_up_to"]:
        pq = by_type["ivfpq"]
        ivf_pq = {"ram_bytes": pq["ram_bytes"], "code_bytes": params["ivfpq"].pq_m,
                  "source": f"measured up to {pq['measured_up_to']:,} passages (recall@{K} "
                            f"{pq[f'recall@{K}_at_largest']:.3f} after re-ranking), bytes per passage x 10M"}
    else:
        nlist = ann.auto_nlist(PROJECTED, "ivfpq")
        ivf_pq = {"ram_bytes": PROJECTED * (PQ_CODE_BYTES + 8) + nlist * DIM * 4, "code_bytes": PQ_CODE_BYTES,
                  "source": "derived, not measured (run with --types including ivfpq); recall unknown"}
    projection = {
        "passages": PROJECTED,
        "method": ("memory: bytes per passage at the largest size x 10M; latency and build time: along the "
                   "log-log slope between the two largest sizes where the index type was built (clamped to "
                   "0-1 for latency; for build time to 0-1 flat, 0-1.25 hnsw, 0-1.5 ivf and ivfpq); recall: not "
                   "extrapolated, the figure at the largest size"),
        "vectors_alone_bytes": PROJECTED * DIM * 4,
        "by_index_type": by_type,
        "ivf_pq": ivf_pq,
        "store_on_disk_bytes": round(memory["store_on_disk"]["bytes"] * PROJECTED),
    }
    projection["text"] = _paragraph(projection, params, memory, ingest)
    return projection


def _gb(b) -> str:
    return f"{b / 1e9:.1f} GB"


def _ms(v) -> str:
    if v is None:
        return "unknown"
    return f"{v:.2f} ms" if v < 10 else f"{v:.0f} ms"


def _duration(s) -> str:
    if s is None:
        return "an unknown time"
    if s < 120:
        return f"{s:.1f} s" if s < 10 else f"{s:.0f} s"
    return f"{s / 60:.0f} min" if s < 7200 else f"{s / 3600:.1f} h"


def _paragraph(proj, params, memory, ingest) -> str:
    by = proj["by_index_type"]
    flat, hnsw, ivf, ivfpq = by["flat"], by.get("hnsw"), by.get("ivf"), by.get("ivfpq")
    up_to = max((e["measured_up_to"] or 0) for e in by.values())
    parts = [f"A {PROJECTED:,}-passage archive, extrapolated from synthetic corpora of up to {up_to:,} passages "
             "(re-measure on the real archive before buying hardware)."]
    if up_to * 100 < PROJECTED:
        parts.append("Caution: that is more than two orders of magnitude of extrapolation; the figures are rough.")
    parts.append(f"Exact search (flat) holds {_gb(flat['ram_bytes'])} in RAM (the raw {DIM}-d float32 vectors "
                 f"alone are {_gb(proj['vectors_alone_bytes'])}) and answers in about "
                 f"{_ms(flat['p50_ms'])} per query on one core (p95 {_ms(flat['p95_ms'])}).")
    if hnsw and hnsw["measured_up_to"]:
        hp = params["hnsw"]
        parts.append(f"HNSW (M={hp.hnsw_m}, efSearch={hp.hnsw_ef_search}) needs {_gb(hnsw['ram_bytes'])} (vectors "
                     f"plus graph links) and about {_ms(hnsw['p50_ms'])} per query, with recall@{K} "
                     f"{hnsw[f'recall@{K}_at_largest']:.3f} at {hnsw['measured_up_to']:,} passages (at fixed "
                     f"parameters recall tends to fall as the corpus grows); building it takes about "
                     f"{_duration(hnsw['build_s'])} on one core, and the service rebuilds it after deletions.")
    if ivf and ivf["measured_up_to"]:
        parts.append(f"IVF ({ivf['nlist']:,} lists, nprobe {params['ivf'].ivf_nprobe}) needs "
                     f"{_gb(ivf['ram_bytes'])} and about {_ms(ivf['p50_ms'])} per query, recall@{K} "
                     f"{ivf[f'recall@{K}_at_largest']:.3f} at {ivf['measured_up_to']:,} passages.")
    elif ivf:
        parts.append("IVF was never trained at the measured sizes (the service searches exactly below its "
                     "training threshold), so it has no approximate figures to extrapolate.")
    if ivfpq and ivfpq["measured_up_to"]:
        pp = params["ivfpq"]
        parts.append(f"IVF-PQ ({ivfpq['nlist']:,} lists, {pp.pq_m}-byte codes, nprobe "
                     f"{ann.pq_probe(pp, ivfpq['nlist'])} at that size, "
                     f"{pp.pq_rerank} candidates re-ranked with the stored vectors) needs "
                     f"{_gb(ivfpq['ram_bytes'])} and about {_ms(ivfpq['p50_ms'])} per query, recall@{K} "
                     f"{ivfpq[f'recall@{K}_at_largest']:.3f} at {ivfpq['measured_up_to']:,} passages; building "
                     f"it takes about {_duration(ivfpq['build_s'])} on one core.")
    else:
        parts.append(f"IVF-PQ would shrink the index to about {_gb(proj['ivf_pq']['ram_bytes'])} "
                     f"({PQ_CODE_BYTES}-byte codes; derived here, not measured: run with --types ...,ivfpq).")
    parts.append(f"Whatever the index, the SQLite store takes about {_gb(proj['store_on_disk_bytes'])} on disk "
                 f"({memory['store_on_disk']['bytes'] / 1e3:.1f} kB per passage, derived from the SciFact ingest), "
                 "and each server worker process holds its own copy of the FAISS index in RAM.")
    parts.append(_recommendation(by, memory))
    return " ".join(parts)


def _recommendation(by, memory) -> str:
    built = {t: e for t, e in by.items() if t != "flat" and e["measured_up_to"] and e["p50_ms"] is not None}
    if not built:
        return ("No approximate index could be extrapolated from these sizes: run with at least two sizes "
                "large enough for each index type.")
    good = {t: e for t, e in built.items() if e[f"recall@{K}_at_largest"] >= TARGET_RECALL}
    peak = memory.get("process_peak_memory_mb")
    process = ""
    if peak:
        process = f" plus the process itself ({peak / 1e3:.2f} GB peak in the SciFact ingest, models included)"
    if good:
        t = min(good, key=lambda name: good[name]["p50_ms"])
        e = good[t]
        return (f"Recommended: {t}, with about {_gb(e['ram_bytes'])} of RAM per worker for the index{process}, "
                f"expecting about {_ms(e['p50_ms'])} per vector search (p95 {_ms(e['p95_ms'])}).")
    t = max(built, key=lambda name: built[name][f"recall@{K}_at_largest"])
    return (f"No approximate index reaches recall@{K} {TARGET_RECALL} at the service's parameters; {t} comes "
            f"closest ({built[t][f'recall@{K}_at_largest']:.3f}): raise hnsw_ef_search or ivf_nprobe and re-measure. "
            f"Budget about {_gb(built[t]['ram_bytes'])} of RAM per worker for it{process}.")


def table_lines(report) -> list[str]:
    lines = ["", f"{'passages':>10}  {'index':5}  {'searches':8}  {'build s':>9}  {'index MB':>9}  "
             f"{'B/passage':>9}  {'p50 ms':>8}  {'p95 ms':>8}  {'recall@10':>9}"]
    for r in report["results"]:
        searches = "exact" if r["structure"] == "flat" else r["structure"]
        lines.append(f"{r['passages']:>10,}  {r['index_type']:5}  {searches:8}  {r['build_s']:>9.2f}  "
                     f"{r['index_bytes'] / 1e6:>9.1f}  {r['bytes_per_passage']:>9.0f}  {r['p50_ms']:>8.3f}  "
                     f"{r['p95_ms']:>8.3f}  {r[f'recall@{K}']:>9.3f}")
    if any(r["index_type"] in ("ivf", "ivfpq") and r["structure"] != r["index_type"] for r in report["results"]):
        lines.append("ivf/ivfpq 'exact': too few vectors to train its lists, so the service searches exactly (as shown).")
    m = report["memory_per_passage"]
    lines += ["", "memory per passage:"]
    for t, v in m["faiss_in_ram"].items():
        lines.append(f"  {t:5} FAISS in RAM {v['bytes']:>7.0f} B (measured at {v['at_passages']:,})   "
                     f"on disk with the store {m['total_on_disk'][t]:>7.0f} B")
    lines.append(f"  store (SQLite) {m['store_on_disk']['bytes']:.0f} B on disk per passage: {m['store_source']}")
    p = report["projection"]
    lines += ["", f"projection to {p['passages']:,} passages ({p['method']}):"]
    for t, e in p["by_index_type"].items():
        lines.append(f"  {t:5} RAM {_gb(e['ram_bytes']):>8}   p50 {_ms(e['p50_ms']):>9}   p95 {_ms(e['p95_ms']):>9}   "
                     f"build {_duration(e['build_s'])}")
    lines.append(f"  ivf-pq RAM {_gb(p['ivf_pq']['ram_bytes'])} ({p['ivf_pq']['source']})")
    lines += ["", p["text"], ""]
    return lines


def plot(report, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (lat, rec) = plt.subplots(1, 2, figsize=(10, 4))
    for t in report.get("index_types", DEFAULT_TYPES):
        color = COLORS[t]
        rows = sorted((r for r in report["results"] if r["index_type"] == t), key=lambda r: r["passages"])
        n = [r["passages"] for r in rows]
        lat.plot(n, [r["p50_ms"] for r in rows], marker="o", color=color, label=f"{t} p50")
        lat.plot(n, [r["p95_ms"] for r in rows], linestyle="--", color=color, alpha=0.6, label=f"{t} p95")
        rec.plot(n, [r[f"recall@{K}"] for r in rows], marker="o", color=color, label=t)
        exact = [r for r in rows if r["structure"] != t]
        for ax, key in ((lat, "p50_ms"), (rec, f"recall@{K}")):
            ax.scatter([r["passages"] for r in exact], [r[key] for r in exact], s=70, facecolors="white",
                       edgecolors=color, zorder=3)
    lat.set_xscale("log")
    lat.set_yscale("log")
    lat.set_xlabel("passages (log)")
    lat.set_ylabel("ms per query, 1 thread (log)")
    lat.set_title("search latency", fontsize=10)
    rec.set_xscale("log")
    rec.set_ylim(0, 1.02)
    rec.set_xlabel("passages (log)")
    rec.set_ylabel(f"recall@{K} vs exact")
    rec.set_title(f"recall@{K} against exact search", fontsize=10)
    for ax in (lat, rec):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"synthetic {DIM}-d corpora, {report['queries']} queries, service index parameters; "
                 "hollow markers: IVF searched exactly (too few vectors to train it)", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
