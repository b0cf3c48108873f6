"""From one claim's passage assessments to one verdict: one decision, whose
probabilities the verdict and its confidence are read from.

1. The claim model (verdict/model.py) turns the assessments' summary
   (features.CLAIM_FEATURES: the rule findings among them) into calibrated
   probabilities p of supported, refuted and not_enough_evidence, learned
   from claim-level labels. A side no passage takes gets none of it: its
   share goes to not_enough_evidence (nothing said it).
2. Passages whose stance is known beyond the models (`Assessment.known`: a
   rule finding of the same thing, the claim's own wording, a reviewer's
   reading) are witnesses: each is right with probability `known`, and
   independently of the others. S = 1 - prod(1 - known) over the supporting
   witnesses, R the same over the refuting ones; then
       conflicting   = S R
       supported     = S (1 - R) + (1 - S)(1 - R) p[supported]
       refuted       = R (1 - S) + (1 - S)(1 - R) p[refuted]
       not_enough    = (1 - S)(1 - R) p[not_enough_evidence]
   four probabilities that sum to 1: where every witness is wrong, the claim
   model's reading stands. No witness: the claim model's probabilities as
   they are. Two witnesses that state different values of the same thing
   (a September count and an October one) make `conflicting` likely.
3. The verdict is the likeliest of the four when its probability reaches
   its bar (`bar`), else not_enough_evidence: never "true" by default.
   A side's bar is its abstention threshold, chosen at training for 80%
   precision (models/verdict/README.md), and never above PRECISION_BAR: a
   calibrated probability of 0.8 is right 80% of the time by definition, and
   the trainer writes 0.95 when no lower threshold reached its target.
   Conflicting needs the model's `conflict` probability.

The confidence is defined once (`confidence_of`): the shown verdict's
probability; for not_enough_evidence, the probability that the likeliest
committed verdict would be wrong (1 minus the largest of supported, refuted
and conflicting). So no displayed probability contradicts the verdict: a
committed verdict is the likeliest of the four, and under not_enough_evidence
no other verdict is both the likeliest and over its bar (`consistent`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from service.verdict.assess import Assessment
from service.verdict.features import claim_features
from service.verdict.model import CLASSES
from service.verdict.types import ClaimReason, FindingKind, Outcome, Reason, Verdict

OUTCOMES = ("supported", "refuted", "conflicting", "not_enough_evidence")  # the decision's probabilities
PRECISION_BAR = 0.80  # the precision target: a side's bar is never above it
_SIDE = {"supported": "supports", "refuted": "refutes"}


@dataclass
class Decision:
    verdict: Verdict
    confidence: float
    probabilities: dict[str, float]  # OUTCOMES -> probability, summing to 1
    reasons: list[ClaimReason] = field(default_factory=list)


def summary(assessments: list[Assessment]) -> np.ndarray:
    """The claim model's inputs: the passages it counts (not those about someone else)."""
    return claim_features([a.evidence_score if a.counted else 0.0 for a in assessments],
                          [a.support_share for a in assessments],
                          [a.rule_conflict and a.counted for a in assessments],
                          [a.rule_match and a.counted for a in assessments])


def decide(assessments: list[Assessment], model) -> Decision:
    if not assessments:
        return Decision(Verdict.NOT_ENOUGH_EVIDENCE, 1.0, {c: float(c == "not_enough_evidence") for c in OUTCOMES},
                        [ClaimReason.NOTHING_RETRIEVED])
    return settle(model.claim_probabilities(summary(assessments))[0], assessments, model)


