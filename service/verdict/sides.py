"""Which way a passage goes, from the stance model's reading and the rule
findings: the one place that says what a rule conflict does.

A rule conflict (a number, date or weekday of the same thing, with another
value) means the passage refutes the claim whatever the stance model read:
its support share is 0. The features (features.py), the assessment
(assess.py) and a review's rebuilt assessment (review.py) all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from service.verdict.types import Finding, FindingKind, Outcome, Stance

RULE_KINDS = (FindingKind.QUANTITY, FindingKind.DATE, FindingKind.WEEKDAY)  # what the models' features count


def rule_conflict(findings: Iterable[Finding]) -> bool:
    return any(f.outcome == Outcome.CONFLICT and f.kind in RULE_KINDS for f in findings)


def rule_match(findings: Iterable[Finding]) -> bool:
    return any(f.outcome == Outcome.MATCH and f.kind in RULE_KINDS for f in findings)


def model_share(p_supports: float, p_refutes: float) -> float:
    """Of the two sides the stance model weighs, the share that supports."""
    total = p_supports + p_refutes
    return 0.5 if total <= 0 else p_supports / total


def support_share(probabilities: Mapping[Stance, float], findings: Iterable[Finding]) -> float:
    """The share of a passage's weight that supports the claim: 0 on a rule conflict, else the model's."""
    if rule_conflict(findings):
        return 0.0
    return model_share(probabilities.get(Stance.SUPPORTS, 0.0), probabilities.get(Stance.REFUTES, 0.0))
