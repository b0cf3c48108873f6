"""Is a passage about what the claim is about? Only then may it support or refute it.

NLI models learn from SNLI, where two captions that cannot describe the same
scene are a "contradiction": an unrelated passage ("I love that I can connect
with you through Instagram") then reads as refuting "Le PSG a gagné la Ligue
des champions". A fact-checker's "refutes" means "says otherwise about the
same thing", so a passage counts for or against a claim only when
- it is about the claim's subject (its names; `about_same_subject`), and
- in the claim's language, the passage itself shares at least two content
  words with the claim besides its names (stemmed, stop words out; numbers
  count): the subject may be named in the context ("she"), but what is said
  of it must be in the passage, and one word is too easily a common one
  ("contre", "Instagram"). Across languages words differ, so the names alone
  decide.
"""

from __future__ import annotations

from service.retrieve.text import words
from service.verdict.decide import about_same_subject, subject_words

MIN_SHARED = 2


def on_topic(claim: str, claim_language: str, passage: str, passage_language: str, context: str = "") -> bool:
    if not about_same_subject(claim, passage, context):
        return False
    if claim_language != passage_language:
        return True
    # Names may come from the context (a passage says "she"); what is said about them must be in the passage.
    names = subject_words(claim)
    claim_words = {w for w in words(claim, claim_language) if w not in names}
    shared = claim_words & set(words(passage, passage_language))
    return len(shared) >= min(MIN_SHARED, len(claim_words))
