"""Already checked? The earlier checks and published fact-checks that match a claim.

Retrieval, then a calibrated decision: the claim's vector (the multilingual embedder, so a French
claim finds an English fact-check) against every stored fact-check and saved check (exact inner
product: a newsroom's archive is thousands, not millions), the best `WIDE` of each re-scored by the
"same claim" model (model.py) and kept at or above its threshold. A saved check reports its
reviewed verdict when people reviewed it (`verdict/review.py`), and reviewed checks come first.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field

import numpy as np

from service.factchecks.model import MatchModel, pair_features
from service.factchecks.store import FactCheckStore
from service.ingest.language import detect_language

WIDE = 20  # candidates of each kind re-scored per claim
MAX_SHOWN = 5  # matches of each kind reported per claim


@dataclass
class Match:
    kind: str  # "check" (a saved check) or "fact_check" (a published one)
    id: str
    claim: str
    rating: str  # a saved check's verdict (reviewed when reviewed), a fact-check's rating as published
    date: str  # YYYY-MM-DD
    url: str  # a fact-check's address; a saved check's permalink path (/checks/<id>)
    similarity: float  # the calibrated probability that it is the same claim
    cosine: float
    near_duplicate: bool  # the same claim, worded alike
    language: str
    author: str = ""  # a fact-check's publisher
    reviewed: bool = False  # a saved check that people reviewed
    confidence: float | None = None  # a saved check's verdict confidence


@dataclass
class AlreadyChecked:
    checks: list[Match] = field(default_factory=list)
    fact_checks: list[Match] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"checks": [asdict(m) for m in self.checks], "fact_checks": [asdict(m) for m in self.fact_checks]}


class Matcher:
    def __init__(self, store: FactCheckStore, embedder, model: MatchModel, verdict_model=None):
        self.store, self.embedder, self.model, self.verdict_model = store, embedder, model, verdict_model
        self._lock = threading.Lock()

    @property
    def embedder_name(self) -> str:
        return getattr(self.embedder, "name", "embedder")

    def embed(self, texts: list[str]) -> np.ndarray:
        # One call per claim, as the verifier embeds claims: a vector never depends on who else asked.
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.vstack([self.embedder.encode_queries([t]) for t in texts]).astype(np.float32)

    def match(self, claim: str, language: str | None = None) -> AlreadyChecked:
        return self.match_many([claim], [language])[0]

    def match_many(self, claims: list[str], languages: list[str | None] | None = None) -> list[AlreadyChecked]:
        if not claims:
            return []
        languages = [lang or detect_language(c, default="fr")
                     for c, lang in zip(claims, languages or [None] * len(claims))]
        facts, fact_matrix = self._fact_checks()
        checks, check_matrix = self._checks()
        if not facts and not checks:
            return [AlreadyChecked() for _ in claims]
        queries = self.embed(claims)
        out = []
        for claim, language, q in zip(claims, languages, queries):
            found = AlreadyChecked()
            for i, p, cos in self._best(claim, language, q, fact_matrix, [(f.fact_check.claim, f.language)
                                                                            for f in facts]):
                f = facts[i]
                fc = f.fact_check
                found.fact_checks.append(Match("fact_check", fc.id, fc.claim, fc.rating, fc.date, fc.url, p, cos,
                                               p >= self.model.duplicate, f.language, fc.author))
            for i, p, cos in self._best(claim, language, q, check_matrix, [(c.claim, c.language) for c in checks]):
                c = checks[i]
                verdict, confidence = self._verdict(c)
                found.checks.append(Match("check", c.id, c.claim, verdict, c.created_at[:10], f"/checks/{c.id}", p,
                                          cos, p >= self.model.duplicate, c.language, "", c.reviewed, confidence))
            found.checks.sort(key=lambda m: (not m.reviewed, -m.similarity))
            found.fact_checks = found.fact_checks[:MAX_SHOWN]
            found.checks = found.checks[:MAX_SHOWN]
            out.append(found)
        return out

    def _best(self, claim, language, q, matrix, texts):
        if not len(texts):
            return []
        cosines = matrix @ q
        top = np.argsort(-cosines)[:WIDE]
        x = np.array([pair_features(cosines[i], claim, language, *texts[i]) for i in top])
        probs = self.model.probability(x)
        kept = [(int(i), round(float(p), 4), round(float(cosines[i]), 4)) for i, p in zip(top, probs)
                if p >= self.model.same]
        return sorted(kept, key=lambda t: -t[1])

    def _verdict(self, c) -> tuple[str, float]:
        if not c.reviewed or self.verdict_model is None:
            return c.verdict, round(float(c.confidence), 4)
        from service.verdict.records import verification_from_dict
        from service.verdict.review import reverify
        from service.verdict.types import Stance

        record, stances = self.store.reviewed_record(c.id)
        shown = reverify(verification_from_dict(json.loads(record)),
                         {int(i): Stance(s) for i, s in stances.items()}, self.verdict_model)
        return shown.verdict.value, round(float(shown.confidence), 4)

    def _fact_checks(self):
        items, matrix, stale = self.store.fact_check_vectors(self.embedder_name)
        if stale:
            with self._lock:
                vectors = self.embed([items[i].fact_check.claim for i in stale])
                self.store.refresh_fact_check_vectors([items[i].fact_check.id for i in stale], vectors,
                                                      self.embedder_name)
            matrix = _with_rows(matrix, stale, vectors)
        return items, matrix

    def _checks(self):
        items, matrix, stale = self.store.check_claims(self.embedder_name)
        if stale:
            with self._lock:
                vectors = self.embed([items[i].claim for i in stale])
                self.store.put_check_vectors([items[i].id for i in stale], vectors, self.embedder_name)
            matrix = _with_rows(matrix, stale, vectors)
        return items, matrix


def _with_rows(matrix: np.ndarray, rows: list[int], vectors: np.ndarray) -> np.ndarray:
    if matrix.shape[1] != vectors.shape[1]:
        matrix = np.zeros((matrix.shape[0], vectors.shape[1]), np.float32)  # every row was stale
    matrix = matrix.copy()
    matrix[rows] = vectors
    return matrix
