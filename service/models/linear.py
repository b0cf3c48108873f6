"""The small linear models Recoupe reads from plain JSON (no pickle; the service never imports scikit-learn):
the verdict model, the "same claim" model and the check-worthiness model. Each lives in
models/<folder>/model.json and names the features it was trained on, checked at load."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service.errors import ModelMissing, RecoupeError

MODEL_FILE = "model.json"


def read_model(models_dir, folder: str, what: str, retrain: str) -> dict:
    """models_dir/folder/model.json as a dict; a missing file names the command that makes it."""
    path = Path(models_dir) / folder / MODEL_FILE
    if not path.is_file():
        raise ModelMissing(f"no {what} at {path}: run `{retrain}`")
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Linear:
    """A standardised linear model: (x - mean) / scale, then coef, intercept."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (n_features,) for a binary model, (n_classes, n_features) for a multinomial one
    intercept: np.ndarray

    @classmethod
    def from_dict(cls, d: dict, expected: tuple[str, ...], what: str = "verdict model",
                  retrain: str = "recoupe models train-verdict") -> "Linear":
        if tuple(d["features"]) != expected:
            raise RecoupeError(f"the {what} was trained on features {d['features']}, this code computes "
                               f"{list(expected)}: retrain it with `{retrain}`")
        return cls(tuple(d["features"]), np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                   np.asarray(d["coef"], float), np.asarray(d["intercept"], float))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": _r(self.mean), "scale": _r(self.scale),
                "coef": _r(self.coef), "intercept": _r(self.intercept)}

    def logits(self, x: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(x) - self.mean) / self.scale
        return z @ self.coef.T + self.intercept

    def probability(self, x: np.ndarray) -> np.ndarray:
        """A binary model's probability of its positive class, one per row of `x` (the logistic of its logit)."""
        return 1.0 / (1.0 + np.exp(-self.logits(np.asarray(x, float)).ravel()))


def _r(a) -> list:
    return np.round(np.asarray(a, dtype=float), 6).tolist()
