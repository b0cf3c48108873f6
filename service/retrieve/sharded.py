"""Hybrid retrieval over shards: scatter one query to every shard, gather, merge, fuse.

Each shard returns its own top k, dense and lexical (service/retrieve/shards.py).
The global top k of either list is among the union of the shards' top k, so
merging them by score, best first, gives the single index's lists; equal scores
are ordered as the single index orders them (see `merge`). Fusion then runs on the merged lists exactly as for
one index (`hybrid.fuse`), so a sharded server and `recoupe serve` hand the
stance model the same candidates.

`shards` are callables `search(vectors, claims, languages, k, **filters) ->
[ShardResult per claim]`: a `Shard` in this process, or a handle to a shard
replica of a cluster (service/cluster/).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from service.retrieve.hybrid import fuse


def merge(lists, k: int, *, ties: str = "ascending") -> list:
    """Several best-first hit lists -> the top k, best first, ranks renumbered.

    Equal scores (the same sentence in several articles) are ordered as one index
    orders them: BM25 (lexical.bm25_search) keeps and lists the lower passage ids
    first ("ascending"); a flat FAISS index keeps the lower ids at the k-th score
    but lists equal scores by descending id ("descending")."""
    pooled = [hit for hits in lists for hit in hits]
    pooled.sort(key=lambda h: (-h.score, h.passage_id))
    top = pooled[:k]
    if ties == "descending":
        top.sort(key=lambda h: (-h.score, -h.passage_id))
    return [replace(hit, rank=r) for r, hit in enumerate(top, 1)]


class ShardedRetriever:
    def __init__(self, embedder, shards: list, *, parallel: bool = True):
        self.embedder = embedder
        self.shards = list(shards)
        self._pool = ThreadPoolExecutor(max_workers=len(self.shards)) if parallel and len(self.shards) > 1 else None

    def retrieve(self, claim: str, k: int, claim_language: str, **filters):
        return self.retrieve_many([claim], k, [claim_language], **filters)[0]

    def retrieve_many(self, claims: list[str], k: int, claim_languages: list[str], **filters):
        """As HybridRetriever.retrieve_many: the claims' languages are the caller's (detected once)."""
        if len(claim_languages) != len(claims):
            raise ValueError("one language per claim")
        vectors = self.embedder.encode_queries(claims)
        languages = list(claim_languages)
        per_shard = self.scatter(vectors, claims, languages, k, **filters)
        out = []
        for i in range(len(claims)):
            results = [shard_results[i] for shard_results in per_shard]
            dense = merge([r.dense for r in results], k, ties="descending")
            lexical = merge([r.lexical for r in results], k)
            cosines = {h.passage_id: c for r in results for h, c in zip(r.lexical, r.lexical_cosines)}
            candidates = fuse(dense, lexical, k)
            for c in candidates:
                c.cosine = float(c.dense_score) if c.dense_score is not None else cosines[c.hit.passage_id]
            out.append(candidates)
        return out

    def scatter(self, vectors, claims, claim_languages, k, **filters) -> list:
        """Every shard's results (one list per shard, one ShardResult per claim). `filters` may hold a
        `languages` filter (the evidence's languages): the claims' own are `claim_languages`."""
        def ask(shard):
            return shard(vectors, claims, claim_languages, k, **filters)

        if self._pool is None:
            return [ask(s) for s in self.shards]
        return list(self._pool.map(ask, self.shards))
