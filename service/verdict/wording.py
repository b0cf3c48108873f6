"""Does the passage say the claim in the claim's own words?

A passage that carries the claim's content (its content words, its names and
its numbers) with the same polarity says what the claim says, whatever the
stance model hesitates over; the same words with one negation flipped, or
with one of the claim's numbers replaced by another, say the opposite. One
finding of kind `wording` per passage, with both readings:

- same language: the claim's content words (stemmed; negations and numbers
  aside) are in the passage, one missing at most from six words on (a verb
  said otherwise: "retiré" / "supprimer"), and every name of the claim is;
  a number counts as present within 2% ("189" in "188 millions");
- across French and English, where words cannot be compared: every name and
  every number of the claim are in the passage, the embedder reads the two
  as near-translations (cosine at least CROSS_COSINE), and both have the
  same polarity; the cosine is too coarse to tell a flip from another
  sentence, so across languages only support is read.

Polarity is `rules.negated` on the passage's words around the claim's
content (from SPAN words before the first to SPAN after the last), so that
a negation elsewhere in a long quote does not flip it. A claim that names
nobody, has no number and fewer than MIN_WORDS content words is too short
to be recognised by its words.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from service.retrieve.text import fold, words
from service.verdict.rules import negated
from service.verdict.types import Finding, FindingKind, Outcome, Value
from service.verdict.vocabulary import ENGLISH_NEGATIONS, FRENCH_NEGATION_PARTS

if TYPE_CHECKING:
    from service.verdict.facts import ClaimFacts, PassageFacts

MISSING_PER = 5  # one content word of the claim may be missing per this many beyond the first
SPAN = 4  # words around the claim's content in the passage whose negations count
NUMBER_TOLERANCE = 0.02  # relative difference under which two numbers are the same
MIN_WORDS = 3  # content words a claim needs to be recognised by its words
CROSS_COSINE = 0.89  # query/passage cosine from which a passage in the other language reads as the claim

_NUMBER = re.compile(r"\d+(?:[  .,]\d{3})*(?:[.,]\d+)?")
_RAW = re.compile(r"\w+")
_NEGATION_WORDS = " ".join(sorted(FRENCH_NEGATION_PARTS | ENGLISH_NEGATIONS | {"jamais", "aucunement"}))


def numbers(text: str) -> set[str]:
    """The numbers of a text, written without separators ("1 200" -> "1200", "1,200" -> "1200")."""
    return {n for n, _, _ in numbers_at(text)}


def numbers_at(text: str) -> tuple[tuple[str, int, int], ...]:
    """Each number of a text without separators, with where it is written (start, end)."""
    out = []
    for m in _NUMBER.finditer(text):
        digits = re.sub(r"[  .,](?=\d{3}\b)", "", m.group(0))
        out.append((digits.replace(",", "."), m.start(), m.end()))
    return tuple(out)


def finding(claim: "ClaimFacts", passage: "PassageFacts", cosine: float) -> Finding | None:
    """The wording finding of one passage, or None when the passage does not carry the claim's words."""
    names = claim.names
    if names - passage.tokens:
        return None
    claim_numbers, passage_numbers = claim.numbers, passage.numbers
    missing = {n for n in claim_numbers if not any(_same_number(n, m) for m in passage_numbers)}
    others = {m for m in passage_numbers if not any(_same_number(n, m) for n in claim_numbers)}
    claim_negated = claim.negated
    if claim.language != passage.language:
        if cosine < CROSS_COSINE or not (names or claim_numbers) or missing or passage.negated != claim_negated:
            return None
        return Finding(FindingKind.WORDING, Outcome.MATCH, _polarity(claim_negated), _polarity(claim_negated))
    content = set(claim.content)
    if len(content) < MIN_WORDS and not names and not claim_numbers:
        return None
    if not content or len(content - set(passage.words)) > (len(content) - 1) // MISSING_PER:
        return None
    if len(missing) == 1 and others:
        # One of the claim's numbers replaced by another: the same sentence, another value.
        replaced = missing.pop()
        return Finding(FindingKind.WORDING, Outcome.CONFLICT, replaced, " / ".join(sorted(others)), "number",
                       claim_values=_written(claim.text, claim.number_spans, {replaced}),
                       passage_values=_written(passage.text, passage.number_spans, others))
    if missing:
        return None
    passage_negated = negated(_around(passage.text, passage.language, content | claim_numbers | names))
    if claim_negated != passage_negated:
        return Finding(FindingKind.WORDING, Outcome.CONFLICT, _polarity(claim_negated), _polarity(passage_negated),
                       "negation")
    return Finding(FindingKind.WORDING, Outcome.MATCH, _polarity(claim_negated), _polarity(passage_negated))


def _written(text: str, spans, wanted: set[str]) -> tuple[Value, ...]:
    return tuple(Value(text[a:b], a, b) for n, a, b in spans if n in wanted)


def _same_number(a: str, b: str) -> bool:
    x, y = float(a), float(b)
    return abs(x - y) <= NUMBER_TOLERANCE * max(abs(x), abs(y))


def _around(passage: str, language: str, content: set[str]) -> str:
    """The passage's words from SPAN before the claim's first content word to SPAN after its last."""
    raw = _RAW.findall(fold(passage).replace("n't", " nt").replace("n’t", " nt"))
    at = [i for i, w in enumerate(raw) if w in content or set(words(w, language)) & content]
    return " ".join(raw[max(0, at[0] - SPAN):at[-1] + SPAN + 1] if at else raw)


def content_words(claim: str, language: str) -> set[str]:
    """The claim's content words, stemmed: negations and numbers aside."""
    negations = set(words(_NEGATION_WORDS, language))
    return {w for w in words(claim, language) if w not in negations and not w[:1].isdigit()}


def _polarity(is_negated: bool) -> str:
    return "negative" if is_negated else "affirmative"
