"""Is a passage about what the claim is about? Only then may it support or refute it.

NLI models learn from SNLI, where two captions that cannot describe the same
scene are a "contradiction": an unrelated passage ("I love that I can connect
with you through Instagram") then reads as refuting "Le PSG a gagné la Ligue
des champions". A fact-checker's "refutes" means "says otherwise about the
same thing", so a passage counts for or against a claim only when
- it is about the claim's subject (its names; `about_same_subject`), and
- in the claim's language, it shares at least two content words with the
  claim (stemmed, stop words out; names and numbers count), in the passage or
  its context: one is too easily a common word ("contre", "mesure").
  Across languages words differ, so the names alone decide.
"""

from __future__ import annotations

from service.retrieve.text import words
from service.verdict.decide import about_same_subject

MIN_SHARED = 2


def on_topic(claim: str, claim_language: str, passage: str, passage_language: str, context: str = "") -> bool:
    if not about_same_subject(claim, passage, context):
        return False
    if claim_language != passage_language:
        return True
    claim_words = set(words(claim, claim_language))
    shared = claim_words & set(words(f"{passage} {context}", passage_language))
    return len(shared) >= min(MIN_SHARED, len(claim_words))
