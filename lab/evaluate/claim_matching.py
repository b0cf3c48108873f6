"""Train and measure the "same claim" model (models/matching/model.json); never imported by the service.

    python -m lab.evaluate.claim_matching [DATA_DIR]

1. Fit: a logistic regression over `factchecks.model.FEATURES` on CheckThat! 2020 task 2 train
   (each tweet against its `WIDE` nearest verified claims: the relevant one is 1, the others 0)
   and the first STS-B train pairs in four directions (fr-fr, en-en, fr-en, en-fr; 1 at score >= 4).
2. Choose: the "same claim" threshold maximises F1 on task 2 dev candidates plus STS-B dev pairs
   (all four directions); the near-duplicate threshold maximises F1 of "score >= 4.6" on STS-B dev.
3. Measure (nothing chosen here): task 2 dev and test MAP@5 (the lab's measure: one relevant claim
   per tweet, so AP@5 is 1/rank within the top 5), dense-only and re-scored; the cross-lingual set
   (French claims vs their English originals among 10,375 + 500 English claims): rank-1 accuracy.
Writes models/matching/model.json and reports/matching/metrics.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT
from lab.evaluate import matching_data as md
from lab.evaluate.set_vectors import cache_for, vectors
from lab.models.linear_output import write_model
from service.factchecks.model import FEATURES, MatchModel, pair_features
from service.models.linear import Linear

WIDE = 20  # candidates per tweet for fitting and thresholds (as the service re-scores)
RANK_WIDE = 50  # candidates re-scored for MAP@5
OUT_MODEL = REPO_ROOT / "models" / "matching" / "model.json"
OUT_REPORT = REPO_ROOT / "reports" / "matching" / "metrics.json"


def candidate_pairs(queries, qv, claims, cv, k: int):
    """For each query: its k nearest verified claims by cosine -> features, labels, cosines."""
    sims = qv @ cv.T
    rows, labels, groups = [], [], []
    for n, q in enumerate(queries):
        top = np.argsort(-sims[n])[:k]
        words = md.tweet_words(q.text)
        for i in top:
            rows.append(pair_features(sims[n, i], words, "en", claims[i].text, "en"))
            labels.append(int(claims[i].id in q.relevant))
            groups.append(n)
    return np.array(rows), np.array(labels), np.array(groups), sims


def stsb_pairs(pairs, cache):
    texts = sorted({t for p in pairs for t in (p.a, p.b)})
    at = {t: i for i, t in enumerate(texts)}
    v = vectors(cache, texts, "STS-B")
    x = np.array([pair_features(float(v[at[p.a]] @ v[at[p.b]]), p.a, p.direction[:2], p.b, p.direction[3:])
                  for p in pairs])
    return x, np.array([p.score for p in pairs]), [p.direction for p in pairs]


def map_at_5(queries, claims, sims, scorer=None, k: int = RANK_WIDE) -> float:
    total = 0.0
    for n, q in enumerate(queries):
        top = np.argsort(-sims[n])[:k]
        if scorer is not None:
            x = np.array([pair_features(sims[n, i], md.tweet_words(q.text), "en", claims[i].text, "en") for i in top])
            top = top[np.argsort(-scorer(x), kind="stable")]
        hits = [r for r, i in enumerate(top[:5], start=1) if claims[i].id in q.relevant]
        total += sum(1.0 / r for r in hits) / max(1, min(len(q.relevant), 5)) if hits else 0.0
    return total / len(queries)


def best_f1_threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    best = (0.0, 0.5)
    for t in np.unique(np.round(p, 3)):
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        f1 = 2 * tp / max(1.0, pred.sum() + (y == 1).sum())
        if f1 > best[0]:
            best = (f1, float(t))
    return best


def f1_at(p, y, t) -> dict:
    pred = p >= t
    tp = float((pred & (y == 1)).sum())
    precision, recall = tp / max(1, pred.sum()), tp / max(1, (y == 1).sum())
    return {"f1": round(2 * precision * recall / max(1e-9, precision + recall), 4), "precision": round(precision, 4),
            "recall": round(recall, 4), "pairs": int(len(y)), "positives": int((y == 1).sum())}


def crosslingual(data_dir, cache, claims, cv, model: MatchModel) -> dict:
    pairs = md.read_crosslingual(data_dir)
    fv = vectors(cache, [f for f, _ in pairs], "cross-lingual fr")
    ev = vectors(cache, [e for _, e in pairs], "cross-lingual en")
    pool_text = [e for _, e in pairs] + [c.text for c in claims]
    pool = np.vstack([ev, cv])
    sims = fv @ pool.T
    dense = rescored = found = 0
    for n, (french, _) in enumerate(pairs):
        top = np.argsort(-sims[n])[:WIDE]
        dense += int(top[0] == n)
        x = np.array([pair_features(sims[n, i], french, "fr", pool_text[i], "en") for i in top])
        p = model.probability(x)
        best = top[int(np.argmax(p))]
        rescored += int(best == n)
        found += int(best == n and p.max() >= model.same)
    m = len(pairs)
    return {"claims": m, "pool": len(pool_text), "rank1_dense": round(dense / m, 4),
            "rank1_rescored": round(rescored / m, 4), "rank1_and_matched": round(found / m, 4),
            "source": "XNLI-MT train hypotheses (French MT vs English original), pool = their English side + the "
                      "10,375 task 2 verified claims"}


def main(argv=None) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from service.config import load_config
    from service.models.registry import get_models
    from lab.stance.data import resolve_data_dir

    data_dir = resolve_data_dir((argv or sys.argv[1:] or [None])[0])
    embedder = get_models(load_config()).embedder
    cache = cache_for(embedder)
    claims = md.read_verified_claims(data_dir)
    cv = vectors(cache, [c.text for c in claims], "verified claims")
    split = {s: md.read_tweets(data_dir, s) for s in ("train", "dev", "test")}
    split["train"] = split["train"][:md.TRAIN_TWEETS]
    qv = {s: vectors(cache, [q.text for q in qs], f"task 2 {s} tweets") for s, qs in split.items()}

    x_t2, y_t2, _, _ = candidate_pairs(split["train"], qv["train"], claims, cv, WIDE)
    x_sts, score_sts, _ = stsb_pairs(md.read_stsb(data_dir, "train"), cache)
    x = np.vstack([x_t2, x_sts])
    y = np.concatenate([y_t2, (score_sts >= md.SAME_SCORE).astype(int)])
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(x), y)
    linear = Linear(FEATURES, scaler.mean_, scaler.scale_, lr.coef_.ravel(), lr.intercept_)

    x_dev, y_dev, _, sims_dev = candidate_pairs(split["dev"], qv["dev"], claims, cv, WIDE)
    xs_dev, score_dev, dirs_dev = stsb_pairs(md.read_stsb(data_dir, "dev"), cache)
    draft = MatchModel(linear, 0.5, 0.9, {})
    p_dev, p_sts = draft.probability(x_dev), draft.probability(xs_dev)
    y_sts = (score_dev >= md.SAME_SCORE).astype(int)
    _, same = best_f1_threshold(np.concatenate([p_dev, p_sts]), np.concatenate([y_dev, y_sts]))
    _, duplicate = best_f1_threshold(p_sts, (score_dev >= md.DUPLICATE_SCORE).astype(int))
    duplicate = max(duplicate, same)

    dirs = np.array(dirs_dev)
    chosen = {"task2_dev_candidates": f1_at(p_dev, y_dev, same),
              **{f"stsb_dev_{d}": f1_at(p_sts[dirs == d], y_sts[dirs == d], same)
                 for d in ("fr-fr", "en-en", "fr-en", "en-fr")},
              "stsb_dev_duplicate": f1_at(p_sts, (score_dev >= md.DUPLICATE_SCORE).astype(int), duplicate)}
    info = {"trained_on": f"CheckThat! 2020 task 2 train, first {md.TRAIN_TWEETS} tweets (top-20 candidates "
                          f"each) + STS-B train first {md.STSB_LINES['train']} lines x 4 directions (same claim: "
                          f"score >= {md.SAME_SCORE})",
            "thresholds_chosen_on": f"F1 on task 2 dev candidates + STS-B dev first {md.STSB_LINES['dev']} lines "
                                    "(fr-fr, en-en, fr-en, en-fr); "
                                    f"near-duplicate: F1 of STS-B dev score >= {md.DUPLICATE_SCORE}",
            "embedder": embedder.name, "train_pairs": int(len(y)), "train_positives": int(y.sum())}
    model = MatchModel(linear, round(same, 4), round(duplicate, 4), info)

    sims_test = qv["test"] @ cv.T
    metrics = {
        "task2_map5": {
            "dev_dense": round(map_at_5(split["dev"], claims, sims_dev), 4),
            "dev_rescored": round(map_at_5(split["dev"], claims, sims_dev, model.probability), 4),
            "test_dense": round(map_at_5(split["test"], claims, sims_test), 4),
            "test_rescored": round(map_at_5(split["test"], claims, sims_test, model.probability), 4),
            "test_tweets": len(split["test"]),
        },
        "thresholds": {"same": model.same, "duplicate": model.duplicate, "at_the_thresholds": chosen},
        "crosslingual": crosslingual(data_dir, cache, claims, cv, model),
    }
    model = MatchModel(linear, model.same, model.duplicate, {**info, "metrics": metrics})
    write_model(model, OUT_MODEL, metrics, OUT_REPORT)
    print(json.dumps(metrics, indent=1))
    return metrics


if __name__ == "__main__":
    main()
