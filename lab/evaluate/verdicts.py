"""Claim-level verdicts through the service's own Verifier.

On SciFact and Climate-FEVER the corpus is held in memory (no SQLite/FAISS
index is built for an evaluation): `pool_verifier` is the real `Verifier`
handed a retriever that answers with the candidates that `retrieval.service_fuse`
already computed (the same `fuse` over each retriever's top 50), so
grouping, the stance model, the quantity check and `decide` are exactly the
service's. The seeds go through the whole service: an index built from
seeds/ and `Verifier.verify_many`.

Our four verdicts mapped to each dataset's labels:
- SciFact: supported -> SUPPORT, refuted -> CONTRADICT, not_enough_evidence
  -> NEI, and conflicting -> NEI: SciFact has no "mixed" label, and a
  conflicting verdict commits to neither side (the share of conflicting
  verdicts, and the accuracy had they counted as CONTRADICT, are reported).
- Climate-FEVER: supported -> SUPPORTS, refuted -> REFUTES,
  not_enough_evidence -> NOT_ENOUGH_INFO, conflicting -> DISPUTED.
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from dataclasses import replace

from lab.evaluate.metrics import classification_scores
from service.claims import normalise_claim
from service.limits import DEFAULT_TOP_K
from service.verify import Verifier
from service.verify_options import VerifyOptions

SCIFACT_MAP = {"supported": "SUPPORT", "refuted": "CONTRADICT", "not_enough_evidence": "NEI", "conflicting": "NEI"}
SCIFACT_LABELS = ("SUPPORT", "CONTRADICT", "NEI")
CLIMATE_MAP = {"supported": "SUPPORTS", "refuted": "REFUTES", "not_enough_evidence": "NOT_ENOUGH_INFO",
               "conflicting": "DISPUTED"}
CLIMATE_LABELS = ("SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO", "DISPUTED")
VERDICTS = ("supported", "refuted", "not_enough_evidence", "conflicting")
TOP_K = DEFAULT_TOP_K  # evidence passages weighed per claim: the API's default


class PrecomputedRetriever:
    """A retriever answering with candidates computed beforehand, per claim (as the Verifier reads it).
    It embeds nothing, so it names no embedder for the Verifier's batching queues."""

    def __init__(self, claims: list[str], candidates: list):
        self._by_claim = {normalise_claim(c): cands for c, cands in zip(claims, candidates)}

    def retrieve_many(self, claims, k, claim_languages, **filters):
        return [self._by_claim[c][:k] for c in claims]


def pool_verifier(claims: list[str], candidates: list, stance_model, verdict_model=None) -> Verifier:
    """The service's Verifier over candidates retrieved beforehand from an in-memory pool; evaluation
    claims are not matched to earlier checks."""
    return Verifier(None, stance_model, verdict_model, retriever=PrecomputedRetriever(claims, candidates))


def verify_claims(verifier: Verifier, texts: list[str], top_k: int = TOP_K, batch: int = 16):
    from tqdm import tqdm

    options = VerifyOptions(top_k=top_k)
    out = []
    for i in tqdm(range(0, len(texts), batch), desc="verify", unit="batch", dynamic_ncols=True):
        out += verifier.verify_many(texts[i:i + batch], options)
    return out


