"""Verify a claim: retrieve wide, dedupe, run the stance model on the best
candidates, check quantities and dates, decide. The one function behind
`POST /v1/verify`, `recoupe verify` and `recoupe check`."""

from __future__ import annotations

import time

from service.corpus import Corpus, open_corpus
from service.errors import InvalidInput
from service.ingest.language import detect_language
from service.retrieve.hybrid import HybridRetriever
from service.stance.data import with_context
from service.verdict import dedupe
from service.verdict.decide import about_same_subject, decide, stance_of, subject_words
from service.verdict.quantities import compare
from service.verdict.relevance import on_topic
from service.verdict.types import Evidence, Source, Verification

MAX_CLAIM_CHARS = 1000
WIDE = 50  # candidates retrieved per claim before the stance model sees the best top_k


class Verifier:
    def __init__(self, corpus: Corpus, stance_model):
        self.corpus = corpus
        self.stance = stance_model
        self.retriever = HybridRetriever(corpus)

    def verify(self, claim: str, top_k: int = 10, **filters) -> Verification:
        return self.verify_many([claim], top_k, **filters)[0]

    def verify_many(self, claims: list[str], top_k: int = 10, **filters) -> list[Verification]:
        claims = [_clean(c) for c in claims]
        if not 1 <= top_k <= 50:
            raise InvalidInput("top_k must be between 1 and 50")
        t0 = time.perf_counter()
        languages = [detect_language(c, default="fr") for c in claims]
        candidates = self.retriever.retrieve_many(claims, k=max(WIDE, top_k), claim_languages=languages, **filters)
        t1 = time.perf_counter()
        # Near-identical passages first become one group, so the model reads each quote once.
        groups = [dedupe.group(cands, lambda c: c.hit.passage.text, limit=top_k) for cands in candidates]
        pairs = [(_premise(g[0].hit), claim) for claim, claim_groups in zip(claims, groups) for g in claim_groups]
        probs = self.stance.predict(pairs) if pairs else []
        t2 = time.perf_counter()
        out, at = [], 0
        for claim, language, claim_groups in zip(claims, languages, groups):
            evidence = []
            for g in claim_groups:
                evidence.append(_evidence(claim, language, g, probs[at]))
                at += 1
            evidence.sort(key=_evidence_order)
            verdict, confidence, explanation = decide(evidence)
            out.append(Verification(claim, language, verdict, confidence, evidence, explanation, {}))
        t3 = time.perf_counter()
        timings = {"retrieve": _ms(t1 - t0), "stance": _ms(t2 - t1), "verdict": _ms(t3 - t2), "total": _ms(t3 - t0)}
        for v in out:
            # For a batch these are the whole batch's stage times: the models ran once for all claims.
            v.timings_ms = dict(timings)
        return out


def _evidence(claim: str, claim_language: str, group, p) -> Evidence:
    best = group[0].hit
    passage, article = best.passage, best.article
    probs = {"supports": float(p[0]), "neutral": float(p[1]), "refutes": float(p[2])}
    context = {"title": article.title, "before": passage.prev_text, "after": passage.next_text}
    check = compare(claim, passage.text)
    checks, conflict = [], False
    if check.conflicts and about_same_subject(claim, passage.text, f"{article.title} {passage.prev_text}"):
        checks = [f"conflict: {c}" for c in check.conflicts]
        conflict = True
    checks += [f"match: {m}" for m in check.matches]
    topical = conflict or on_topic(claim, claim_language, passage.text, passage.language,
                                   f"{article.title} {passage.prev_text}")
    if not topical:
        checks.append("off topic: the passage is not about the claim's subject, so it neither supports nor refutes")
    stance, _ = stance_of(probs, conflict, topical)
    sources = [Source(c.hit.article.id, c.hit.article.title, c.hit.article.source, c.hit.article.url,
                      c.hit.article.published_at, c.hit.article.language, c.hit.passage_id,
                      c.hit.passage.start, c.hit.passage.end) for c in group]
    return Evidence(passage.text, passage.language, stance, {k: round(v, 4) for k, v in probs.items()},
                    round(max(c.fused for c in group), 5), context, sources, checks)


def _premise(hit) -> str:
    """The passage, led by its article's title only when it names nobody ("Elle a 189 millions
    d'abonnés"): the title then says who; otherwise it adds ~20 tokens (25% of the stance time)."""
    text = hit.passage.text
    return text if subject_words(text) else with_context(hit.article.title, text)


def _evidence_order(e: Evidence):
    # Decisive evidence first (refuting, then supporting), then by retrieval.
    rank = {"refutes": 0, "supports": 1, "neutral": 2}[e.stance]
    return (rank, -max(e.probabilities["refutes"], e.probabilities["supports"]), -e.retrieval_score)


def _clean(claim) -> str:
    if not isinstance(claim, str) or not claim.strip():
        raise InvalidInput("the claim is empty")
    claim = " ".join(claim.split())
    if len(claim) > MAX_CLAIM_CHARS:
        raise InvalidInput(f"the claim is longer than {MAX_CLAIM_CHARS} characters")
    return claim


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def load_verifier(config) -> Verifier:
    """The corpus and both models, loaded once for this process."""
    from service.models.registry import get_models

    models = get_models(config)
    verifier = Verifier(open_corpus(config), models.stance)
    verifier.retriever.lexical.warm()  # so that the first request is not the one that pays for it
    return verifier
