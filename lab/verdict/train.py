"""`recoupe models train-verdict`: learn the verdict model from labelled claims.

1. Every training claim goes through the service's Verifier up to the model's
   inputs (train_data.py): the same grouping, stance model, features and rules.
2. Evidence model: logistic regression, per passage, gold evidence or not.
3. Claim model: multinomial logistic regression on the claim features
   computed with the evidence model, claim labels supported / refuted /
   not_enough_evidence.
4. Thresholds, from 5-fold out-of-fold predictions (folds by claim, both
   models refitted per fold): the abstention threshold per side is the
   lowest probability (the decision's, decide.py) at which the committed
   verdicts are right at least PRECISION_TARGET of the time, on the
   threshold part only: claims the stance model never trained on (its
   probabilities there are as confident as on a user's claim), less one in
   MEASURE_EVERY of them (by hash of the claim's text), kept to measure the
   thresholds on claims that did not choose them (`part`); the conflict
   strength is the one that best finds Climate-FEVER's DISPUTED claims
   (claims the stance model trained on: no other source has them), never
   below MIN_CONFLICT; the
   evidence threshold (a passage above it supports or refutes) is the one
   with the best passage-level F1 against gold evidence.
5. Written to models/verdict/: model.json (coefficients, thresholds,
   provenance), metrics.json (every figure per language and per part) and
   reliability.png.

Logistic regression because it is calibrated by construction on its training
distribution (it minimises log loss), small enough to read, and stored as
plain numbers; the reliability plot shows how far the calibration holds.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

from lab.models.linear_output import write_model
from service.verdict.assess import assess_all
from service.verdict.features import CLAIM_FEATURES, PASSAGE_FEATURES
from service.models.linear import Linear
from service.verdict.model import CLASSES, VerdictModel

PRECISION_TARGET = 0.80  # committed verdicts right this often on the training claims (out of fold): the target
MIN_CONFLICT = 0.5  # "strong evidence on both sides": each side at least this strong
FOLDS = 5
SEED = 13
MEASURE_EVERY = 3  # of the claims the stance model never trained on, one in three measures and does not choose
PARTS = ("threshold", "measure", "stance_seen")


def train(config, data_dir: Path, out_dir: Path | None = None, sources: tuple[str, ...] | None = None,
          log=print) -> dict:
    from lab.evaluate.cache import EmbeddingCache
    from service.models.registry import get_models
    from lab.verdict.train_data import SOURCES, CachedStance

    t0 = time.perf_counter()
    out_dir = Path(out_dir or Path(config.models_dir) / "verdict")
    models = get_models(config)
    stance = CachedStance(models.stance, Path(config.data_dir) / "cache" / "stance")
    cache = EmbeddingCache(Path(config.data_dir) / "cache" / "embeddings", models.embedder)
    cases = []
    for name in sources or tuple(SOURCES):
        cases += SOURCES[name](Path(data_dir), cache, stance, log)
    cases = [c for c in cases if len(c.weighed.groups)]
    log(f"{len(cases)} claims, {sum(len(c.gold) for c in cases)} passages: fitting")

    fold = np.array([_fold(c.source + c.id) for c in cases])
    oof_scores = [None] * len(cases)
    oof_probs = np.zeros((len(cases), len(CLASSES)))
    for k in range(FOLDS):
        train_idx = [i for i in range(len(cases)) if fold[i] != k]
        test_idx = [i for i in range(len(cases)) if fold[i] == k]
        model = _fit([cases[i] for i in train_idx])
        for i in test_idx:
            oof_scores[i] = model.evidence_scores(cases[i].weighed.features)
        oof_probs[test_idx] = model.claim_probabilities(_claim_matrix([cases[i] for i in test_idx], model))
    evidence_threshold = _evidence_threshold(np.concatenate(oof_scores), np.concatenate([c.gold for c in cases]))
    final = _fit(cases, evidence_threshold)
    oof_model = final  # thresholds are chosen on out-of-fold probabilities, applied to the final model
    abstain = abstention_thresholds(cases, oof_probs, oof_model, log)
    conflict = _conflict(cases, oof_model)
    info = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "stance_model": stance.name,
        "sources": dict(Counter(c.source for c in cases)),
        "precision_target": PRECISION_TARGET,
        "how_thresholds_were_chosen": (
            f"abstain: per side, the lowest probability of the decision at which that side's verdicts reach a "
            f"precision of {PRECISION_TARGET:.0%} in {FOLDS}-fold out-of-fold predictions on the threshold part: "
            f"training claims the stance model never trained on, less one in {MEASURE_EVERY} of them (sha1 of "
            "'measure:' + the claim's text), kept to measure; "
            f"conflict: the strength that best finds Climate-FEVER's DISPUTED training claims (F1), at least "
            f"{MIN_CONFLICT}; evidence: the evidence score with the best out-of-fold F1 against gold evidence "
            "passages"),
    }
    model = VerdictModel(final.evidence, final.claim, abstain, conflict, evidence_threshold, info)
    metrics = _metrics(cases, oof_scores, oof_probs, model)
    model.info["cross_validated"] = {"all": metrics["claims"]["all"], "languages": metrics["claims"]["languages"]}
    write_model(model, out_dir / "model.json", metrics, out_dir / "metrics.json")
    _reliability_plot(cases, oof_scores, oof_probs, out_dir / "reliability.png")
    log(f"written: {out_dir / 'model.json'}, metrics.json, reliability.png ({time.perf_counter() - t0:.0f} s)")
    log(json.dumps({"thresholds": model.to_dict()["thresholds"], "claims": metrics["claims"]["all"],
                    "languages": _brief(metrics["claims"]["languages"]), "known": metrics["known"]}, indent=1))
    return metrics


def abstention_thresholds(cases, probs, model, log=print) -> dict[str, float]:
    """Per side, the abstention threshold chosen on the threshold part only (`part`); probs: the claim
    model's out-of-fold probabilities, one row per case."""
    chosen = [i for i, c in enumerate(cases) if part(c) == "threshold"]
    log("threshold part: " + ", ".join(f"{lang} {sum(cases[i].language == lang for i in chosen)}"
                                       for lang in sorted({c.language for c in cases})) + " claims")
    return {side: _abstention([cases[i] for i in chosen], np.asarray(probs)[chosen], side, model)
            for side in ("supported", "refuted")}


