"""Metric functions: pure, on plain Python values, no model and no file.

Retrieval follows the BEIR conventions (trec_eval's definitions): a query
counts only if it has at least one relevant item; nDCG uses linear gain
(the relevance value) and a log2(rank + 1) discount, the ideal ranking being
the relevant items sorted by gain; recall@k is the share of a query's
relevant items found in its first k; MRR@k is 1 / the rank of the first
relevant item within the first k (0 if none). Figures are means over queries.

Classification: rows of the confusion matrix are the gold labels, columns
the predictions, in the order of `labels`. Macro-F1 averages the per-class
F1 over the classes that occur in the gold labels or the predictions (as
scikit-learn does by default), so a class absent from a small subset does
not count as a zero.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

Relevance = Mapping[Hashable, float] | set | frozenset


def _gains(relevant: Relevance) -> dict:
    if isinstance(relevant, Mapping):
        return {k: float(v) for k, v in relevant.items() if v > 0}
    return {k: 1.0 for k in relevant}


# ---------------------------------------------------------------- one query

def recall_at_k(ranked: Sequence, relevant: Relevance, k: int) -> float:
    rel = _gains(relevant)
    if not rel:
        raise ValueError("recall is undefined for a query without relevant items")
    return sum(1 for item in _unique(ranked)[:k] if item in rel) / len(rel)


def ndcg_at_k(ranked: Sequence, relevant: Relevance, k: int) -> float:
    rel = _gains(relevant)
    if not rel:
        raise ValueError("nDCG is undefined for a query without relevant items")
    dcg = sum(rel.get(item, 0.0) / math.log2(i + 2) for i, item in enumerate(_unique(ranked)[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(rel.values(), reverse=True)[:k]))
    return dcg / ideal


def reciprocal_rank(ranked: Sequence, relevant: Relevance, k: int | None = None) -> float:
    rel = _gains(relevant)
    for i, item in enumerate(_unique(ranked)[:k]):
        if item in rel:
            return 1.0 / (i + 1)
    return 0.0


def _unique(ranked: Sequence) -> list:
    """A ranking may repeat an item (e.g. two passages of one document): only its first place counts."""
    seen, out = set(), []
    for item in ranked:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


# ---------------------------------------------------------------- many queries

def retrieval_scores(rankings: Mapping[Hashable, Sequence], qrels: Mapping[Hashable, Relevance],
                     ks: Iterable[int] = (1, 5, 10, 100), ndcg_k: int = 10, mrr_k: int = 10) -> dict:
    """Means over the queries of `qrels` that have a relevant item; a query with no ranking scores 0."""
    queries = [q for q in qrels if _gains(qrels[q])]
    out: dict = {"queries": len(queries), "relevant_pairs": sum(len(_gains(qrels[q])) for q in queries)}
    if not queries:
        return out
    for k in ks:
        out[f"recall@{k}"] = _mean(recall_at_k(rankings.get(q, []), qrels[q], k) for q in queries)
    out[f"ndcg@{ndcg_k}"] = _mean(ndcg_at_k(rankings.get(q, []), qrels[q], ndcg_k) for q in queries)
    out[f"mrr@{mrr_k}"] = _mean(reciprocal_rank(rankings.get(q, []), qrels[q], mrr_k) for q in queries)
    return out


def recall_curve(rankings: Mapping[Hashable, Sequence], qrels: Mapping[Hashable, Relevance], max_k: int) -> list[float]:
    """Mean recall@k for k = 1 .. max_k (for plots)."""
    queries = [q for q in qrels if _gains(qrels[q])]
    if not queries:
        return []
    totals = [0.0] * max_k
    for q in queries:
        rel = _gains(qrels[q])
        found = 0
        for i, item in enumerate(_unique(rankings.get(q, []))[:max_k]):
            found += item in rel
            totals[i] += found / len(rel)
        # Past the end of a short ranking, recall stays where it was.
        last = found / len(rel)
        for i in range(len(_unique(rankings.get(q, []))[:max_k]), max_k):
            totals[i] += last
    return [t / len(queries) for t in totals]


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else float("nan")


# ---------------------------------------------------------------- classification

def confusion_matrix(gold: Sequence, pred: Sequence, labels: Sequence) -> list[list[int]]:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    at = {label: i for i, label in enumerate(labels)}
    cm = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred):
        if g not in at or p not in at:
            raise ValueError(f"label {g if g not in at else p!r} is not one of {list(labels)}")
        cm[at[g]][at[p]] += 1
    return cm


def classification_scores(gold: Sequence, pred: Sequence, labels: Sequence) -> dict:
    """Accuracy, macro-F1, per-class precision / recall / F1 / support, and the confusion matrix."""
    cm = confusion_matrix(gold, pred, labels)
    per = {}
    for i, label in enumerate(labels):
        tp = cm[i][i]
        predicted = sum(row[i] for row in cm)
        support = sum(cm[i])
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[str(label)] = {"precision": precision, "recall": recall, "f1": f1, "support": support,
                           "predicted": predicted}
    present = [str(label) for label in labels if per[str(label)]["support"] or per[str(label)]["predicted"]]
    n = len(gold)
    return {
        "n": n,
        "accuracy": sum(cm[i][i] for i in range(len(labels))) / n if n else float("nan"),
        "macro_f1": _mean(per[label]["f1"] for label in present),
        "per_class": per,
        "labels": [str(label) for label in labels],
        "confusion": cm,
    }


def threshold_curve(scores: Sequence[float], positive: Sequence[bool], thresholds: Sequence[float]) -> dict:
    """Precision and recall of "score >= t" against `positive`, for each threshold t.

    Precision is reported as None where nothing reaches the threshold.
    """
    if len(scores) != len(positive):
        raise ValueError(f"{len(scores)} scores but {len(positive)} labels")
    total = sum(1 for p in positive if p)
    precision, recall = [], []
    for t in thresholds:
        chosen = [p for s, p in zip(scores, positive) if s >= t]
        tp = sum(1 for p in chosen if p)
        precision.append(tp / len(chosen) if chosen else None)
        recall.append(tp / total if total else None)
    return {"thresholds": list(thresholds), "precision": precision, "recall": recall, "positives": total}