def pool_verdicts(claims, candidates, stance_model, verdict_model, mapping: dict, labels: tuple, log=print) -> dict:
    """claims: datasets.Claim with `label`; candidates: the service's fused candidates per claim."""
    texts = [c.text for c in claims]
    log(f"verdicts: {len(claims)} claims through the Verifier (top {TOP_K} evidence each)")
    results = verify_claims(pool_verifier(texts, candidates, stance_model, verdict_model), texts)
    gold = [c.label for c in claims]
    pred = [mapping[r.verdict.value] for r in results]
    out = {"mapping": mapping, "scores": classification_scores(gold, pred, labels),
           "verdicts": dict(Counter(r.verdict.value for r in results))}
    if "conflicting" in mapping and mapping["conflicting"] == "NEI":
        alt = [("CONTRADICT" if r.verdict == "conflicting" else p) for r, p in zip(results, pred)]
        out["accuracy_if_conflicting_were_contradict"] = classification_scores(gold, alt, labels)["accuracy"]
    out["coverage"] = precision_coverage(gold, results, mapping)
    out["claims"] = [{"id": c.id, "gold": g, "verdict": r.verdict.value, "predicted": p, "confidence": r.confidence,
                      "probabilities": r.probabilities,
                      "evidence_docs": [s.article_id for e in r.evidence if e.stance != "neutral" for s in e.sources]}
                     for c, g, p, r in zip(claims, gold, pred, results)]
    return out


def precision_coverage(gold: list[str], results, mapping: dict) -> list[dict]:
    """Precision of the committed verdicts (supported / refuted) and the share of claims that get one,
    as the bar on the verdict's confidence rises: the precision/coverage curve."""
    committed = [(r.confidence, mapping[r.verdict.value] == g) for g, r in zip(gold, results)
                 if r.verdict in ("supported", "refuted")]
    out = []
    for bar in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        kept = [right for conf, right in committed if conf >= bar]
        out.append({"min_confidence": bar, "coverage": len(kept) / len(gold) if gold else 0.0,
                    "precision": sum(kept) / len(kept) if kept else None})
    return out


def seed_verdicts(config, embedder, stance_model, verdict_model, rows: list[dict], corpus_dir, log=print) -> dict:
    """The seed claims through the whole service: index seeds/ in a temporary folder, verify each claim."""
    from service.corpus import Corpus

    with tempfile.TemporaryDirectory(prefix="recoupe-eval-seeds-") as tmp:
        corpus = Corpus(replace(config, data_dir=tmp), embedder)
        try:
            summary = corpus.ingest_paths([corpus_dir])
            log(f"seeds: {summary.articles_added} articles, {summary.passages_added} passages indexed")
            verifier = Verifier.on_corpus(corpus, stance_model, verdict_model)
            results = verify_claims(verifier, [r["claim"] for r in rows])
        finally:
            corpus.close()
    gold = [r["expected"] for r in rows]
    pred = [r.verdict.value for r in results]
    langs = [r.get("language") or v.language for r, v in zip(rows, results)]
    per_claim = []
    for row, v in zip(rows, results):
        cited = [s.article_id for e in v.evidence if e.stance != "neutral" for s in e.sources]
        returned = [s.article_id for e in v.evidence for s in e.sources]
        expected = set(row.get("sources") or [])
        per_claim.append({"id": row.get("id"), "language": row.get("language"), "claim": row["claim"],
                          "expected": row["expected"], "verdict": v.verdict.value, "confidence": v.confidence,
                          "expected_sources": sorted(expected), "cited_sources": sorted(set(cited)),
                          "source_cited": bool(expected & set(cited)) if expected else None,
                          "source_returned": bool(expected & set(returned)) if expected else None})
    out = {"scores": classification_scores(gold, pred, VERDICTS), "source": _source_rates(per_claim)}
    by = defaultdict(list)
    for i, lang in enumerate(langs):
        by[lang].append(i)
    if len(by) > 1:
        out["by_language"] = {
            lang: {"scores": classification_scores([gold[i] for i in idx], [pred[i] for i in idx], VERDICTS),
                   "source": _source_rates([per_claim[i] for i in idx])}
            for lang, idx in sorted(by.items())}
    out["claims"] = per_claim
    return out


def _source_rates(per_claim: list[dict]) -> dict:
    with_sources = [c for c in per_claim if c["source_cited"] is not None]
    n = len(with_sources)
    return {"claims_with_expected_sources": n,
            "expected_source_cited": sum(c["source_cited"] for c in with_sources) / n if n else None,
            "expected_source_in_evidence": sum(c["source_returned"] for c in with_sources) / n if n else None}
