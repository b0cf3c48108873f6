"""Rule findings: the claim's numbers, dates and weekdays against one passage's.

A rule compares like with like, and every finding carries both values:
- a number only with a number of the same unit ("followers"), on the same
  platform when both name one, said of the same entity (the claim's subject:
  "Katy Perry et ses 107 millions d'abonnés" says nothing of Kim Kardashian's);
- a date or weekday only when claim and passage speak of the same event: the
  claim affirms it (a claim that something will *not* happen on Wednesday is
  not refuted by it happening on Tuesday) and, in the same language, the
  passage shares a word of what happens (stemmed, names and dates left out).
A comparison that fails these tests is still reported (outcome other_entity /
other_event), so a reader sees why it did not count.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from service.retrieve.text import fold
from service.verdict.quantities import MONTHS, WEEKDAYS, agrees
from service.verdict.types import Finding, FindingKind, Outcome, Value
from service.verdict.vocabulary import (ENGLISH_NEGATIONS, FRENCH_NEGATION_ANCHORS, FRENCH_NEGATION_PARTS,
                                        PLATFORMS)

if TYPE_CHECKING:
    from service.verdict.facts import ClaimFacts, PassageFacts
    from service.verdict.subjects import Subject

_TOKEN = re.compile(r"[a-z]+")
_TIME_WORDS = set(WEEKDAYS) | set(MONTHS) | {"soir", "matin", "evening", "morning", "ce", "cette", "this", "next",
                                               "prochain", "dernier", "last"}


def findings(claim: "ClaimFacts", passage: "PassageFacts", subject: "Subject") -> list[Finding]:
    """The rule findings of one passage; `subject`: whom it is about (subjects.subject_of)."""
    c, p = claim.values, passage.values
    out: list[Finding] = []
    if c.quantities and p.quantities:
        out += _quantities(claim, passage, c, p, subject.same)
    if (c.weekdays and p.weekdays) or (c.dates and p.dates):
        same_event = _same_event(claim, passage) and subject.same
        out += _weekdays(claim.text, passage.text, c, p, same_event)
        out += _dates(claim.text, passage.text, c, p, same_event)
    return out


def _values(text: str, spans) -> tuple[Value, ...]:
    """The values at these (start, end) spans of `text`, as written there; spans not known are left out."""
    return tuple(Value(text[a:b], a, b) for a, b in (s for s in spans if s is not None))


def _quantities(claim, passage, c, p, same_entity: bool) -> list[Finding]:
    out = []
    entity = " ".join(sorted(claim.names)) or None
    for cq in c.quantities:
        if cq.concept is None:
            continue
        same = [pq for pq in p.quantities if pq.concept == cq.concept
                and (cq.platform is None or pq.platform is None or cq.platform == pq.platform)]
        if not same:
            continue
        agreeing = [pq for pq in same if agrees(cq, pq)]
        shown = agreeing[0].text if agreeing else " / ".join(pq.text for pq in same)
        if agreeing:
            outcome = Outcome.MATCH
        else:
            outcome = Outcome.CONFLICT if same_entity else Outcome.OTHER_ENTITY
        bound_only = bool(agreeing) and not any(agrees(_exact(cq), _exact(pq)) for pq in agreeing)
        compared = agreeing[:1] or same
        out.append(Finding(FindingKind.QUANTITY, outcome, cq.text, shown, cq.concept, entity,
                           bound_only=bound_only, claim_values=_values(claim.text, [cq.span]),
                           passage_values=_values(passage.text, [q.span for q in compared])))
    return out


def _exact(q):
    """The quantity read as an exact value: does "plus de 188" say 300, or only allow it?"""
    return replace(q, bound="about" if q.bound == "about" else "exact")


def _weekdays(claim_text: str, passage_text: str, c, p, same_event: bool) -> list[Finding]:
    if not (c.weekdays and p.weekdays):
        return []
    shared = set(c.weekdays) & set(p.weekdays)
    claim_value, passage_value = " / ".join(c.weekday_texts), " / ".join(p.weekday_texts)
    outcome = Outcome.MATCH if shared else Outcome.CONFLICT if same_event else Outcome.OTHER_EVENT
    return [Finding(FindingKind.WEEKDAY, outcome, claim_value, passage_value,
                    claim_values=_values(claim_text, [s for _, s in c.weekday_spans]),
                    passage_values=_values(passage_text, [s for _, s in p.weekday_spans]))]


def _dates(claim_text: str, passage_text: str, c, p, same_event: bool) -> list[Finding]:
    out = []
    passage_dates = list(zip(p.dates, p.date_texts, p.date_spans or [None] * len(p.dates)))
    for (month, day, year), text, span in zip(c.dates, c.date_texts, c.date_spans or [None] * len(c.dates)):
        known = [(d, t, s) for d, t, s in passage_dates if d[0] == month or d[1] == day]
        if not known:
            continue
        same = [(t, s) for d, t, s in known
                if d[0] == month and d[1] == day and (year is None or d[2] is None or d[2] == year)]
        claim_values = _values(claim_text, [span])
        if same:
            out.append(Finding(FindingKind.DATE, Outcome.MATCH, text, same[0][0], claim_values=claim_values,
                               passage_values=_values(passage_text, [same[0][1]])))
        else:
            out.append(Finding(FindingKind.DATE, Outcome.CONFLICT if same_event else Outcome.OTHER_EVENT, text,
                               " / ".join(t for _, t, _ in known), claim_values=claim_values,
                               passage_values=_values(passage_text, [s for _, _, s in known])))
    return out


def negated(text: str) -> bool:
    tokens = _TOKEN.findall(fold(text).replace("n't", " nt"))
    if ENGLISH_NEGATIONS & set(tokens):
        return True
    for i, t in enumerate(tokens):
        if t in FRENCH_NEGATION_ANCHORS and FRENCH_NEGATION_PARTS & set(tokens[i + 1:i + 5]):
            return True
    return False


def _same_event(claim: "ClaimFacts", passage: "PassageFacts") -> bool:
    """Do claim and passage speak of the same event, so that another day means another fact?"""
    if claim.negated:
        return False
    if claim.language != passage.language:
        return True  # words cannot be compared across languages; the subject check still applies
    ignore = claim.names | set(PLATFORMS) | _TIME_WORDS
    what = {w for w in claim.words if w not in ignore and not w.isdigit()}
    return bool(what & set(passage.words))
