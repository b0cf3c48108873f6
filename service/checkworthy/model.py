"""The check-worthiness model: a logistic regression over the embedder's sentence vector (384 numbers)
and the features a fact-checker would name (features.py), read from models/checkworthy/model.json
(plain JSON, no pickle). Trained by `python -m lab.checkworthy.train`; the service never imports
scikit-learn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from service.checkworthy.features import HAND_FEATURES
from service.models.linear import Linear, read_model

RETRAIN = "python -m lab.checkworthy.train"
DIM = 384
FEATURES = tuple(f"e{i}" for i in range(DIM)) + HAND_FEATURES


@dataclass(frozen=True)
class CheckWorthyModel:
    linear: Linear
    threshold: float  # at or above it a sentence is called check-worthy (F1 on ClaimBuster train folds)
    info: dict

    @classmethod
    def load(cls, models_dir) -> "CheckWorthyModel":
        return cls.from_dict(read_model(models_dir, "checkworthy", "check-worthiness model", RETRAIN))

    @classmethod
    def from_dict(cls, d: dict) -> "CheckWorthyModel":
        return cls(Linear.from_dict(d["model"], FEATURES, "check-worthiness model", RETRAIN), float(d["threshold"]), d.get("info", {}))

    def to_dict(self) -> dict:
        return {"model": self.linear.to_dict(), "threshold": self.threshold, "info": self.info}

    def scores(self, vectors: np.ndarray, hand: np.ndarray) -> np.ndarray:
        x = np.hstack([np.asarray(vectors, float), np.asarray(hand, float)])
        return self.linear.probability(x)
