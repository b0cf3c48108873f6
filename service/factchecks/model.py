"""The "same claim" model: is a claim the one an earlier check or a published fact-check was about?

A logistic regression over a few features of the pair (the embedder's cosine, the share of words
they have in common, whether they are in the same language), read from models/matching/model.json (plain JSON, no pickle), with two
thresholds chosen on development data (models/matching/README.md says how):
- `same`: at or above it, the pair is reported as a match;
- `duplicate`: at or above it, the two are said to be one claim, worded alike.
Ranking candidates uses the same probability. Trained and measured by
`python -m lab.evaluate.claim_matching` (never imported by the service).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from service.retrieve.text import words
from service.models.linear import Linear, read_model

RETRAIN = "python -m lab.evaluate.claim_matching"
# Numbers are not features: a fact-check of "10 million followers" is an earlier check of a claim of
# "189 million" (and with them the model ranked task 2 dev worse: models/matching/README.md).
FEATURES = ("cosine", "shared_words", "same_language")


def pair_features(cosine: float, a: str, a_lang: str, b: str, b_lang: str) -> list[float]:
    wa, wb = set(words(a, a_lang)), set(words(b, b_lang))
    shared = len(wa & wb) / max(1, min(len(wa), len(wb)))
    return [float(cosine), shared, float(a_lang == b_lang)]


@dataclass(frozen=True)
class MatchModel:
    linear: Linear
    same: float  # probability threshold of a match
    duplicate: float  # probability threshold of a near-duplicate
    info: dict

    @classmethod
    def load(cls, models_dir) -> "MatchModel":
        return cls.from_dict(read_model(models_dir, "matching", "claim-matching model", RETRAIN))

    @classmethod
    def from_dict(cls, d: dict) -> "MatchModel":
        return cls(Linear.from_dict(d["model"], FEATURES, "claim-matching model", RETRAIN), float(d["thresholds"]["same"]),
                   float(d["thresholds"]["duplicate"]), d.get("info", {}))

    def to_dict(self) -> dict:
        return {"model": self.linear.to_dict(), "thresholds": {"same": self.same, "duplicate": self.duplicate},
                "info": self.info}

    def probability(self, x: np.ndarray) -> np.ndarray:
        return self.linear.probability(x)
