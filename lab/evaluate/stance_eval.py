"""Stance figures on labelled (evidence, claim) pairs.

Two readings of the same probabilities: "argmax" (the most probable class)
and "service" (a fixed 0.5 rule, kept so that stance figures stay comparable
over time: refutes when P(contradiction) >= 0.5 and at least P(entailment),
supports when P(entailment) >= 0.5, else neutral; the service itself now
weighs passages with the verdict model, see service/verdict/assess.py).
Threshold curves: precision and recall of "P(class) >= t" for entailment
and contradiction, t from 0.05 to 0.95.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from lab.evaluate.metrics import classification_scores, threshold_curve
from service.stance import LABELS

THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]
_SERVICE_TO_LABEL = {"supports": "entailment", "neutral": "neutral", "refutes": "contradiction"}


def service_label(p) -> str:
    sup, ref = float(p[0]), float(p[2])
    if ref >= 0.5 and ref >= sup:
        return _SERVICE_TO_LABEL["refutes"]
    return _SERVICE_TO_LABEL["supports" if sup >= 0.5 else "neutral"]


def score_pairs(gold: list[int], probs: np.ndarray, groups: list[str] | None = None) -> dict:
    """gold: label ids (0 entailment, 1 neutral, 2 contradiction); probs: (n, 3); groups: e.g. a language per pair."""
    gold_names = [LABELS[g] for g in gold]
    argmax = [LABELS[i] for i in np.asarray(probs).argmax(1)] if len(gold) else []
    rule = [service_label(p) for p in probs]
    out = {
        "argmax": classification_scores(gold_names, argmax, LABELS),
        "service": classification_scores(gold_names, rule, LABELS),
        "curves": curves(gold, probs),
    }
    if groups is not None and len(set(groups)) > 1:
        by = defaultdict(list)
        for i, g in enumerate(groups):
            by[g].append(i)
        out["by_language"] = {
            g: {"argmax": classification_scores([gold_names[i] for i in idx], [argmax[i] for i in idx], LABELS),
                "service": classification_scores([gold_names[i] for i in idx], [rule[i] for i in idx], LABELS),
                "curves": curves([gold[i] for i in idx], np.asarray(probs)[idx])}
            for g, idx in sorted(by.items())
        }
    return out


def curves(gold: list[int], probs: np.ndarray) -> dict:
    probs = np.asarray(probs)
    out = {}
    for k, name in ((0, "entailment"), (2, "contradiction")):
        if len(gold):
            out[name] = threshold_curve(probs[:, k].tolist(), [g == k for g in gold], THRESHOLDS)
    return out


def evaluate_pairs(pairs, model, log=print, name: str = "pairs") -> dict:
    """pairs: lab.stance.data.Pair items."""
    log(f"stance: {len(pairs)} {name} through {model.name}")
    probs = model.predict([(p.premise, p.hypothesis) for p in pairs])
    return score_pairs([p.label for p in pairs], probs, [p.lang for p in pairs])
