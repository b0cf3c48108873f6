"""Writing a trained linear model (the verdict, check-worthiness and claim-matching models): its JSON,
which the service reads through service/models/linear.py, and its metrics beside or in reports/.
The three trainers write both the same way, from here."""

from __future__ import annotations

import json
from pathlib import Path


def write_model(model, model_path: Path, metrics: dict, metrics_path: Path, indent: int | None = 1) -> None:
    """`model.to_dict()` into `model_path` (`indent` None: one line, for a long coefficient vector) and
    `metrics` into `metrics_path`, creating their folders."""
    for path, value, spaces in ((model_path, model.to_dict(), indent), (metrics_path, metrics, 1)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value, indent=spaces) + "\n", encoding="utf-8")
