"""Temperature scaling of the stance model: `recoupe models calibrate-stance`.

A fine-tuned classifier is over-confident: its 0.9 is right less than 90% of
the time. The verdict thresholds (verdict/decide.py) and the confidence the
API returns read these probabilities as chances, so one temperature T is fit
on held-out pairs (softmax(logits / T), minimum negative log-likelihood) with
the runtime the service uses. One parameter cannot move the argmax, so
accuracy is unchanged; only how sure the model says it is changes.

The calibration set is the training-time validation set (data.py,
`validation_pairs`: SNLI validation slice, XNLI-fr and cross-lingual XNLI
held-out pairs), never used for a gradient step. The expected calibration
error (ECE, 10 bins over the top probability) is reported before and after on
that set and on the rest of XNLI's held-out part, which T never saw.
The temperature is written into models/stance/recoupe_stance.json, which the
model reads at load time (1.0 when absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lab.stance.data import h, load_sources, resolve_data_dir, validation_pairs
from service.stance.model import StanceModel, log_softmax, softmax


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    return float(-log_softmax(logits, temperature)[np.arange(len(labels)), labels].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The T in [0.25, 8] that minimises the NLL: a coarse grid over log T, then golden-section search
    (the NLL is convex in 1/T, so there is one minimum)."""
    logits, labels = np.asarray(logits, dtype=np.float64), np.asarray(labels)
    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 41))
    best = int(np.argmin([nll(logits, labels, t) for t in grid]))
    lo, hi = np.log(grid[max(best - 1, 0)]), np.log(grid[min(best + 1, len(grid) - 1)])
    g = (np.sqrt(5) - 1) / 2
    for _ in range(40):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if nll(logits, labels, np.exp(a)) < nll(logits, labels, np.exp(b)):
            hi = b
        else:
            lo = a
    return float(np.exp((lo + hi) / 2))


def ece(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: the gap between confidence and accuracy, weighted over confidence bins."""
    conf, pred = probs.max(axis=1), probs.argmax(axis=1)
    right = pred == np.asarray(labels)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            total += inside.mean() * abs(right[inside].mean() - conf[inside].mean())
    return float(total)


def calibration_sets(data_dir: Path) -> tuple[list, list]:
    """(fit on, check on): the validation pairs, and XNLI held-out pairs outside them."""
    val = validation_pairs(data_dir)
    fit = [p for pairs in val.values() for p in pairs]
    seen = {(p.premise, p.hypothesis) for p in fit}
    held = [p for p in load_sources(data_dir)["xnli"]["heldout"] if (p.premise, p.hypothesis) not in seen]
    check = sorted(held, key=lambda p: h(p.premise + "\t" + p.hypothesis))[:1000]
    return fit, check


def calibrate(models_dir: Path, data_dir=None, runtime: str = "onnx-int8", threads: int = 0, log=print) -> dict:
    data_dir = resolve_data_dir(data_dir)
    stance_dir = Path(models_dir) / "stance"
    model = StanceModel(Path(models_dir), runtime, threads)
    fit, check = calibration_sets(data_dir)
    log(f"calibrating on {len(fit)} held-out validation pairs, checking on {len(check)} other XNLI pairs ({runtime})")
    fit_logits = model.logits([(p.premise, p.hypothesis) for p in fit])
    check_logits = model.logits([(p.premise, p.hypothesis) for p in check])
    fit_y, check_y = np.array([p.label for p in fit]), np.array([p.label for p in check])
    t = fit_temperature(fit_logits, fit_y)
    report = {
        "temperature": round(t, 4),
        "runtime": runtime,
        "fit_set": {"pairs": len(fit), "what": "validation_pairs: SNLI validation slice, XNLI-fr, cross-lingual "
                                              "XNLI, SICK-fr, same-topic neutrals and HealthVer held-out "
                                              "(never trained on)"},
        "check_set": {"pairs": len(check), "what": "other XNLI held-out pairs (fr, en, cross-lingual)"},
    }
    for name, logits, y in (("fit_set", fit_logits, fit_y), ("check_set", check_logits, check_y)):
        report[name].update({
            "nll_before": round(nll(logits, y), 4), "nll_after": round(nll(logits, y, t), 4),
            "ece_before": round(ece(softmax(logits), y), 4), "ece_after": round(ece(softmax(logits, t), y), 4),
            "accuracy": round(float((logits.argmax(1) == y).mean()), 4),
        })
    meta_path = stance_dir / "recoupe_stance.json"
    meta = json.loads(meta_path.read_text())
    meta["calibration"] = report
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    log(f"temperature {t:.3f}: ECE {report['check_set']['ece_before']:.3f} -> {report['check_set']['ece_after']:.3f} "
        f"on the check set, NLL {report['fit_set']['nll_before']:.3f} -> {report['fit_set']['nll_after']:.3f} "
        f"on the fit set; written to {meta_path}")
    # The process-wide instances read the temperature at load time.
    StanceModel.forget()
    return report
