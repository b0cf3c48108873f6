"""Whom a claim or a passage is about: the names in it (runs of capitalised words).

One subject test (`subject_of`), read by the rules (a number refutes only when
said of the claim's subject) and by the evidence model's features (a passage
naming only other people is rarely evidence), so the two never disagree on a
passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service import linear_regex
from service.retrieve.text import fold
from service.verdict.vocabulary import PLATFORMS

if TYPE_CHECKING:
    from service.verdict.facts import ClaimFacts, PassageFacts

_STOP_CAPS = {"le", "la", "les", "l", "un", "une", "des", "the", "a", "an", "selon", "according", "en", "in", "on",
              "il", "elle", "ils", "elles", "he", "she", "they", "it", "ce", "cette", "this", "that", "de", "du"}
# Two or more capitalised words in a row, the first after a non-word character or at the start (as `\b` says).
# RE2: in `re` this is quadratic on a run such as "A-A-A-…" (every "A" a start, each read to the run's end).
_NAME = linear_regex.compile(r"(?:^|\W)([A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)+)")
_CAPITALISED = re.compile(r"\b[A-ZÀ-Ý][\w'’-]+")
WORDS = re.compile(r"[\w'’-]+")  # words as written, where a name is looked for


def subject_words(text: str) -> set[str]:
    """Words of the names (runs of capitalised words, as "Katy Perry") in a text, folded;
    platforms are objects, not subjects."""
    out = set()
    for name in _NAME.findall(text):
        out |= {fold(w) for w in name.split()}
    return out - _STOP_CAPS - set(PLATFORMS)


def claim_names(claim: str) -> set[str]:
    """The claim's subject: its names, else its capitalised words after the first."""
    names = subject_words(claim) or {fold(w) for w in _CAPITALISED.findall(claim)[1:]}
    return names - _STOP_CAPS - set(PLATFORMS)


@dataclass(frozen=True)
class Subject:
    """Whom a passage is about, against the claim's subject."""

    claim_named: bool  # the claim names someone
    share: float  # share of the claim's names found in the passage or its context
    others_only: bool  # the passage names only other people than the claim's
    context_given: bool  # the passage was read with a context (title, previous sentence)

    @property
    def same(self) -> bool:
        """Is the passage about whom the claim is about? It is when it names them; it is not when it
        names only other people ("Katy Perry et ses 107 millions d'abonnés" says nothing of Kim
        Kardashian's); a passage naming nobody ("la star aux 189 millions") is read with its context."""
        if not self.claim_named:
            return True
        return not self.others_only and (self.share > 0 or not self.context_given)


def subject_of(claim: "ClaimFacts", passage: "PassageFacts") -> Subject:
    names = claim.names
    if not names:
        return Subject(False, 0.0, False, bool(passage.context))
    share = len(names & (passage.tokens | passage.context_tokens)) / len(names)
    others_only = not (names & passage.tokens) and bool(passage.names)
    return Subject(True, share, others_only, bool(passage.context))
