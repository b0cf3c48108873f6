"""Retrievers under evaluation, as full score matrices (claims x items).

Base retrievers, the service's own pieces:
- lexical: bm25s over `service.retrieve.text.words` (accent folding, stop
  words, Snowball stemming in the text's language), as `LexicalIndex`;
- dense: the service's embedder, cosine of "query: " claims and "passage: "
  texts;
- hybrid (the service): each retriever's top 50 sentences fused by
  `service.retrieve.hybrid.fuse` (reciprocal rank fusion, k = 60).

Documents (SciFact abstracts) are scored two ways from the same models:
"doc" embeds or indexes the title and abstract as one text (the embedder cuts
it at 512 tokens), "sent-max" scores every sentence and gives the document
its best sentence's score. Fusion variants combine those four document
signals by weighted reciprocal rank fusion (score = sum of w / (k + rank),
a retriever's unretrieved items contributing nothing) or by a weighted sum
of per-claim z-scored scores ("convex"). Every variant names its
parameters; the tuned ones are chosen on SciFact's train claims only.

Stance re-scoring: the top N documents of a variant are re-scored with the
stance model's P(entailment) + P(contradiction) on (title + the document's
best sentence for the claim, claim): score = min-max(fused within the top
N) + lambda * that probability.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from lab.evaluate.datasets import Claim, RetrievalSet
from lab.evaluate.metrics import ndcg_at_k
from service.retrieve.hybrid import RRF_K
from service.retrieve.text import words
from service.stance.pairs import with_context

DEPTH = 100  # items kept per claim and ranking (recall@100 is the deepest figure)
SERVICE_WIDE = 50  # candidates per retriever the service fuses (service.verify.WIDE)
CHUNK = 64  # claims per block of sentence scores: bounds memory on 46k-sentence corpora
DOC_SIGNALS = ("lexical-doc", "lexical-sent-max", "dense-doc", "dense-sent-max")
TUNE_K = (10, 30, 60)
TUNE_WEIGHTS = (0.0, 0.5, 1.0, 2.0)
RESCORE_LAMBDAS = (0.25, 0.5, 1.0)
DECLARED_LAMBDA = 0.5  # the re-scoring weight named before any dev figure was seen; the others are reported too


# ---------------------------------------------------------------- pure fusion functions

def rank_matrix(scores: np.ndarray, sparse: bool = False) -> np.ndarray:
    """1-based ranks per row, best first; inf where a sparse (lexical) retriever scored <= 0 (not retrieved)."""
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty(scores.shape, dtype=np.float64)
    rows = np.arange(scores.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, scores.shape[1] + 1, dtype=np.float64)[None, :]
    if sparse:
        ranks[scores <= 0] = np.inf
    return ranks


def rrf(ranks: list[np.ndarray], weights: list[float], k: float = RRF_K, depth: int | None = None) -> np.ndarray:
    """Weighted reciprocal rank fusion: sum of w / (k + rank) over retrievers that retrieved the item
    (within its first `depth` when given)."""
    out = np.zeros(ranks[0].shape, dtype=np.float64)
    for r, w in zip(ranks, weights):
        if w == 0:
            continue
        contrib = w / (k + r)  # inf rank -> 0
        if depth is not None:
            contrib = np.where(r <= depth, contrib, 0.0)
        out += contrib
    return out


def zscore(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    std = scores.std(axis=1, keepdims=True)
    return (scores - scores.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1.0)


def convex(scores: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """Weighted sum of per-claim z-scored scores."""
    out = np.zeros(scores[0].shape, dtype=np.float64)
    for s, w in zip(scores, weights):
        if w:
            out += w * zscore(s)
    return out


def top_ids(scores: np.ndarray, ids: list[str], n: int = DEPTH, retrieved: np.ndarray | None = None) -> list[list[str]]:
    """The n best ids per row, best first; items where `retrieved` is False are left out."""
    scores = np.asarray(scores, dtype=np.float64)
    if retrieved is not None:
        scores = np.where(retrieved, scores, -np.inf)
    n = min(n, scores.shape[1])
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    out = []
    for q in range(scores.shape[0]):
        idx = part[q][np.argsort(-scores[q, part[q]], kind="stable")]
        out.append([ids[i] for i in idx if np.isfinite(scores[q, i])])
    return out


def doc_max(unit_scores: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per-document maximum over its units (units grouped by document, `starts` the first unit of each)."""
    return np.maximum.reduceat(unit_scores, starts, axis=1)


# ---------------------------------------------------------------- base retrievers

