"""The verdict again, after a person has reviewed some of the evidence.

A reviewer's reading of a passage replaces the models' reading of it, and the
claim-level decision is taken again by the same function as at first
(`decide.decide`, with the same verdict model), so a reviewed verdict follows
exactly the rules and thresholds of a fresh one:

- **accepted**: the passage does what the models said, for certain: a
  witness of known stance with reliability 1 (decide.py), evidence score 1,
  its side's share 1 (a neutral passage accepted stays neutral, score 0);
- **rejected**: the passage does not bear on the claim: neutral, score 0, its
  findings no longer count;
- **stance changed**: as if accepted with the reviewer's stance; a rule
  conflict on it counts only if the reviewer says it refutes.
A review is evidence the decision weighs, not an override: the verdict, its
confidence and its probabilities come from the same `decide` as at first.

Passages nobody reviewed keep the models' assessment, rebuilt from the saved
record (evidence score, the stance model's probabilities, the rule findings).
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from service.verdict.assess import Assessment
from service.verdict.decide import decide
from service.verdict.sides import support_share
from service.verdict.types import Evidence, Finding, Outcome, Reason, Stance, Verification


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    STANCE = "stance"  # the reviewer gives the stance


def reviewed_stance(action: Action, model_stance: Stance, given: Stance | None = None) -> Stance:
    """The stance a review gives a passage."""
    if action == Action.ACCEPT:
        return model_stance
    if action == Action.REJECT:
        return Stance.NEUTRAL
    if given is None:
        raise ValueError("a stance review needs the stance")
    return given


def reverify(v: Verification, reviewed: dict[int, Stance], model) -> Verification:
    """`v` with the reviewed stances (evidence index -> stance) applied and the verdict decided again."""
    assessments, evidence = [], []
    for i, e in enumerate(v.evidence):
        a = _reviewed(e, reviewed[i]) if i in reviewed else _as_assessed(e, model)
        assessments.append(a)
        evidence.append(replace(e, stance=a.stance, strength=a.strength, evidence_score=round(a.evidence_score, 4),
                                findings=a.findings, reasons=a.reasons, known=a.known))
    decision = decide(assessments, model)
    return replace(v, verdict=decision.verdict, confidence=decision.confidence, evidence=evidence,
                   reasons=decision.reasons, probabilities=decision.probabilities)


def _as_assessed(e: Evidence, model) -> Assessment:
    share = support_share(e.probabilities, e.findings)
    known = e.known
    if known is None:  # saved before stances were weighed as evidence: a rule conflict then refuted for sure
        known = model.known["rule"] if e.stance == Stance.REFUTES and Reason.RULE_CONFLICT in e.reasons else 0.0
    return Assessment(e.evidence_score, share, e.stance, e.strength, list(e.findings), list(e.reasons), known=known)


def _reviewed(e: Evidence, stance: Stance) -> Assessment:
    if stance == Stance.NEUTRAL:
        return Assessment(0.0, 0.5, Stance.NEUTRAL, 0.0, _kept(e.findings, refutes=False), [Reason.NOT_EVIDENCE])
    share = 1.0 if stance == Stance.SUPPORTS else 0.0
    reasons = [Reason.EVIDENCE, Reason.MODEL_SUPPORTS if stance == Stance.SUPPORTS else Reason.MODEL_REFUTES]
    return Assessment(1.0, share, stance, 1.0, _kept(e.findings, refutes=stance == Stance.REFUTES), reasons,
                      known=1.0)


def _kept(findings: list[Finding], refutes: bool) -> list[Finding]:
    # A conflict is a refutation's finding: it is kept only where the reviewer agrees that the passage refutes.
    return [f for f in findings if refutes or f.outcome != Outcome.CONFLICT]
