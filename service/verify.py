"""Verify a claim: retrieve wide, dedupe, run the stance model on the best
candidates, assess each passage (verdict/assess.py), decide (verdict/decide.py).
The one function behind `POST /v1/verify`, `recoupe verify` and `recoupe check`."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, replace

import numpy as np

from service.corpus import Corpus, open_corpus
from service.errors import InvalidInput
from service.limits import MAX_CLAIM_CHARS, MAX_TOP_K, NFKC_MAX_GROWTH
from service.ingest.language import detect_language
from service.retrieve.hybrid import HybridRetriever
from service.stance.pairs import with_context
from service.verdict import dedupe
from service.verdict.assess import assess_all, inputs
from service.verdict.decide import decide
from service.verdict.features import PASSAGE_FEATURES, with_gaps
from service.verdict.subjects import subject_words
from service.verdict.types import Evidence, Source, Verification

WIDE = 50  # candidates retrieved per claim before the stance model sees the best top_k


@dataclass
class Weighed:
    """One claim's evidence groups with the verdict model's inputs: what `verify_many` decides
    from, and what `recoupe models train-verdict` learns from."""

    claim: str
    language: str
    groups: list  # lists of near-identical Candidates, best first
    features: np.ndarray  # (len(groups), len(PASSAGE_FEATURES))
    findings: list  # per group, its rule findings


class Verifier:
    def __init__(self, corpus: Corpus, stance_model, verdict_model, matcher=None):
        self.corpus = corpus
        self.stance = stance_model
        self.verdict = verdict_model
        self.matcher = matcher  # earlier checks and fact-checks of the claim (factchecks/match.py), or None
        self.retriever = HybridRetriever(corpus)
        # The models a verification submits work to: their batching queues are told it is coming.
        self.models_in_flight = (stance_model, corpus.embedder)

    def verify(self, claim: str, top_k: int = 10, **filters) -> Verification:
        return self.verify_many([claim], top_k, **filters)[0]

    def verify_many(self, claims: list[str], top_k: int = 10, **filters) -> list[Verification]:
        t0 = time.perf_counter()
        weighed, timings = self.weigh_many(claims, top_k, **filters)
        t2 = time.perf_counter()
        out = []
        for w in weighed:
            assessments = assess_all(w.features, w.findings, self.verdict)
            evidence = [_evidence(g, a, w.features[i]) for i, (g, a) in enumerate(zip(w.groups, assessments))]
            order = sorted(range(len(evidence)), key=lambda i: _evidence_order(evidence[i]))
            decision = decide(assessments, self.verdict)
            out.append(Verification(w.claim, w.language, decision.verdict, decision.confidence,
                                    [evidence[i] for i in order], decision.reasons, {}, decision.probabilities))
        t3 = time.perf_counter()
        if self.matcher is not None:
            for v, found in zip(out, self.matcher.match_many([v.claim for v in out], [v.language for v in out])):
                v.already_checked = found
            timings["match"] = _ms(time.perf_counter() - t3)
        t4 = time.perf_counter()
        # The verdict stage: rules and features (timed in weigh_many), then assessment and decision.
        timings.update(verdict=round(timings.pop("features") + _ms(t3 - t2), 1), total=_ms(t4 - t0))
        for v in out:
            # For a batch these are the whole batch's stage times: the models ran once for all claims.
            v.timings_ms = dict(timings)
        return out

    def weigh_many(self, claims: list[str], top_k: int = 10, **filters) -> tuple[list[Weighed], dict]:
        """Retrieve, group, run the stance model and compute each passage's features and rule findings."""
        claims = [_clean(c) for c in claims]
        if not 1 <= top_k <= MAX_TOP_K:
            raise InvalidInput(f"top_k must be between 1 and {MAX_TOP_K}")
        t0 = time.perf_counter()
        with _in_flight(*self.models_in_flight):
            languages = [detect_language(c, default="fr") for c in claims]
            candidates = self.retriever.retrieve_many(claims, k=max(WIDE, top_k), claim_languages=languages,
                                                      **filters)
            t1 = time.perf_counter()
            # Near-identical passages first become one group, so the model reads each quote once.
            groups = [dedupe.group(cands, lambda c: c.hit.passage.text, limit=top_k) for cands in candidates]
            pairs = [(_premise(g[0].hit), claim) for claim, claim_groups in zip(claims, groups)
                     for g in claim_groups]
            probs = self.stance.predict(pairs) if pairs else []
        t2 = time.perf_counter()
        out, at = [], 0
        for claim, language, claim_groups in zip(claims, languages, groups):
            rows, found = [], []
            for g in claim_groups:
                best = g[0].hit
                x, f = inputs(claim, language, best.passage.text, best.passage.language,
                              f"{best.article.title} {best.passage.prev_text}", probs[at], _cosine(g))
                rows.append(x)
                found.append(f)
                at += 1
            features = with_gaps(np.vstack(rows)) if rows else np.zeros((0, len(PASSAGE_FEATURES)))
            out.append(Weighed(claim, language, claim_groups, features, found))
        t3 = time.perf_counter()
        return out, {"retrieve": _ms(t1 - t0), "stance": _ms(t2 - t1), "features": _ms(t3 - t2)}