def part(case) -> str:
    """Which part of the training claims a case is in: "stance_seen" (the stance model trained on the
    claim), else "measure" (one in MEASURE_EVERY, by hash of the claim's text, so that FM2's claim and its
    twin without gold go together) or "threshold" (chooses the abstention thresholds)."""
    if case.stance_seen:
        return "stance_seen"
    key = "measure:" + case.weighed.claim
    measure = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % MEASURE_EVERY == 0
    return "measure" if measure else "threshold"


def _brief(languages: dict) -> dict:
    """The log's short form of the per-language figures."""
    return {lang: {name: {k: s[k] for k in ("claims", "accuracy", "macro_f1")} for name, s in by_part.items()}
            for lang, by_part in languages.items()}


def _fold(key: str) -> int:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % FOLDS


def _evidence_threshold(scores: np.ndarray, gold: np.ndarray) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.05, 0.71, 0.01):
        flagged = scores >= t
        tp = float((flagged & gold).sum())
        f1 = 2 * tp / (flagged.sum() + gold.sum()) if tp else 0.0
        if f1 > best_f1:
            best, best_f1 = round(float(t), 2), f1
    return best


def _fit(cases, evidence_threshold: float = 0.5) -> VerdictModel:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([c.weighed.features for c in cases])
    y = np.concatenate([c.gold for c in cases]).astype(int)
    evidence = _linear(LogisticRegression(C=1.0, max_iter=2000), x, y, PASSAGE_FEATURES)
    evidence = Linear(evidence.features, evidence.mean, evidence.scale, evidence.coef.reshape(-1),
                      evidence.intercept.reshape(-1))
    staged = VerdictModel(evidence, None, {}, 1.0, evidence_threshold, {})
    labelled = [c for c in cases if c.label in CLASSES]
    z = _claim_matrix(labelled, staged)
    labels = np.array([CLASSES.index(c.label) for c in labelled])
    claim = _linear(LogisticRegression(C=1.0, max_iter=2000), z, labels, CLAIM_FEATURES)
    return VerdictModel(evidence, claim, {"supported": 0.5, "refuted": 0.5}, 1.0, evidence_threshold, {})


