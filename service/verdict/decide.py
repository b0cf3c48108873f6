"""From one claim's passage assessments to one verdict, with the verdict model.

- The claim model (verdict/model.py) turns the assessments' summary
  (features.CLAIM_FEATURES) into calibrated probabilities of supported,
  refuted and not_enough_evidence, learned from claim-level labels.
- Strong evidence on both sides (the best supporting and the best refuting
  passage both at least the model's `conflict` strength) is `conflicting`:
  a fact-checker must read both.
- A rule conflict (the same unit of the same entity, or a date of the same
  event, with another value: rules.py) refutes the claim, whatever the claim model's abstention: the stance model reads
  "10" and "188" as alike, the training data holds too few such conflicts
  for the claim model to learn their weight, and the seed claims show the
  rule right (README, Results). Confidence: that passage's evidence score.
- The likeliest of supported / refuted is the verdict only when its
  probability reaches its abstention threshold, chosen at training for
  precision (models/verdict/README.md); otherwise `not_enough_evidence`.
  Never "true" by default.

Confidence is the calibrated probability of the verdict; for
`not_enough_evidence`, 1 minus the likelier of supported and refuted; for
`conflicting`, the weaker of the two sides' strengths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.verdict.assess import Assessment
from service.verdict.features import claim_features
from service.verdict.model import CLASSES
from service.verdict.types import ClaimReason, Verdict


@dataclass
class Decision:
    verdict: Verdict
    confidence: float
    probabilities: dict[str, float]  # CLASSES -> calibrated probability
    reasons: list[ClaimReason] = field(default_factory=list)


def decide(assessments: list[Assessment], model) -> Decision:
    if not assessments:
        return Decision(Verdict.NOT_ENOUGH_EVIDENCE, 1.0, {c: float(c == "not_enough_evidence") for c in CLASSES},
                        [ClaimReason.NOTHING_RETRIEVED])
    x = claim_features([a.evidence_score for a in assessments], [a.support_share for a in assessments],
                       [a.rule_conflict for a in assessments], [a.rule_match for a in assessments])
    p = dict(zip(CLASSES, (round(float(v), 4) for v in model.claim_probabilities(x)[0])))
    best_sup = max((a.strength for a in assessments if a.stance == "supports"), default=0.0)
    best_ref = max((a.strength for a in assessments if a.stance == "refutes"), default=0.0)
    if best_sup >= model.conflict and best_ref >= model.conflict:
        return Decision(Verdict.CONFLICTING, round(min(best_sup, best_ref), 3), p, [ClaimReason.BOTH_SIDES])
    ruled = [a for a in assessments if a.rule_conflict and a.stance == "refutes"]
    if ruled:
        return Decision(Verdict.REFUTED, round(max(a.evidence_score for a in ruled), 3), p,
                        [ClaimReason.RULE_CONFLICT])
    side = "supported" if p["supported"] >= p["refuted"] else "refuted"
    decisive = best_sup if side == "supported" else best_ref
    if p[side] >= p["not_enough_evidence"] and p[side] >= model.abstain[side] and decisive > 0:
        reason = ClaimReason.SUPPORT_WINS if side == "supported" else ClaimReason.REFUTATION_WINS
        return Decision(Verdict(side), round(p[side], 3), p, [reason])
    none_bears = not any(a.stance != "neutral" for a in assessments)
    reason = ClaimReason.NO_EVIDENCE if none_bears else ClaimReason.BELOW_THRESHOLD
    return Decision(Verdict.NOT_ENOUGH_EVIDENCE, round(1 - max(p["supported"], p["refuted"]), 3), p, [reason])