def _in_flight(*models) -> ExitStack:
    """Tell the models' batching queues that this request will submit soon, so that a batch
    being gathered waits (a few ms at most) for it; models without a queue are left alone."""
    stack = ExitStack()
    for model in models:
        if hasattr(model, "request"):
            stack.enter_context(model.request())
    return stack


def _cosine(group) -> float:
    values = [c.cosine for c in group if c.cosine is not None]
    return float(max(values)) if values else 0.0


def _evidence(group, a, x) -> Evidence:
    best = group[0].hit
    passage, article = best.passage, best.article
    at = {name: i for i, name in enumerate(PASSAGE_FEATURES)}
    probs = {"supports": float(x[at["p_supports"]]), "neutral": float(x[at["p_neutral"]]),
             "refutes": float(x[at["p_refutes"]])}
    context = {"title": article.title, "before": passage.prev_text, "after": passage.next_text}
    sources = [Source(c.hit.article.id, c.hit.article.title, c.hit.article.source, c.hit.article.url,
                      c.hit.article.published_at, c.hit.article.language, c.hit.passage_id,
                      c.hit.passage.start, c.hit.passage.end) for c in group]
    # Each finding carries the date of the article its passage was read in (None: undated).
    findings = [replace(f, published_at=article.published_at) for f in a.findings]
    return Evidence(passage.text, passage.language, a.stance, {k: round(v, 4) for k, v in probs.items()},
                    round(max(c.fused for c in group), 5), context, sources, round(a.evidence_score, 4),
                    a.strength, findings, a.reasons, round(a.known, 4))


def _premise(hit) -> str:
    """The passage, led by its article's title only when it names nobody ("Elle a 189 millions
    d'abonnés"): the title then says who; otherwise it adds ~20 tokens (25% of the stance time)."""
    text = hit.passage.text
    return text if subject_words(text) else with_context(hit.article.title, text)


def _evidence_order(e: Evidence):
    # Passages that support or refute first, strongest first; then the others by evidence score.
    return (e.stance == "neutral", -e.strength, -e.evidence_score, -e.retrieval_score)


def _clean(claim) -> str:
    if not isinstance(claim, str) or not claim.strip():
        raise InvalidInput("the claim is empty")
    claim = " ".join(claim.split())
    if len(claim) > MAX_CLAIM_CHARS * NFKC_MAX_GROWTH:  # the limit is on the claim as sent (service/claims.py)
        raise InvalidInput(f"the claim is longer than {MAX_CLAIM_CHARS} characters")
    return claim


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def load_verifier(config) -> Verifier:
    """The corpus and the models, loaded once for this process."""
    from service.models.registry import get_models

    models = get_models(config)
    # The shared (batching) models: concurrent requests of this process run the stance model and the
    # query embedder in one call each (models/batching.py).
    corpus = open_corpus(config, models.shared_embedder)
    matcher = load_matcher(corpus.index.data_dir, config.models_dir, models.shared_embedder, models.verdict)
    verifier = Verifier(corpus, models.shared_stance, models.verdict, matcher)
    verifier.retriever.lexical.warm()  # so that the first request is not the one that pays for it
    return verifier


def load_matcher(data_dir, models_dir, embedder, verdict_model):
    """Earlier checks and fact-checks (the desk's SQLite file in the data folder), matched with the
    embedder and the "same claim" model; None, with a warning, when that model is not built. The
    single-process service and the cluster's ingress both build theirs here."""
    from service.errors import ModelMissing
    from service.factchecks.match import Matcher
    from service.factchecks.model import MatchModel
    from service.factchecks.store import FactCheckStore

    try:
        model = MatchModel.load(models_dir)
    except ModelMissing as exc:  # verification still answers; `already_checked` is null
        import logging

        logging.getLogger(__name__).warning("earlier checks and fact-checks are off: %s", exc.message)
        return None
    return Matcher(FactCheckStore.in_dir(data_dir), embedder, model, verdict_model)
