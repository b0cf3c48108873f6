"""One assessment per passage: is it evidence for this claim, which way, how
strongly, and which rule findings and reasons say so. Everything the verdict
needs about a passage is decided here, from typed inputs, and nothing
downstream reads text.

The direction comes from the stance model (its support share: entailment
against contradiction); whether the passage bears on the claim at all comes
from the evidence model (verdict/model.py), which weighs the stance model's
neutral column together with the embedder's cosine, shared words, shared
names and the rules.

Some passages say which way they go in so many words, and the models'
hesitation does not weaken them: such a passage is evidence of known stance,
with the reliability `known` the verdict model gives its kind (decide.py
weighs it):
- a rule conflict (the same unit of the same entity, or a date of the same
  event, with another value) refutes, a quantity match supports, when the
  subject is established: the claim names someone and the passage (or its
  context) names them, or the claim names nobody and the passage carries at
  least SAME_WORDS of its content words (same language);
- the claim's own words, names and numbers with the same polarity support,
  and with one negation or one number flipped refute (wording.py).
A passage about someone else (its quantity is another entity's, or it names
only other people) is set aside: neither support nor refutation, whatever
the models read, and the claim model does not count it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from service.verdict import wording
from service.verdict.facts import ClaimFacts, PassageFacts
from service.verdict.features import PASSAGE_FEATURES, passage_features
from service.verdict.rules import findings as rule_findings
from service.verdict.sides import RULE_KINDS, rule_conflict, rule_match, support_share
from service.verdict.subjects import subject_of
from service.verdict.types import Finding, FindingKind, Outcome, Reason, Stance

_AT = {name: i for i, name in enumerate(PASSAGE_FEATURES)}
SAME_WORDS = 0.5  # share of an unnamed claim's content words that makes a rule finding about the same thing


@dataclass
class Assessment:
    evidence_score: float  # calibrated probability that the passage bears on the claim
    support_share: float  # of supports vs refutes, the share that supports (1 - it refutes)
    stance: Stance
    strength: float  # evidence_score x the share of its side
    findings: list[Finding] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    features: np.ndarray | None = None  # the model's inputs, kept for training and inspection
    known: float = 0.0  # reliability of its stance when the passage states it (rule, wording, review); 0: models only

    @property
    def supports(self) -> float:
        return self.evidence_score * self.support_share

    @property
    def refutes(self) -> float:
        return self.evidence_score * (1 - self.support_share)

    @property
    def rule_conflict(self) -> bool:
        return rule_conflict(self.findings)

    @property
    def rule_match(self) -> bool:
        return rule_match(self.findings)

    @property
    def counted(self) -> bool:
        """Does the claim model count it? Not when it is about someone else."""
        return Reason.SET_ASIDE not in self.reasons


def inputs(claim: ClaimFacts, passage: PassageFacts, probabilities: dict[Stance, float],
           cosine: float) -> tuple[np.ndarray, list[Finding]]:
    """The model-free part of an assessment: the feature vector and the findings (rules, then wording).
    The features count the rule findings only, as the verdict model was trained."""
    subject = subject_of(claim, passage)  # one subject test for the rules and the features
    found = rule_findings(claim, passage, subject)
    x = passage_features(claim, passage, subject, probabilities, cosine, found)
    said = wording.finding(claim, passage, cosine)
    return x, found + ([said] if said else [])


def assess_all(features: np.ndarray, found: list[list[Finding]], model) -> list[Assessment]:
    """Assessments of one claim's passages, from their inputs (one evidence-model call for all)."""
    if len(found) == 0:
        return []
    scores = model.evidence_scores(features)
    return [_assessment(float(e), x, f, model) for e, x, f in zip(scores, features, found)]


def _assessment(e: float, x: np.ndarray, found: list[Finding], model) -> Assessment:
    rules = [f for f in found if f.kind in RULE_KINDS]
    conflict = rule_conflict(found)
    share = support_share({Stance.SUPPORTS: x[_AT["p_supports"]], Stance.REFUTES: x[_AT["p_refutes"]]}, found)
    reasons = [Reason.EVIDENCE if e >= model.evidence_threshold else Reason.NOT_EVIDENCE]
    if x[_AT["other_names_only"]]:
        reasons.append(Reason.OTHER_SUBJECT)
    if conflict:
        reasons.append(Reason.RULE_CONFLICT)
    elif rule_match(found):
        reasons.append(Reason.RULE_MATCH)
    if _about_someone_else(x, rules):
        return Assessment(e, share, Stance.NEUTRAL, 0.0, found, reasons + [Reason.SET_ASIDE], x)
    side, known, reason = _stated(x, found, model.known)
    if side is not None:
        side_share = share if side == Stance.SUPPORTS else 1 - share
        if reason is not None:
            reasons.append(reason)
        return Assessment(e, share, side, round(max(known, e * side_share), 4), found, reasons, x, known)
    stance = Stance.NEUTRAL
    if e >= model.evidence_threshold:
        stance = Stance.SUPPORTS if share >= 0.5 else Stance.REFUTES
        reasons.append(Reason.MODEL_SUPPORTS if stance == Stance.SUPPORTS else Reason.MODEL_REFUTES)
    strength = e * (share if stance == Stance.SUPPORTS else 1 - share) if stance != Stance.NEUTRAL else 0.0
    return Assessment(e, share, stance, round(strength, 4), found, reasons, x)


def _about_someone_else(x: np.ndarray, rules: list[Finding]) -> bool:
    """It names only other people, or its only comparable value is another entity's."""
    if x[_AT["other_names_only"]]:
        return True
    return bool(rules) and all(f.outcome == Outcome.OTHER_ENTITY for f in rules)


def _stated(x: np.ndarray, found: list[Finding], known: dict) -> tuple[Stance | None, float, Reason | None]:
    """The side a passage states in so many words, how reliably (the model's `known`), and why."""
    said = next((f for f in found if f.kind == FindingKind.WORDING), None)
    if said is not None and said.outcome == Outcome.CONFLICT:
        return Stance.REFUTES, known["wording"], Reason.WORDING_FLIP
    same_thing = _same_thing(x)
    if same_thing and rule_conflict(found):
        return Stance.REFUTES, known["rule"], None  # RULE_CONFLICT is already among its reasons
    if said is not None:
        return Stance.SUPPORTS, known["wording"], Reason.WORDING_MATCH
    if same_thing and any(f.outcome == Outcome.MATCH and f.kind == FindingKind.QUANTITY and not f.bound_only
                          for f in found):
        return Stance.SUPPORTS, known["rule"], None
    return None, 0.0, None


def _same_thing(x: np.ndarray) -> bool:
    """Is a rule finding about the claim's own subject? Its names are in the passage or its context;
    or, for a claim naming nobody, the passage carries most of its content words (same language)."""
    if x[_AT["claim_has_names"]]:
        return x[_AT["names_share"]] > 0
    return not x[_AT["cross_language"]] and x[_AT["overlap"]] >= SAME_WORDS