def settle(claim_probabilities, assessments: list[Assessment], model) -> Decision:
    """The decision from the claim model's probabilities (CLASSES order) and the assessments' witnesses."""
    p = dict(zip(CLASSES, (float(v) for v in claim_probabilities)))
    for side, stance in _SIDE.items():
        if not any(a.stance == stance for a in assessments):
            p["not_enough_evidence"] += p[side]
            p[side] = 0.0
    s = 1 - float(np.prod([1 - a.known for a in assessments if a.known and a.stance == "supports"]))
    r = 1 - float(np.prod([1 - a.known for a in assessments if a.known and a.stance == "refutes"]))
    rest = (1 - s) * (1 - r)
    probabilities = {"supported": s * (1 - r) + rest * p["supported"], "refuted": r * (1 - s) + rest * p["refuted"],
                     "conflicting": s * r, "not_enough_evidence": rest * p["not_enough_evidence"]}
    probabilities = {k: round(v, 4) for k, v in probabilities.items()}
    likeliest = max(OUTCOMES, key=lambda k: probabilities[k])
    verdict = Verdict(likeliest) if probabilities[likeliest] >= bar(likeliest, model) else Verdict.NOT_ENOUGH_EVIDENCE
    return Decision(verdict, confidence_of(verdict, probabilities), probabilities,
                    _reasons(verdict, assessments))


def bar(outcome: str, model) -> float:
    """The probability a verdict needs to be given."""
    if outcome == "conflicting":
        return model.conflict
    if outcome == "not_enough_evidence":
        return 0.0
    return min(model.abstain[outcome], PRECISION_BAR)


def confidence_of(verdict: Verdict, probabilities: dict[str, float]) -> float:
    """The confidence shown beside a verdict, from the probabilities shown beside it."""
    if verdict == Verdict.NOT_ENOUGH_EVIDENCE:
        return round(1 - max(probabilities[k] for k in ("supported", "refuted", "conflicting")), 4)
    return probabilities[verdict.value]


def consistent(verdict: Verdict, confidence: float, probabilities: dict[str, float], model) -> list[str]:
    """What is wrong with a verdict, its confidence and its probabilities shown together ([]: nothing)."""
    out = []
    if set(probabilities) != set(OUTCOMES) or abs(sum(probabilities.values()) - 1) > 1e-3:
        out.append(f"probabilities {probabilities} are not the four outcomes summing to 1")
        return out
    if abs(confidence - confidence_of(verdict, probabilities)) > 1e-3:
        out.append(f"confidence {confidence} is not {verdict.value}'s ({confidence_of(verdict, probabilities)})")
    if verdict != Verdict.NOT_ENOUGH_EVIDENCE:
        if probabilities[verdict.value] < max(probabilities.values()) - 1e-9:
            out.append(f"{verdict.value} at {probabilities[verdict.value]} is not the likeliest of {probabilities}")
        if probabilities[verdict.value] < bar(verdict.value, model):
            out.append(f"{verdict.value} at {probabilities[verdict.value]} is under its bar")
    else:
        likeliest = max(OUTCOMES, key=lambda k: probabilities[k])
        if likeliest != "not_enough_evidence" and probabilities[likeliest] >= bar(likeliest, model):
            out.append(f"{likeliest} at {probabilities[likeliest]} reaches its bar, yet not_enough_evidence")
    return out


def _reasons(verdict: Verdict, assessments: list[Assessment]) -> list[ClaimReason]:
    if verdict == Verdict.CONFLICTING:
        valued = [a for a in assessments if a.known and any(
            f.kind in (FindingKind.QUANTITY, FindingKind.DATE) and f.outcome in (Outcome.MATCH, Outcome.CONFLICT)
            for f in a.findings)]
        sides = {a.stance for a in valued}
        return [ClaimReason.BOTH_SIDES] + ([ClaimReason.VALUES_DISAGREE] if len(sides) == 2 else [])
    if verdict == Verdict.SUPPORTED:
        return [ClaimReason.SUPPORT_WINS]
    if verdict == Verdict.REFUTED:
        ruled = any(a.known and a.stance == "refutes" and Reason.RULE_CONFLICT in a.reasons for a in assessments)
        return [ClaimReason.RULE_CONFLICT if ruled else ClaimReason.REFUTATION_WINS]
    none_bears = not any(a.stance != "neutral" for a in assessments)
    return [ClaimReason.NO_EVIDENCE if none_bears else ClaimReason.BELOW_THRESHOLD]
