"""One assessment per passage: is it evidence for this claim, which way, how
strongly, and which rule findings and reasons say so. Everything the verdict
needs about a passage is decided here, from typed inputs, and nothing
downstream reads text.

The direction comes from the stance model (its support share: entailment
against contradiction); whether the passage bears on the claim at all comes
from the evidence model (verdict/model.py), which weighs the stance model's
neutral column together with the embedder's cosine, shared words, shared
names and the rules. A rule conflict (the same unit of the same entity, or a
date of the same event, with another value) sets the direction to refutes:
the stance model reads "10" and "188" as alike, and the rule's own tests
(same unit, platform, entity, event) stand in for the evidence threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from service.verdict.features import PASSAGE_FEATURES, passage_features, support_share
from service.verdict.rules import findings as rule_findings
from service.verdict.types import Finding, Outcome, Reason, Stance

_AT = {name: i for i, name in enumerate(PASSAGE_FEATURES)}


@dataclass
class Assessment:
    evidence_score: float  # calibrated probability that the passage bears on the claim
    support_share: float  # of supports vs refutes, the share that supports (1 - it refutes)
    stance: Stance
    strength: float  # evidence_score x the share of its side
    findings: list[Finding] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    features: np.ndarray | None = None  # the model's inputs, kept for training and inspection

    @property
    def supports(self) -> float:
        return self.evidence_score * self.support_share

    @property
    def refutes(self) -> float:
        return self.evidence_score * (1 - self.support_share)

    @property
    def rule_conflict(self) -> bool:
        return any(f.outcome == Outcome.CONFLICT for f in self.findings)

    @property
    def rule_match(self) -> bool:
        return any(f.outcome == Outcome.MATCH for f in self.findings)


def inputs(claim: str, claim_language: str, passage: str, passage_language: str, context: str,
           probabilities, cosine: float) -> tuple[np.ndarray, list[Finding]]:
    """The model-free part of an assessment: rule findings and the feature vector."""
    found = rule_findings(claim, claim_language, passage, passage_language, context)
    return passage_features(claim, claim_language, passage, passage_language, context, probabilities, cosine,
                            found), found


def assess_all(features: np.ndarray, found: list[list[Finding]], model) -> list[Assessment]:
    """Assessments of one claim's passages, from their inputs (one evidence-model call for all)."""
    if len(found) == 0:
        return []
    scores = model.evidence_scores(features)
    return [_assessment(float(e), x, f, model.evidence_threshold) for e, x, f in zip(scores, features, found)]


def _assessment(e: float, x: np.ndarray, found: list[Finding], threshold: float) -> Assessment:
    conflict = any(f.outcome == Outcome.CONFLICT for f in found)
    share = 0.0 if conflict else support_share(x[_AT["p_supports"]], x[_AT["p_refutes"]])
    reasons = [Reason.EVIDENCE if e >= threshold else Reason.NOT_EVIDENCE]
    if x[_AT["other_names_only"]]:
        reasons.append(Reason.OTHER_SUBJECT)
    if conflict:
        reasons.append(Reason.RULE_CONFLICT)
    elif any(f.outcome == Outcome.MATCH for f in found):
        reasons.append(Reason.RULE_MATCH)
    stance = Stance.NEUTRAL
    if conflict:
        # The rule's own like-with-like tests (unit, platform, entity, event) are its relevance test.
        stance = Stance.REFUTES
    elif e >= threshold:
        stance = Stance.SUPPORTS if share >= 0.5 else Stance.REFUTES
        if not conflict:
            reasons.append(Reason.MODEL_SUPPORTS if stance == Stance.SUPPORTS else Reason.MODEL_REFUTES)
    strength = e * (share if stance == Stance.SUPPORTS else 1 - share) if stance != Stance.NEUTRAL else 0.0
    return Assessment(e, share, stance, round(strength, 4), found, reasons, x)