class Bm25:
    """bm25s over our `words`, scoring every item for a claim (the service keeps its top k)."""

    def __init__(self, texts: list[str], language: str = "en"):
        import bm25s

        self.n = len(texts)
        self.bm25 = bm25s.BM25()
        self.bm25.index([words(t, language) or ["\u2205"] for t in texts], show_progress=False)

    def scores(self, claims: list[str], language: str = "en") -> np.ndarray:
        out = np.zeros((len(claims), self.n), dtype=np.float32)
        for i, claim in enumerate(claims):
            known = [w for w in words(claim, language) if w in self.bm25.vocab_dict]
            if known:
                out[i] = self.bm25.get_scores(known)
        return out


@dataclass
class Scored:
    """One claim set's scores over a retrieval set."""

    claims: list[Claim]
    doc: dict  # signal name -> (claims, docs) matrix
    unit_rankings: dict  # retriever name -> list of top unit-id lists
    service_candidates: list  # per claim, the service's fused candidates (service.retrieve.hybrid.Candidate)


class Retrievers:
    def __init__(self, rset: RetrievalSet, cache, use: tuple[str, ...] = ("lexical", "dense", "hybrid"), log=print):
        self.rset, self.cache, self.log = rset, cache, log
        self.lexical = "lexical" in use or "hybrid" in use
        self.dense = "dense" in use or "hybrid" in use
        self.hybrid = "hybrid" in use
        self.unit_ids = [u.id for u in rset.units]
        self.doc_ids = [d.id for d in rset.docs]
        unit_texts = [u.text for u in rset.units]
        doc_texts = [with_context(d.title, " ".join(d.sentences)) for d in rset.docs]
        sizes = np.array([len(d.sentences) for d in rset.docs])
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        if self.lexical:
            log(f"{rset.name}: BM25 over {len(unit_texts)} sentences" + (f" and {len(doc_texts)} documents" if rset.doc_level else ""))
            self.bm25_units = Bm25(unit_texts, rset.language)
            self.bm25_docs = Bm25(doc_texts, rset.language) if rset.doc_level else None
        if self.dense:
            self.unit_vectors = cache.passages(unit_texts, label=f"{rset.name} sentences")
            self.doc_vectors = cache.passages(doc_texts, label=f"{rset.name} documents") if rset.doc_level else None

    def score(self, claims: list[Claim], keep_units: bool = True, label: str = "claims") -> Scored:
        texts = [c.text for c in claims]
        qv = self.cache.queries(texts, label=f"{self.rset.name} {label}") if self.dense else None
        doc: dict[str, list] = {}
        rankings: dict[str, list] = {"lexical": [], "dense": [], "hybrid": [], "hybrid-full-depth": []}
        candidates: list = []
        for at in range(0, len(claims), CHUNK):
            block = slice(at, at + CHUNK)
            lex = self.bm25_units.scores(texts[block], self.rset.language) if self.lexical else None
            den = qv[block] @ self.unit_vectors.T if self.dense else None
            if self.rset.doc_level:
                if lex is not None:
                    lex_doc = self.bm25_docs.scores(texts[block], self.rset.language)
                    doc.setdefault("lexical-doc", []).append(lex_doc)
                    doc.setdefault("lexical-sent-max", []).append(doc_max(lex, self.starts))
                if den is not None:
                    doc.setdefault("dense-doc", []).append(qv[block] @ self.doc_vectors.T)
                    doc.setdefault("dense-sent-max", []).append(doc_max(den, self.starts))
            if self.hybrid:
                full = rrf([rank_matrix(lex, sparse=True), rank_matrix(den)], [1.0, 1.0], RRF_K)
                if self.rset.doc_level:
                    doc.setdefault("hybrid-sent-max", []).append(doc_max(full, self.starts))
                if keep_units:
                    rankings["hybrid-full-depth"] += top_ids(full, self.unit_ids)
                if keep_units:
                    cands = [service_fuse(lex[i], den[i], self.rset, self.unit_ids) for i in range(len(texts[block]))]
                    candidates += cands
                    rankings["hybrid"] += [[self.unit_ids[c.hit.passage_id] for c in cs] for cs in cands]
            if keep_units and lex is not None:
                rankings["lexical"] += top_ids(lex, self.unit_ids, retrieved=lex > 0)
            if keep_units and den is not None:
                rankings["dense"] += top_ids(den, self.unit_ids)
        return Scored(claims, {k: np.concatenate(v) for k, v in doc.items()},
                      {k: v for k, v in rankings.items() if v}, candidates)