def _linear(estimator, x, y, names) -> Linear:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    estimator.fit((x - mean) / scale, y)
    coef, intercept = estimator.coef_, estimator.intercept_
    if coef.shape[0] > 1:  # multinomial: rows in CLASSES order
        order = [list(estimator.classes_).index(i) for i in range(len(CLASSES))]
        coef, intercept = coef[order], intercept[order]
    return Linear(tuple(names), mean, scale, coef, intercept)


def _claim_matrix(cases, model) -> np.ndarray:
    from service.verdict.decide import summary

    rows = [summary(assess_all(c.weighed.features, c.weighed.findings, model)) for c in cases]
    return np.vstack(rows) if rows else np.zeros((0, len(CLAIM_FEATURES)))


def _strengths(case, model) -> tuple[float, float]:
    a = assess_all(case.weighed.features, case.weighed.findings, model)
    sup = max((x.strength for x in a if x.stance == "supports"), default=0.0)
    ref = max((x.strength for x in a if x.stance == "refutes"), default=0.0)
    return sup, ref


def _committed(cases, probs, side: str, model):
    """(probability, right) for every case whose likeliest outcome in decide.py's decision is `side`: the
    claim model's probabilities with the known-stance witnesses weighed in, as the service decides."""
    from service.verdict.decide import OUTCOMES, settle

    out = []
    for c, p in zip(cases, probs):
        d = settle(p, assess_all(c.weighed.features, c.weighed.findings, model), model).probabilities
        if max(OUTCOMES, key=lambda k: d[k]) == side and c.label != "conflicting":
            out.append((d[side], c.label == side))
    return out


def _abstention(cases, probs, side: str, model) -> float:
    committed = _committed(cases, probs, side, model)
    for t in np.arange(0.34, 0.96, 0.01):
        kept = [right for p, right in committed if p >= t]
        if len(kept) >= 10 and sum(kept) / len(kept) >= PRECISION_TARGET:
            return round(float(t), 2)
    return 0.95


def _conflict(cases, model) -> float:
    pool = [c for c in cases if c.source == "climate_fever_train"]
    strengths = [(_strengths(c, model), c.label == "conflicting") for c in pool]
    best, best_f1 = 0.9, -1.0
    for t in np.arange(MIN_CONFLICT, 0.91, 0.05):
        flagged = [(s >= t and r >= t, gold) for (s, r), gold in strengths]
        tp = sum(f and g for f, g in flagged)
        fp = sum(f and not g for f, g in flagged)
        fn = sum(g and not f for f, g in flagged)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1:
            best, best_f1 = round(float(t), 2), f1
    return best


def _verdicts(cases, probs, model) -> list[str]:
    """decide.py's decision on given claim-model probabilities (the out-of-fold ones)."""
    from service.verdict.decide import settle

    return [settle(p, assess_all(c.weighed.features, c.weighed.findings, model), model).verdict.value
            for c, p in zip(cases, probs)]


def _metrics(cases, oof_scores, oof_probs, model) -> dict:
    from lab.evaluate.metrics import classification_scores

    verdicts = _verdicts(cases, oof_probs, model)
    labels = ("supported", "refuted", "not_enough_evidence", "conflicting")
    by_source: dict[str, list[int]] = {}
    for i, c in enumerate(cases):
        by_source.setdefault(c.source, []).append(i)
    claims = {"all": _claim_scores(cases, verdicts, oof_probs, range(len(cases)), labels, classification_scores)}
    claims.update({s: _claim_scores(cases, verdicts, oof_probs, idx, labels, classification_scores)
                   for s, idx in sorted(by_source.items())})
    parts = [part(c) for c in cases]
    claims["languages"] = {}
    for lang in sorted({c.language for c in cases}):
        mine = [i for i, c in enumerate(cases) if c.language == lang]
        groups = {"all": mine, **{p: [i for i in mine if parts[i] == p] for p in PARTS}}
        claims["languages"][lang] = {name: _claim_scores(cases, verdicts, oof_probs, idx, labels,
                                                         classification_scores)
                                     for name, idx in groups.items() if idx}
    scores = np.concatenate([s for s in oof_scores])
    gold = np.concatenate([c.gold for c in cases]).astype(float)
    passages = {"passages": int(len(gold)), "gold_share": round(float(gold.mean()), 4),
                "auc": round(_auc(scores, gold), 4), "ece": round(_ece(scores, gold), 4),
                "log_loss": round(float(-np.mean(gold * np.log(scores + 1e-9)
                                                 + (1 - gold) * np.log(1 - scores + 1e-9))), 4)}
    return {"note": f"{FOLDS}-fold out-of-fold figures on the training claims (folds by claim); held-out test "
                    "figures are `recoupe eval scifact` and `recoupe eval climate-fever`; per language, parts: "
                    "threshold (chose the abstention thresholds), measure (never seen by the stance model, did "
                    "not choose them), stance_seen",
            "evidence": passages, "claims": claims, "known": _known(cases, model, parts),
            "thresholds": model.to_dict()["thresholds"]}


