"""From per-passage stances to one verdict a fact-checker can trust.

- Contradiction is weighed before entailment: one confident refutation makes
  the claim refuted unless an equally confident passage supports it, in which
  case the sources conflict.
- A quantity, date or weekday conflict found by rule (quantities.py) makes a
  passage refute the claim even when the model missed it, provided the passage
  is about the claim's subject.
- Nothing confident either way is `not_enough_evidence`: never "true" by default.

Confidence is the stance probability of the evidence that decided, after the
stance model's temperature calibration (see models/README.md); for
`not_enough_evidence` it is 1 minus the strongest support or refutation.
"""

from __future__ import annotations

import re

from service.retrieve.text import fold
from service.verdict.quantities import PLATFORMS

DECIDE = 0.5  # a passage supports / refutes when that probability is at least this
STRONG = 0.75  # both sides at least this strong: the sources conflict
RULE_STRENGTH = 0.9  # weight of a refutation found by the quantity check
_STOP_CAPS = {"le", "la", "les", "l", "un", "une", "des", "the", "a", "an", "selon", "according", "en", "in", "on",
              "il", "elle", "ils", "elles", "he", "she", "they", "it", "ce", "cette", "this", "that", "de", "du"}


_NAME = re.compile(r"\b[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)+")  # two or more capitalised words in a row


def subject_words(text: str) -> set[str]:
    """Words of the names (runs of capitalised words, as "Katy Perry") in a text, folded;
    platforms are objects, not subjects."""
    out = set()
    for name in _NAME.findall(text):
        out |= {fold(w) for w in name.split()}
    return out - _STOP_CAPS - set(PLATFORMS)


def about_same_subject(claim: str, passage: str, context: str = "") -> bool:
    """Is the passage about whom the claim is about? It is when it names them;
    it is not when it names only other people ("Katy Perry et ses 107 millions
    d'abonnés" says nothing of Kim Kardashian's); a passage naming nobody ("la
    star aux 189 millions") is read with its context (title, previous sentence)."""
    names = subject_words(claim) or {fold(w) for w in re.findall(r"\b[A-ZÀ-Ý][\w'’-]+", claim)[1:]}
    names -= _STOP_CAPS | set(PLATFORMS)
    if not names:
        return True
    passage_words = {fold(w) for w in re.findall(r"[\w'’-]+", passage)}
    if names & passage_words:
        return True
    if subject_words(passage):
        return False
    context_words = {fold(w) for w in re.findall(r"[\w'’-]+", context)}
    return not context or bool(names & context_words)


def stance_of(probs: dict[str, float], rule_conflict: bool, on_topic: bool = True) -> tuple[str, float]:
    """(stance, strength) of one evidence item; a passage off the claim's topic is neutral
    whatever the model read (relevance.py)."""
    if rule_conflict:
        return "refutes", max(probs["refutes"], RULE_STRENGTH)
    if not on_topic:
        return "neutral", probs["neutral"]
    if probs["refutes"] >= DECIDE and probs["refutes"] >= probs["supports"]:
        return "refutes", probs["refutes"]
    if probs["supports"] >= DECIDE:
        return "supports", probs["supports"]
    return "neutral", probs["neutral"]


def decide(evidence) -> tuple[str, float, list[str]]:
    """evidence: list of service.verdict.types.Evidence with stance set. Returns (verdict, confidence, explanation)."""
    sup = [(e, e.probabilities["supports"]) for e in evidence if e.stance == "supports"]
    ref = [(e, _strength(e)) for e in evidence if e.stance == "refutes"]
    best_sup = max(sup, key=lambda t: t[1], default=(None, 0.0))
    best_ref = max(ref, key=lambda t: t[1], default=(None, 0.0))
    why = []
    if best_ref[0] is not None and best_sup[0] is not None and best_ref[1] >= STRONG and best_sup[1] >= STRONG:
        why.append(f"{_cite(best_sup[0])} supports the claim ({best_sup[1]:.2f}) but {_cite(best_ref[0])} "
                   f"refutes it ({best_ref[1]:.2f}): the sources disagree.")
        why += _rule_notes(best_ref[0])
        return "conflicting", round(min(best_sup[1], best_ref[1]), 3), why
    if best_ref[0] is not None and best_ref[1] >= best_sup[1]:
        why.append(f"{_cite(best_ref[0])} refutes the claim ({best_ref[1]:.2f}); contradiction is weighed first.")
        why += _rule_notes(best_ref[0])
        if best_sup[0] is not None:
            why.append(f"The strongest support, {_cite(best_sup[0])}, is weaker ({best_sup[1]:.2f}).")
        return "refuted", round(best_ref[1], 3), why
    if best_sup[0] is not None:
        why.append(f"{_cite(best_sup[0])} supports the claim ({best_sup[1]:.2f}).")
        why += [f"Check: {m}." for m in best_sup[0].checks]
        others = len(sup) - 1
        if others:
            why.append(f"{others} more passage{'s' if others > 1 else ''} support{'' if others > 1 else 's'} it.")
        if best_ref[0] is not None:
            why.append(f"{_cite(best_ref[0])} leans against it ({best_ref[1]:.2f}), less strongly.")
        return "supported", round(best_sup[1], 3), why
    topical = [e for e in evidence if not _off_topic(e)]
    top = max((max(e.probabilities["supports"], e.probabilities["refutes"]) for e in topical), default=0.0)
    if not evidence:
        why.append("No passage confidently supports or refutes the claim: nothing relevant was retrieved.")
    elif topical:
        why.append(f"No passage confidently supports or refutes the claim (the strongest signal among the passages "
                   f"about its subject is {top:.2f}, below {DECIDE}).")
    else:
        why.append("No passage confidently supports or refutes the claim: none of the passages found is about its "
                   "subject.")
    if len(topical) < len(evidence):
        why.append(f"{len(evidence) - len(topical)} passage(s) off the claim's subject were set aside, whatever the "
                   "stance model read.")
    return "not_enough_evidence", round(1.0 - top, 3), why


def _off_topic(e) -> bool:
    return any(c.startswith("off topic") for c in e.checks)


def _strength(e) -> float:
    return max(e.probabilities["refutes"], RULE_STRENGTH) if any(c.startswith("conflict:") for c in e.checks) \
        else e.probabilities["refutes"]


def _rule_notes(e) -> list[str]:
    return [f"Quantity/date check: {c.removeprefix('conflict: ')}, so the passage refutes the claim "
            "whatever the stance model read." for c in e.checks if c.startswith("conflict:")]


def _cite(e) -> str:
    s = e.sources[0]
    more = f" and {len(e.sources) - 1} other source{'s' if len(e.sources) > 2 else ''}" if len(e.sources) > 1 else ""
    return f"«{_short(e.text)}» ({s.title}, {s.source}{more})"


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