def service_fuse(lex_row: np.ndarray, dense_row: np.ndarray, rset: RetrievalSet, unit_ids: list[str],
                 wide: int = SERVICE_WIDE):
    """The service's hybrid step on one claim: each retriever's top `wide`, fused by `fuse`."""
    from service.retrieve.hybrid import fuse

    dense_idx = _top(dense_row, wide)
    lex_idx = [i for i in _top(lex_row, wide) if lex_row[i] > 0]
    dense_hits = [make_hit(rset, i, float(dense_row[i]), r) for r, i in enumerate(dense_idx, 1)]
    lex_hits = [make_hit(rset, i, float(lex_row[i]), r) for r, i in enumerate(lex_idx, 1)]
    fused = fuse(dense_hits, lex_hits, 2 * wide)
    for c in fused:  # as the service's retriever does: every candidate's cosine, for the verdict model
        c.cosine = float(dense_row[c.hit.passage_id])
    return fused


def _top(row: np.ndarray, n: int) -> list[int]:
    n = min(n, len(row))
    part = np.argpartition(-row, n - 1)[:n]
    return [int(i) for i in part[np.argsort(-row[part], kind="stable")]]


def make_hit(rset: RetrievalSet, i: int, score: float, rank: int):
    """A service Hit for unit i: the sentence with its neighbours and its document as the article."""
    from service.index.records import ArticleRef, Hit
    from service.ingest.article import Passage

    u = rset.units[i]
    prev_text = rset.units[i - 1].text if i > 0 and rset.units[i - 1].doc == u.doc else ""
    next_text = rset.units[i + 1].text if i + 1 < len(rset.units) and rset.units[i + 1].doc == u.doc else ""
    passage = Passage(u.doc, u.position, u.text, 0, len(u.text), u.language, prev_text, next_text)
    article = ArticleRef(u.doc, u.title, rset.name, None, None, u.language)
    return Hit(i, passage, article, score, rank)


# ---------------------------------------------------------------- document-level variants

@dataclass
class Variant:
    name: str
    family: str  # lexical, dense or hybrid
    params: dict
    scores: np.ndarray  # (claims, docs)
    retrieved: np.ndarray | None = None


def base_variants(doc: dict) -> list[Variant]:
    out = []
    for name in DOC_SIGNALS:
        if name in doc:
            fam = name.split("-")[0]
            out.append(Variant(name, fam, {"aggregate": "max over sentences" if "sent" in name else
                                           "title + abstract, cut at 512 tokens" if fam == "dense" else
                                           "title + abstract"}, doc[name],
                               doc[name] > 0 if fam == "lexical" else None))
    return out


def fused_variants(doc: dict, tuned: dict | None = None) -> list[Variant]:
    """Hybrid variants with explicit parameters; `tuned`: {"rrf": {...}, "convex": {...}} from `tune`."""
    if not all(s in doc for s in DOC_SIGNALS):
        return []
    ranks = {s: rank_matrix(doc[s], sparse=s.startswith("lexical")) for s in DOC_SIGNALS}
    out = []
    if "hybrid-sent-max" in doc:
        out.append(Variant("hybrid-sent-max", "hybrid",
                           {"fusion": "rrf over sentences (lexical + dense, k=60, full depth)", "aggregate": "max"},
                           doc["hybrid-sent-max"]))
    out.append(Variant("rrf-doc", "hybrid", {"fusion": "rrf", "k": RRF_K, "weights": {"lexical-doc": 1, "dense-doc": 1}},
                       rrf([ranks["lexical-doc"], ranks["dense-doc"]], [1, 1], RRF_K)))
    out.append(Variant("rrf-sent-max", "hybrid",
                       {"fusion": "rrf", "k": RRF_K, "weights": {"lexical-sent-max": 1, "dense-sent-max": 1}},
                       rrf([ranks["lexical-sent-max"], ranks["dense-sent-max"]], [1, 1], RRF_K)))
    out.append(Variant("rrf-4", "hybrid", {"fusion": "rrf", "k": RRF_K, "weights": dict.fromkeys(DOC_SIGNALS, 1)},
                       rrf([ranks[s] for s in DOC_SIGNALS], [1] * 4, RRF_K)))
    out.append(Variant("convex-4", "hybrid", {"fusion": "convex (z-scores)", "weights": dict.fromkeys(DOC_SIGNALS, 1)},
                       convex([doc[s] for s in DOC_SIGNALS], [1] * 4)))
    for kind, params in (tuned or {}).items():
        w = [params["weights"][s] for s in DOC_SIGNALS]
        scores = rrf([ranks[s] for s in DOC_SIGNALS], w, params["k"]) if kind == "rrf" else \
            convex([doc[s] for s in DOC_SIGNALS], w)
        out.append(Variant(f"{kind}-4-tuned", "hybrid", dict(params, fusion=kind if kind == "rrf" else "convex (z-scores)"),
                           scores))
    return out


