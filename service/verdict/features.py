"""The numbers the verdict model reads, computed the same way when training
(verdict/train.py) and when serving (assess.py, decide.py).

Passage features say whether a passage bears on the claim at all and which
way; claim features summarise a claim's assessed passages. The names are
stored with the coefficients in models/verdict/model.json, so a model
trained on another feature list is refused at load time instead of misread.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from service.verdict.sides import rule_conflict, rule_match
from service.verdict.types import Stance

if TYPE_CHECKING:
    from service.verdict.facts import ClaimFacts, PassageFacts
    from service.verdict.subjects import Subject

PASSAGE_FEATURES = (
    "p_supports", "p_refutes", "p_neutral",  # the stance model's calibrated probabilities
    "cosine",  # the embedder's claim/passage cosine (query vs passage prefixes)
    "overlap",  # share of the claim's content words in the passage, same language only
    "cross_language",  # claim and passage in different languages: overlap says nothing
    "names_share", "claim_has_names", "other_names_only",  # whom claim and passage are about
    "rule_conflict", "rule_match",  # a number/date/weekday of the same thing: other value / same value
    "passage_words",  # log of the passage's length in words: long passages mention more in passing
    "cosine_gap", "overlap_gap",  # below the claim's best candidate: cosine levels vary from claim to claim
)

CLAIM_FEATURES = (
    "best_support",  # max over passages of evidence score x support share
    "best_refute",
    "any_support",  # noisy-or over passages: at least one supports
    "any_refute",
    "best_evidence",  # the highest evidence score
    "rule_conflict",  # highest evidence score among passages with a rule conflict
    "rule_match",
)


def passage_features(claim: "ClaimFacts", passage: "PassageFacts", subject: "Subject",
                     probabilities: dict[Stance, float], cosine: float, findings) -> np.ndarray:
    """One passage's row. `findings`: its rule findings only, as the verdict model was trained."""
    p_sup, p_neu, p_ref = (probabilities[s] for s in (Stance.SUPPORTS, Stance.NEUTRAL, Stance.REFUTES))
    cross = claim.language != passage.language
    overlap = 0.0
    if not cross:
        claim_words = {w for w in claim.words if w not in claim.names}
        if claim_words:
            overlap = len(claim_words & set(passage.words)) / len(claim_words)
    return np.array([p_sup, p_ref, p_neu, cosine, overlap, float(cross), subject.share, float(subject.claim_named),
                     float(subject.others_only), float(rule_conflict(findings)), float(rule_match(findings)),
                     math.log1p(len(passage.text.split())), 0.0, 0.0], dtype=np.float64)


def with_gaps(rows: np.ndarray) -> np.ndarray:
    """Fill the gap features of one claim's passages (rows of passage_features), relative to its best."""
    if len(rows):
        for name, gap in (("cosine", "cosine_gap"), ("overlap", "overlap_gap")):
            i, j = PASSAGE_FEATURES.index(name), PASSAGE_FEATURES.index(gap)
            rows[:, j] = rows[:, i] - rows[:, i].max()
    return rows


def claim_features(scores, shares, conflicts, matches) -> np.ndarray:
    """scores: evidence score per passage; shares: support share per passage;
    conflicts / matches: per passage, whether a rule found a conflict / a match."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return np.zeros(len(CLAIM_FEATURES))
    shares = np.asarray(shares, dtype=np.float64)
    sup, ref = scores * shares, scores * (1 - shares)
    conflicts, matches = np.asarray(conflicts, dtype=bool), np.asarray(matches, dtype=bool)
    return np.array([sup.max(), ref.max(), 1 - np.prod(1 - sup), 1 - np.prod(1 - ref), scores.max(),
                     scores[conflicts].max() if conflicts.any() else 0.0,
                     scores[matches].max() if matches.any() else 0.0])
