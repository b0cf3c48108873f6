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

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from service.errors import ModelMissing, RecoupeError
from service.verdict.features import CLAIM_FEATURES, PASSAGE_FEATURES

MODEL_FILE = "model.json"
CLASSES = ("supported", "refuted", "not_enough_evidence")  # the claim model's output columns
# Reliability of a stance the passage states (decide.py), until `recoupe models train-verdict` measures it
# on claims the stance model never trained on: a prior, kept in model.json's thresholds once written there.
KNOWN = {"rule": 0.9, "wording": 0.9}


@dataclass(frozen=True)
class Linear:
    """A standardised linear model: (x - mean) / scale, then coef, intercept."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (n_features,) for a binary model, (n_classes, n_features) for a multinomial one
    intercept: np.ndarray

    @classmethod
    def from_dict(cls, d: dict, expected: tuple[str, ...]) -> "Linear":
        if tuple(d["features"]) != expected:
            raise RecoupeError(f"the verdict model was trained on features {d['features']}, this code computes "
                               f"{list(expected)}: retrain it with `recoupe models train-verdict`")
        return cls(tuple(d["features"]), np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                   np.asarray(d["coef"], float), np.asarray(d["intercept"], float))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": _r(self.mean), "scale": _r(self.scale),
                "coef": _r(self.coef), "intercept": _r(self.intercept)}

    def logits(self, x: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(x) - self.mean) / self.scale
        return z @ self.coef.T + self.intercept


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
        path = Path(models_dir) / "verdict" / MODEL_FILE
        if not path.is_file():
            raise ModelMissing(f"no verdict model at {path}: run `recoupe models train-verdict`")
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

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


def _r(a) -> list:
    return np.round(np.asarray(a, dtype=float), 6).tolist()
