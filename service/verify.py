"""Verify a claim: retrieve wide, dedupe, run the stance model on the best
candidates, assess each passage (verdict/assess.py), decide (verdict/decide.py).
The one function behind `POST /v1/verify`, `recoupe verify` and `recoupe check`."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, replace

import numpy as np

from service.claims import read_claim
from service.corpus import Corpus, open_corpus
from service.ingest.language import detect_language
from service.retrieve.hybrid import HybridRetriever
from service.stance.model import readings
from service.stance.pairs import with_context
from service.verdict import dedupe
from service.verdict.assess import assess_all, inputs
from service.verdict.decide import decide
from service.verdict.facts import ClaimFacts, PassageFacts
from service.verdict.features import PASSAGE_FEATURES, with_gaps
from service.verdict.types import Evidence, Source, Stance, Verification
from service.verify_options import VerifyOptions

WIDE = 50  # candidates retrieved per claim before the stance model sees the best top_k
DEFAULTS = VerifyOptions()


@dataclass
class Weighed:
    """One claim's evidence groups with the verdict model's inputs: what `verify_many` decides
    from, and what `recoupe models train-verdict` learns from."""

    claim: str
    language: str
    groups: list  # lists of near-identical Candidates, best first
    features: np.ndarray  # (len(groups), len(PASSAGE_FEATURES))
    findings: list  # per group, its rule findings
    probabilities: list  # per group, the stance model's {Stance: probability}


class Verifier:
    """Claims in, Verifications out. Handed everything it reads: the retriever (the corpus's hybrid
    search, a cluster's shards, or candidates computed beforehand for an evaluation), the models
    and the matcher; `corpus` is the store the retriever searches, when there is one (closed by
    whoever opened it)."""

    def __init__(self, corpus: Corpus | None, stance_model, verdict_model, matcher=None, *, retriever):
        self.corpus = corpus
        self.stance = stance_model
        self.verdict = verdict_model
        self.matcher = matcher  # earlier checks and fact-checks of the claim (factchecks/match.py), or None
        self.retriever = retriever
        # The models a verification submits work to: their batching queues are told it is coming.
        embedder = getattr(retriever, "embedder", None)
        self.models_in_flight = (stance_model,) + ((embedder,) if embedder is not None else ())

    @classmethod
    def on_corpus(cls, corpus: Corpus, stance_model, verdict_model, matcher=None) -> "Verifier":
        """A Verifier searching `corpus` with the hybrid retriever (dense + BM25)."""
        return cls(corpus, stance_model, verdict_model, matcher, retriever=HybridRetriever(corpus))

    def verify(self, claim: str, options: VerifyOptions = DEFAULTS) -> Verification:
        return self.verify_many([claim], options)[0]

    def verify_many(self, claims: list[str], options: VerifyOptions = DEFAULTS) -> list[Verification]:
        t0 = time.perf_counter()
        weighed, timings = self.weigh_many(claims, options)
        t2 = time.perf_counter()
        set_aside = self._undated_set_aside(options)
        out = []
        for w in weighed:
            assessments = assess_all(w.features, w.findings, self.verdict)
            evidence = [_evidence(g, a, p) for g, a, p in zip(w.groups, assessments, w.probabilities)]
            order = sorted(range(len(evidence)), key=lambda i: _evidence_order(evidence[i]))
            decision = decide(assessments, self.verdict)
            out.append(Verification(w.claim, w.language, decision.verdict, decision.confidence,
                                    [evidence[i] for i in order], decision.reasons, {}, decision.probabilities,
                                    undated_set_aside=set_aside))
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

    def _undated_set_aside(self, options: VerifyOptions) -> int | None:
        """How many undated articles the date filter left out (None when it left none out on purpose, or when
        this verifier searches no local corpus it could count them in)."""
        index = getattr(self.corpus, "index", None)
        if not options.dated_only or index is None:
            return None
        return index.undated_articles(options.sources)

    def weigh_many(self, claims: list[str], options: VerifyOptions = DEFAULTS) -> tuple[list[Weighed], dict]:
        """Retrieve, group, run the stance model and compute each passage's features and rule findings."""
        if not isinstance(options, VerifyOptions):
            raise TypeError("options must be a VerifyOptions")
        claims = [read_claim(c) for c in claims]
        top_k = options.top_k
        t0 = time.perf_counter()
        with _in_flight(*self.models_in_flight):
            # Each claim's facts once: its language first, which the retriever and the rules read.
            facts = [ClaimFacts.of(c, detect_language(c, default="fr")) for c in claims]
            candidates = self.retriever.retrieve_many(claims, max(WIDE, top_k), [f.language for f in facts],
                                                      **options.filters())
            t1 = time.perf_counter()
            # Near-identical passages first become one group, so the model reads each quote once.
            groups = [dedupe.group(cands, lambda c: c.hit.passage.text, limit=top_k) for cands in candidates]
            # Each passage's facts once, whichever claims retrieved it.
            known: dict = {}
            passages = [[_passage_facts(g[0].hit, known) for g in claim_groups] for claim_groups in groups]
            pairs = [(_premise(g[0].hit, p), claim) for claim, claim_groups, claim_passages in
                     zip(claims, groups, passages) for g, p in zip(claim_groups, claim_passages)]
            read = readings(self.stance.stances, self.stance.predict(pairs)) if pairs else []
        t2 = time.perf_counter()
        out, at = [], 0
        for claim, claim_groups, claim_passages in zip(facts, groups, passages):
            rows, found, probabilities = [], [], []
            for g, passage in zip(claim_groups, claim_passages):
                x, f = inputs(claim, passage, read[at], _cosine(g))
                rows.append(x)
                found.append(f)
                probabilities.append(read[at])
                at += 1
            features = with_gaps(np.vstack(rows)) if rows else np.zeros((0, len(PASSAGE_FEATURES)))
            out.append(Weighed(claim.text, claim.language, claim_groups, features, found, probabilities))
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


def _evidence(group, a, probabilities: dict[Stance, float]) -> Evidence:
    best = group[0].hit
    passage, article = best.passage, best.article
    shown = {s: round(probabilities[s], 4) for s in (Stance.SUPPORTS, Stance.NEUTRAL, Stance.REFUTES)}
    context = {"title": article.title, "before": passage.prev_text, "after": passage.next_text}
    sources = [Source(c.hit.article.id, c.hit.article.title, c.hit.article.source, c.hit.article.url,
                      c.hit.article.published_at, c.hit.article.language, c.hit.passage_id,
                      c.hit.passage.start, c.hit.passage.end) for c in group]
    # Each finding carries the date of the article its passage was read in (None: undated).
    findings = [replace(f, published_at=article.published_at) for f in a.findings]
    return Evidence(passage.text, passage.language, a.stance, shown,
                    round(max(c.fused for c in group), 5), context, sources, round(a.evidence_score, 4),
                    a.strength, findings, a.reasons, round(a.known, 4))


def _passage_facts(hit, known: dict) -> PassageFacts:
    """A passage's facts, read with its context (its article's title and the previous sentence)."""
    key = (hit.passage_id, hit.article.title, hit.passage.prev_text)
    if key not in known:
        known[key] = PassageFacts.of(hit.passage.text, hit.passage.language,
                                     f"{hit.article.title} {hit.passage.prev_text}")
    return known[key]


def _premise(hit, passage: PassageFacts) -> str:
    """The passage, led by its article's title only when it names nobody ("Elle a 189 millions
    d'abonnés"): the title then says who; otherwise it adds ~20 tokens (25% of the stance time)."""
    return passage.text if passage.names else with_context(hit.article.title, passage.text)


def _evidence_order(e: Evidence):
    # Passages that support or refute first, strongest first; then the others by evidence score.
    return (e.stance == Stance.NEUTRAL, -e.strength, -e.evidence_score, -e.retrieval_score)


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
    verifier = Verifier.on_corpus(corpus, models.shared_stance, models.verdict, matcher)
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