def _known(cases, model, parts) -> dict:
    """How often a passage that states its stance (a rule finding, the claim's own wording) takes the side
    of its claim's label, on claims the stance model never trained on, per language: a measurement of
    `known` (model.KNOWN's priors are not replaced by it)."""
    from service.verdict.types import Reason

    counts: dict = {}
    for c, part in zip(cases, parts):
        if part == "stance_seen" or c.label not in ("supported", "refuted"):
            continue
        for a in assess_all(c.weighed.features, c.weighed.findings, model):
            if not a.known:
                continue
            kind = "wording" if {Reason.WORDING_MATCH, Reason.WORDING_FLIP} & set(a.reasons) else "rule"
            right = (a.stance == "supports") == (c.label == "supported")
            n = counts.setdefault(c.language, {}).setdefault(kind, [0, 0])
            n[0], n[1] = n[0] + 1, n[1] + int(right)
    return {lang: {kind: {"passages": n, "right": round(r / n, 4)} for kind, (n, r) in kinds.items()}
            for lang, kinds in sorted(counts.items())}


def _claim_scores(cases, verdicts, probs, idx, labels, classification_scores) -> dict:
    idx = list(idx)
    gold = [cases[i].label for i in idx]
    pred = [verdicts[i] for i in idx]
    s = classification_scores(gold, pred, labels)
    labelled = [i for i in idx if cases[i].label in CLASSES]
    ece = _multiclass_ece(probs[labelled], [CLASSES.index(cases[i].label) for i in labelled]) if labelled else None
    return {"claims": len(idx), "accuracy": round(s["accuracy"], 4), "macro_f1": round(s["macro_f1"], 4),
            "per_class": s.get("per_class"), "claim_probability_ece": None if ece is None else round(ece, 4)}


def _auc(scores, gold) -> float:
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = gold.sum()
    neg = len(gold) - pos
    return float((ranks[gold == 1].sum() - pos * (pos + 1) / 2) / (pos * neg)) if pos and neg else float("nan")


def _ece(p, y, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (p >= lo) & (p < hi if hi < 1 else p <= hi)
        if m.any():
            total += m.mean() * abs(p[m].mean() - y[m].mean())
    return float(total)


def _multiclass_ece(probs, labels) -> float:
    labels = np.asarray(labels)
    conf = probs.max(axis=1)
    right = (probs.argmax(axis=1) == labels).astype(float)
    return _ece(conf, right)


def _reliability_plot(cases, oof_scores, oof_probs, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    scores = np.concatenate(oof_scores)
    gold = np.concatenate([c.gold for c in cases]).astype(float)
    _curve(axes[0], scores, gold, "evidence score")
    axes[0].set_title("Passages: is it evidence? (out of fold)")
    labelled = [i for i, c in enumerate(cases) if c.label in CLASSES]
    for j, name in enumerate(CLASSES):
        _curve(axes[1], oof_probs[labelled, j], np.array([cases[i].label == name for i in labelled], float), name)
    axes[1].set_title("Claims: verdict probabilities (out of fold)")
    for ax in axes:
        ax.plot([0, 1], [0, 1], ":", color="grey")
        ax.set_xlabel("predicted probability")
        ax.set_ylabel("observed frequency")
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _curve(ax, p, y, label: str, bins: int = 10) -> None:
    edges = np.linspace(0, 1, bins + 1)
    xs, ys = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (p >= lo) & (p < hi if hi < 1 else p <= hi)
        if m.sum() >= 5:
            xs.append(p[m].mean())
            ys.append(y[m].mean())
    ax.plot(xs, ys, "o-", label=label)
