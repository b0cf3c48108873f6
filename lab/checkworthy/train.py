"""Train and measure the check-worthiness model (models/checkworthy/model.json); never imported by the service.

    python -m lab.checkworthy.train [DATA_DIR]

Trains on ClaimBuster train (4/5, by sentence_id), CheckThat! 2020 task 1 train + dev and task 5
train (every positive, a hashed sample of negatives: set_vectors.task5_train_sample). The
threshold maximises F1 on ClaimBuster's validation fold (sentence_id % 5 == 1, a model fit without
it), then the model is refit on everything. Measured only: task 1 test MAP (the whole test ranking),
task 5 test MAP (mean over the 20 transcripts), ClaimBuster held-out F1 of the check-worthy class,
beside the task's n-gram baseline rebuilt here (word 1-2-grams, logistic regression, task 5 train),
and the French sentences labelled by hand in tests/data/checkworthy_fr.jsonl.
Writes models/checkworthy/model.json and reports/checkworthy/metrics.json.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from lab.checkworthy.data import read_claimbuster, read_task1, read_task5
from service.checkworthy.features import hand_features
from service.checkworthy.model import FEATURES, CheckWorthyModel
from service.config import REPO_ROOT
from lab.evaluate.set_vectors import cache_for, task5_test_sample, task5_train_sample, vectors
from lab.models.linear_output import write_model
from service.models.linear import Linear

OUT_MODEL = REPO_ROOT / "models" / "checkworthy" / "model.json"
OUT_REPORT = REPO_ROOT / "reports" / "checkworthy" / "metrics.json"
FRENCH = REPO_ROOT / "tests" / "data" / "checkworthy_fr.jsonl"
C = 0.3  # regularisation: 397 inputs, ~16k sentences


def design(cache, rows, label: str) -> np.ndarray:
    v = vectors(cache, [s.text for s in rows], label)
    return np.hstack([v, np.array([hand_features(s.text) for s in rows])])


def average_precision(scores, labels) -> float:
    order = np.argsort(-np.asarray(scores), kind="stable")
    y = np.asarray(labels)[order]
    if not y.sum():
        return 0.0
    hits = np.cumsum(y)
    return float((hits[y == 1] / (np.flatnonzero(y == 1) + 1)).mean())


def mean_ap(scores, rows) -> float:
    groups = {}
    for i, s in enumerate(rows):
        groups.setdefault(s.group, []).append(i)
    labels = np.array([s.label for s in rows])
    return float(np.mean([average_precision(scores[idx], labels[idx]) for idx in groups.values()]))


def f1(pred, y) -> dict:
    tp = float((pred & (y == 1)).sum())
    p, r = tp / max(1, pred.sum()), tp / max(1, (y == 1).sum())
    return {"f1": round(2 * p * r / max(1e-9, p + r), 4), "precision": round(p, 4), "recall": round(r, 4)}


def fit(x, y):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=C, max_iter=2000).fit(scaler.transform(x), y)
    return Linear(FEATURES, scaler.mean_, scaler.scale_, lr.coef_.ravel(), lr.intercept_)


def ngram_baseline(train, test) -> float:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = CountVectorizer(ngram_range=(1, 2), min_df=2)
    lr = LogisticRegression(max_iter=2000, class_weight="balanced").fit(vec.fit_transform([s.text for s in train]),
                                                                        [s.label for s in train])
    return mean_ap(lr.predict_proba(vec.transform([s.text for s in test]))[:, 1], test)


def read_french(data_dir) -> list[tuple[str, int]]:
    """The hand-labelled French sentences: the seeds' sentences are written in the file; XNLI-fr dev
    premises (CC BY-NC, not copied here) are named by the sha1 of their text and read from the data folder."""
    import csv
    import hashlib

    premises = {}
    path = data_dir / "xnli_fr" / "dev-fr.tsv"
    if path.is_file():
        for r in csv.reader(open(path, encoding="utf-8"), delimiter="\t"):
            premises[hashlib.sha1(r[0].encode()).hexdigest()[:16]] = r[0]
    out = []
    for line in FRENCH.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        text = r.get("text") or premises.get(r.get("sha1", ""))
        if text:
            out.append((text, int(r["label"])))
    return out


def french(model: CheckWorthyModel, embedder, data_dir) -> dict | None:
    rows = read_french(data_dir)
    if not rows:
        return None
    texts = [t for t, _ in rows]
    y = np.array([label for _, label in rows])
    scores = model.scores(embedder.encode_queries(texts), np.array([hand_features(t) for t in texts]))
    return {"sentences": len(rows), "positives": int(y.sum()), "ap": round(average_precision(scores, y), 4),
            **f1(scores >= model.threshold, y)}


def main(argv=None) -> dict:
    from service.config import load_config
    from service.models.registry import get_models
    from lab.stance.data import resolve_data_dir

    data_dir = resolve_data_dir((argv or sys.argv[1:] or [None])[0])
    embedder = get_models(load_config()).embedder
    cache = cache_for(embedder)
    cb, t1, t5 = read_claimbuster(data_dir), read_task1(data_dir), read_task5(data_dir)
    t5_train = task5_train_sample(t5["train"])

    x_cb, x_t1, x_t5 = (design(cache, cb["train"], "ClaimBuster train"), design(cache, t1["train"], "task 1 train"),
                        design(cache, t5_train, "task 5 train"))
    y_cb = np.array([s.label for s in cb["train"]])
    y_all = np.concatenate([y_cb, [s.label for s in t1["train"]], [s.label for s in t5_train]])
    x_all = np.vstack([x_cb, x_t1, x_t5])

    # Threshold on a ClaimBuster validation fold, from a model that did not see it.
    import hashlib

    fold = np.array([int(hashlib.sha1(s.text.encode()).hexdigest(), 16) % 5 == 1 for s in cb["train"]])
    keep = np.concatenate([~fold, np.ones(len(x_all) - len(x_cb), bool)])
    draft = CheckWorthyModel(fit(x_all[keep], y_all[keep]), 0.5, {})
    p_fold = draft.scores(x_cb[fold][:, :384], x_cb[fold][:, 384:])
    best = max((f1(p_fold >= t, y_cb[fold])["f1"], t) for t in np.arange(0.05, 0.95, 0.01))
    threshold = round(float(best[1]), 2)

    linear = fit(x_all, y_all)
    model = CheckWorthyModel(linear, threshold, {})
    score = lambda x: model.scores(x[:, :384], x[:, 384:])  # noqa: E731

    x_held = design(cache, cb["heldout"], "ClaimBuster held out")
    y_held = np.array([s.label for s in cb["heldout"]])
    t5_test = task5_test_sample(t5["test"])
    x_t1t, x_t5t = design(cache, t1["test"], "task 1 test"), design(cache, t5_test, "task 5 test")
    metrics = {
        "task1_test_map": round(average_precision(score(x_t1t), [s.label for s in t1["test"]]), 4),
        "task5_test_map": round(mean_ap(score(x_t5t), t5_test), 4),
        "task5_test_map_ngram_baseline": round(ngram_baseline(t5["train"], t5_test), 4),
        "task5_test_map_ngram_baseline_all_20": round(ngram_baseline(t5["train"], t5["test"]), 4),
        "task5_test_transcripts": sorted({s.group for s in t5_test}),
        "claimbuster_heldout": {**f1(score(x_held) >= threshold, y_held), "sentences": int(len(y_held)),
                                "positives": int(y_held.sum()),
                                "ap": round(average_precision(score(x_held), y_held), 4)},
        "threshold": threshold, "threshold_fold_f1": round(float(best[0]), 4),
        "french_hand_labelled": french(model, embedder, data_dir),
    }
    info = {"trained_on": f"ClaimBuster train ({len(y_cb)}), CheckThat! 2020 task 1 train+dev ({len(t1['train'])}), "
                          f"task 5 train sample ({len(t5_train)}: every positive, hashed negatives)",
            "embedder": embedder.name, "C": C, "metrics": metrics}
    model = CheckWorthyModel(linear, threshold, info)
    write_model(model, OUT_MODEL, metrics, OUT_REPORT, indent=None)
    print(json.dumps(metrics, indent=1))
    return metrics


if __name__ == "__main__":
    main()
