"""Dense + lexical candidates fused by reciprocal rank.

Dense retrieval finds paraphrases and the other language; BM25 finds exact
names and numbers ("189 millions") that embeddings blur. Reciprocal rank
fusion needs no score calibration between the two, which matters because
e5 cosines sit in a narrow band (unrelated pairs score ~0.8).
"""

from __future__ import annotations

from dataclasses import dataclass

from service.retrieve.lexical import LexicalIndex

RRF_K = 60  # the constant of Cormack et al. (2009); flattens the top ranks


@dataclass
class Candidate:
    hit: object  # service.index.records.Hit (passage + article)
    fused: float
    dense_score: float | None
    lexical_score: float | None
    dense_rank: int | None
    lexical_rank: int | None
    cosine: float | None = None  # claim/passage cosine, also for lexical-only hits (the verdict model reads it)


class HybridRetriever:
    """Candidates for claims whose language the caller has detected (the Verifier, once per claim):
    BM25 stems a claim in its language."""

    def __init__(self, corpus):
        self.corpus = corpus
        self.lexical = LexicalIndex(corpus.index)

    @property
    def embedder(self):
        return self.corpus.embedder

    def retrieve(self, claim: str, k: int, claim_language: str, **filters) -> list[Candidate]:
        return self.retrieve_many([claim], k, [claim_language], **filters)[0]

    def retrieve_many(self, claims: list[str], k: int, claim_languages: list[str],
                      **filters) -> list[list[Candidate]]:
        """filters: languages, sources, date_from, date_to, as for PassageIndex.search."""
        vectors = self.corpus.embedder.encode_queries(claims)
        dense = self.corpus.index.search_many(vectors, k, **filters)
        out = []
        for i, (claim, lang) in enumerate(zip(claims, claim_languages, strict=True)):
            lexical = self.lexical.search(claim, lang, k, **filters)
            out.append(_with_cosines(fuse(dense[i], lexical, k), vectors[i], self.corpus.index))
        return out


def _with_cosines(candidates: list[Candidate], query, index) -> list[Candidate]:
    """Every candidate's cosine: a dense hit has it; a lexical-only one gets it from its stored vector.
    A lexical-only passage deleted by another request since the search is dropped: it is no longer
    in the corpus, so it is no longer evidence."""
    missing = [c for c in candidates if c.dense_score is None]
    if missing:
        vectors = index.vectors_found([c.hit.passage_id for c in missing])
        gone = {c.hit.passage_id for c in missing if c.hit.passage_id not in vectors}
        for c in missing:
            if c.hit.passage_id in vectors:
                c.cosine = float(vectors[c.hit.passage_id] @ query)
        candidates = [c for c in candidates if c.hit.passage_id not in gone]
    for c in candidates:
        if c.dense_score is not None:
            c.cosine = float(c.dense_score)
    return candidates


def fuse(dense, lexical, k: int) -> list[Candidate]:
    merged: dict[int, Candidate] = {}
    for rank, hit in enumerate(dense, 1):
        merged[hit.passage_id] = Candidate(hit, 1 / (RRF_K + rank), hit.score, None, rank, None)
    for rank, hit in enumerate(lexical, 1):
        c = merged.get(hit.passage_id)
        if c is None:
            merged[hit.passage_id] = Candidate(hit, 1 / (RRF_K + rank), None, hit.score, None, rank)
        else:
            c.fused += 1 / (RRF_K + rank)
            c.lexical_score, c.lexical_rank = hit.score, rank
    return sorted(merged.values(), key=lambda c: -c.fused)[:k]