def _weight_grid():
    seen = set()
    for w in itertools.product(TUNE_WEIGHTS, repeat=len(DOC_SIGNALS)):
        if not any(w):
            continue
        m = max(w)
        key = tuple(round(x / m, 6) for x in w)  # (1,1,1,1) and (2,2,2,2) rank alike
        if key not in seen:
            seen.add(key)
            yield w


def mean_ndcg(scores: np.ndarray, doc_ids: list[str], claims: list[Claim], k: int = 10) -> float:
    top = top_ids(scores, doc_ids, k)
    vals = [ndcg_at_k(t, c.relevant_docs, k) for t, c in zip(top, claims) if c.relevant_docs]
    return sum(vals) / len(vals) if vals else math.nan


def tune(doc: dict, doc_ids: list[str], claims: list[Claim], log=print) -> dict:
    """Grid search of the four-signal fusions' weights (and RRF's k) for nDCG@10 on `claims` (train only)."""
    ranks = {s: rank_matrix(doc[s], sparse=s.startswith("lexical")) for s in DOC_SIGNALS}
    zs = {s: zscore(doc[s]) for s in DOC_SIGNALS}
    best = {"rrf": (-1.0, None), "convex": (-1.0, None)}
    grid = list(_weight_grid())
    for w in grid:
        for k in TUNE_K:
            v = mean_ndcg(rrf([ranks[s] for s in DOC_SIGNALS], list(w), k), doc_ids, claims)
            if v > best["rrf"][0]:
                best["rrf"] = (v, {"k": k, "weights": dict(zip(DOC_SIGNALS, w))})
        fused = sum(wi * zs[s] for wi, s in zip(w, DOC_SIGNALS) if wi)
        v = mean_ndcg(fused, doc_ids, claims)
        if v > best["convex"][0]:
            best["convex"] = (v, {"weights": dict(zip(DOC_SIGNALS, w))})
    out = {}
    for kind, (v, params) in best.items():
        out[kind] = dict(params, tuned_on=f"{len(claims)} SciFact train claims",
                         train_ndcg_at_10=round(v, 4), grid=f"weights in {TUNE_WEIGHTS}" +
                         (f", k in {TUNE_K}" if kind == "rrf" else "") + f" ({len(grid)} weight vectors)")
        log(f"tuned {kind}: {params} (train nDCG@10 {v:.4f})")
    return out


def stance_rescore(base: Variant, rset: RetrievalSet, retr: Retrievers, claims: list[Claim], stance,
                   top_n: int = 20, lambdas=RESCORE_LAMBDAS, log=print) -> list[Variant]:
    """Re-score each claim's top_n documents of `base` with the stance model (see the module docstring)."""
    if not retr.dense:
        return []
    qv = retr.cache.queries([c.text for c in claims], label=f"{rset.name} claims")
    n = min(top_n, base.scores.shape[1])
    tops = np.argsort(-base.scores, axis=1, kind="stable")[:, :n]
    pairs, where = [], []
    for q, c in enumerate(claims):
        for d in tops[q]:
            s0, s1 = retr.starts[d], retr.starts[d] + len(rset.docs[d].sentences)
            best = s0 + int(np.argmax(retr.unit_vectors[s0:s1] @ qv[q]))
            pairs.append((with_context(rset.docs[d].title, rset.units[best].text), c.text))
            where.append((q, d))
    log(f"stance re-scoring: {len(pairs)} (best sentence, claim) pairs through the stance model")
    probs = stance.predict(pairs)
    relevance = np.zeros(base.scores.shape)
    for (q, d), p in zip(where, probs):
        relevance[q, d] = float(p[0] + p[2])
    out = []
    for lam in lambdas:
        scores = np.full(base.scores.shape, -np.inf)
        for q in range(len(claims)):
            b = base.scores[q, tops[q]]
            span = b.max() - b.min()
            norm = (b - b.min()) / span if span > 0 else np.ones_like(b)
            scores[q, tops[q]] = norm + lam * relevance[q, tops[q]]
            # Below the re-scored top, keep the base order.
            rest = np.setdiff1d(np.arange(base.scores.shape[1]), tops[q])
            order = rest[np.argsort(-base.scores[q, rest], kind="stable")]
            scores[q, order] = -1.0 - np.arange(len(order)) / max(1, len(order))
        out.append(Variant(f"{base.name}+stance(λ={lam})", "hybrid",
                           {"base": base.name, "rescored_top": n, "lambda": lam,
                            "score": "minmax(base within top) + lambda * (P(entailment) + P(contradiction))",
                            "premise": "title + the document's sentence closest to the claim (dense)"}, scores))
    return out
