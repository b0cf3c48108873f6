"""Evaluation metrics and fusion against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab.evaluate.metrics import (
    classification_scores,
    confusion_matrix,
    ndcg_at_k,
    recall_at_k,
    recall_curve,
    reciprocal_rank,
    retrieval_scores,
    threshold_curve,
)
from lab.evaluate.report import clean, markdown
from lab.evaluate.retrieval import convex, doc_max, rank_matrix, rrf, top_ids, zscore


def test_recall_counts_relevant_items_in_the_first_k():
    ranked = ["a", "x", "b", "y", "c"]
    assert recall_at_k(ranked, {"a", "b", "c", "d"}, 1) == 0.25
    assert recall_at_k(ranked, {"a", "b", "c", "d"}, 3) == 0.5
    assert recall_at_k(ranked, {"a", "b", "c", "d"}, 100) == 0.75


def test_a_document_repeated_in_a_ranking_counts_once():
    # Two passages of document "a" at ranks 1 and 2: "b" is really second.
    assert recall_at_k(["a", "a", "b"], {"b"}, 2) == 1.0
    assert reciprocal_rank(["a", "a", "b"], {"b"}) == 0.5


def test_ndcg_matches_a_hand_computed_value():
    # Relevant at ranks 2 and 3 of 2 relevant: DCG = 1/log2(3) + 1/log2(4); IDCG = 1 + 1/log2(3).
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "a", "b"], {"a", "b"}, 10) == pytest.approx(expected)
    assert ndcg_at_k(["a", "b", "x"], {"a", "b"}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y", "a"], {"a"}, 2) == 0.0


def test_ndcg_uses_graded_gains_linearly():
    # Gains 2 (at rank 2) and 1 (at rank 1): DCG = 1 + 2/log2(3); ideal = 2 + 1/log2(3).
    expected = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg_at_k(["b", "a"], {"a": 2, "b": 1}, 10) == pytest.approx(expected)


def test_mrr_is_the_inverse_rank_of_the_first_relevant_item_within_k():
    assert reciprocal_rank(["x", "y", "a", "b"], {"a", "b"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "y", "a"], {"a"}, k=2) == 0.0


def test_mean_retrieval_scores_skip_claims_without_relevant_items():
    rankings = {"q1": ["a", "b"], "q2": ["c", "d"], "q3": ["e"]}
    qrels = {"q1": {"b"}, "q2": {"c", "z"}, "q3": set()}
    s = retrieval_scores(rankings, qrels, ks=(1, 10))
    assert s["queries"] == 2 and s["relevant_pairs"] == 3
    assert s["recall@1"] == pytest.approx((0 + 0.5) / 2)
    assert s["recall@10"] == pytest.approx((1 + 0.5) / 2)
    assert s["mrr@10"] == pytest.approx((0.5 + 1) / 2)
    assert recall_curve(rankings, qrels, 3) == pytest.approx([0.25, 0.75, 0.75])


def test_confusion_matrix_rows_are_gold_columns_predicted():
    cm = confusion_matrix(["e", "e", "n", "c", "c", "c"], ["e", "n", "n", "c", "e", "c"], ["e", "n", "c"])
    assert cm == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_macro_f1_and_per_class_scores_by_hand():
    gold = ["e", "e", "n", "c", "c", "c"]
    pred = ["e", "n", "n", "c", "e", "c"]
    s = classification_scores(gold, pred, ["e", "n", "c"])
    # e: P 1/2, R 1/2, F1 1/2; n: P 1/2, R 1, F1 2/3; c: P 1, R 2/3, F1 4/5.
    assert s["per_class"]["e"]["f1"] == pytest.approx(0.5)
    assert s["per_class"]["n"]["f1"] == pytest.approx(2 / 3)
    assert s["per_class"]["c"]["f1"] == pytest.approx(0.8)
    assert s["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)
    assert s["accuracy"] == pytest.approx(4 / 6)


def test_a_class_absent_from_gold_and_predictions_does_not_drag_macro_f1():
    s = classification_scores(["a", "b"], ["a", "b"], ["a", "b", "c"])
    assert s["macro_f1"] == 1.0 and s["per_class"]["c"]["support"] == 0


def test_unknown_labels_are_refused():
    with pytest.raises(ValueError):
        confusion_matrix(["a"], ["z"], ["a", "b"])


def test_threshold_curve_precision_and_recall():
    c = threshold_curve([0.9, 0.8, 0.3, 0.1], [True, False, True, False], [0.5, 0.95])
    assert c["precision"] == [0.5, None] and c["recall"] == [0.5, 0.0]


def test_rank_matrix_leaves_unscored_lexical_items_unranked():
    r = rank_matrix(np.array([[0.0, 2.0, 1.0]]), sparse=True)
    assert r[0, 1] == 1 and r[0, 2] == 2 and np.isinf(r[0, 0])


def test_weighted_rrf_by_hand():
    a = rank_matrix(np.array([[3.0, 2.0, 1.0]]))  # ranks 1, 2, 3
    b = rank_matrix(np.array([[0.0, 1.0, 5.0]]), sparse=True)  # -, 2, 1
    fused = rrf([a, b], [1.0, 2.0], k=10)
    assert fused[0] == pytest.approx([1 / 11, 1 / 12 + 2 / 12, 1 / 13 + 2 / 11])
    assert top_ids(fused, ["x", "y", "z"], 2) == [["z", "y"]]
    # depth: only each retriever's first item counts.
    assert rrf([a, b], [1.0, 1.0], k=10, depth=1)[0] == pytest.approx([1 / 11, 0, 1 / 11])


def test_convex_fusion_weighs_z_scores():
    z = zscore(np.array([[1.0, 2.0, 3.0]]))
    assert z[0] == pytest.approx([-1.2247449, 0.0, 1.2247449])
    fused = convex([np.array([[1.0, 2.0, 3.0]]), np.array([[3.0, 2.0, 1.0]])], [2.0, 1.0])
    assert fused[0] == pytest.approx(z[0])


def test_document_score_is_its_best_sentence():
    units = np.array([[0.1, 0.7, 0.2, 0.4, 0.3]])
    assert doc_max(units, np.array([0, 2, 3]))[0] == pytest.approx([0.7, 0.2, 0.4])


def test_report_json_has_no_nan_and_markdown_marks_subsets():
    assert clean({"a": float("nan"), "b": [np.float32(0.123456)]}) == {"a": None, "b": [0.1235]}
    md = markdown({"dataset": "scifact", "subset": {"limit": 50}, "settings": {}})
    assert "NOT comparable" in md


def test_fusion_tuning_finds_the_informative_signal():
    from lab.evaluate.datasets import Claim
    from lab.evaluate.retrieval import DOC_SIGNALS, tune

    rng = np.random.default_rng(0)
    doc_ids = [f"d{i}" for i in range(30)]
    claims = [Claim(f"q{q}", "claim", "NEI", relevant_docs={f"d{q}"}) for q in range(25)]
    truth = np.zeros((25, 30))
    truth[np.arange(25), np.arange(25)] = 1.0
    doc = {s: rng.random((25, 30)) for s in DOC_SIGNALS}
    doc["dense-doc"] = truth + 0.01 * rng.random((25, 30))
    tuned = tune(doc, doc_ids, claims, log=lambda *a: None)
    for kind in ("rrf", "convex"):
        assert tuned[kind]["train_ndcg_at_10"] == pytest.approx(1.0)
        w = tuned[kind]["weights"]
        assert w["dense-doc"] == max(w.values())


def test_the_stance_evaluator_reads_probabilities_two_ways_with_the_one_classification_score():
    # lab/stance/evaluate.py is the one stance evaluator: recoupe eval's blocks and the held-out table both
    # score with classification_scores (rounded to 4 places), argmax and the fixed 0.5 rule apart.
    from lab.stance.evaluate import score_pairs, scores

    gold = [0, 1, 2, 1]  # entailment, neutral, contradiction, neutral
    probs = [[.7, .2, .1], [.4, .35, .25], [.1, .2, .7], [.2, .3, .5]]
    out = score_pairs(gold, probs, ["fr-fr", "fr-fr", "en-en", "en-en"])
    # argmax reads the second pair as entailment; the rule needs 0.5 for it and says neutral.
    assert out["argmax"]["accuracy"] == 0.5 and out["service"]["accuracy"] == 0.75
    assert out["argmax"]["confusion"] == [[1, 0, 0], [1, 0, 1], [0, 0, 1]]
    names = ["entailment", "neutral", "contradiction"]
    expected = classification_scores([names[g] for g in gold], ["entailment", "entailment", "contradiction",
                                                                "contradiction"], names)
    assert out["argmax"]["macro_f1"] == round(expected["macro_f1"], 4) == scores(gold, [0, 0, 2, 2])["macro_f1"]
    assert sorted(out["by_language"]) == ["en-en", "fr-fr"]
    assert out["by_language"]["fr-fr"]["service"]["accuracy"] == 1.0
    assert sorted(out["curves"]) == ["contradiction", "entailment"]
    assert scores([], [])["accuracy"] is None  # JSON-safe where nothing was counted
