"""The verdict model: two small logistic regressions, read from
models/verdict/model.json (coefficients in plain JSON, no pickle).

- `evidence_score`: is this passage evidence for this claim (0-1, calibrated
  on claim/evidence data, see models/verdict/README.md);
- `claim_probabilities`: supported / refuted / not_enough_evidence for a
  claim, from its passages' assessments (features.CLAIM_FEATURES).
Thresholds (abstention, conflicting) are in the same file, with how they were
chosen, and so is `known`: how reliable a passage's stance is when the passage
states it in so many words (a rule finding, the claim's own wording; see
assess.py and decide.py). Trained by `recoupe models train-verdict` (verdict/train.py); the
service never imports scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from service.models.linear import Linear, read_model
from service.verdict.features import CLAIM_FEATURES, PASSAGE_FEATURES

CLASSES = ("supported", "refuted", "not_enough_evidence")  # the claim model's output columns
# Reliability of a stance the passage states (decide.py), until `recoupe models train-verdict` measures it
# on claims the stance model never trained on: a prior, kept in model.json's thresholds once written there.
KNOWN = {"rule": 0.9, "wording": 0.9}


@dataclass(frozen=True)
class VerdictModel:
    evidence: Linear
    claim: Linear
    abstain: dict  # {"supported": p, "refuted": p}: below this probability the verdict is not_enough_evidence
    conflict: float  # best support and best refutation both at least this strong: conflicting
    evidence_threshold: float  # a passage with an evidence score at least this supports or refutes
    info: dict  # provenance and metrics, as written by the trainer
    known: dict = field(default_factory=lambda: dict(KNOWN))  # {"rule", "wording"}: reliability of a stated stance

    @classmethod
    def load(cls, models_dir) -> "VerdictModel":
        return cls.from_dict(read_model(models_dir, "verdict", "verdict model", "recoupe models train-verdict"))

    @classmethod
    def from_dict(cls, d: dict) -> "VerdictModel":
        return cls(Linear.from_dict(d["evidence"], PASSAGE_FEATURES), Linear.from_dict(d["claim"], CLAIM_FEATURES),
                   dict(d["thresholds"]["abstain"]), float(d["thresholds"]["conflict"]),
                   float(d["thresholds"]["evidence"]), d.get("info", {}),
                   {**KNOWN, **d["thresholds"].get("known", {})})

    def to_dict(self) -> dict:
        return {"evidence": self.evidence.to_dict(), "claim": {**self.claim.to_dict(), "classes": list(CLASSES)},
                "thresholds": {"abstain": self.abstain, "conflict": self.conflict,
                               "evidence": self.evidence_threshold, "known": self.known}, "info": self.info}

    def evidence_scores(self, x: np.ndarray) -> np.ndarray:
        """(n, len(PASSAGE_FEATURES)) -> (n,) probabilities that each passage is evidence."""
        return 1 / (1 + np.exp(-self.evidence.logits(x).reshape(-1)))

    def claim_probabilities(self, x: np.ndarray) -> np.ndarray:
        """(n, len(CLAIM_FEATURES)) -> (n, 3) probabilities in CLASSES order."""
        logits = self.claim.logits(x)
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

