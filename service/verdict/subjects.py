"""Whom a claim or a passage is about: the names in it (runs of capitalised words).

Used by the rules (a number refutes only when said of the claim's subject) and
as features of the evidence model (a passage naming only other people is
rarely evidence).
"""

from __future__ import annotations

import re

from service import linear_regex
from service.retrieve.text import fold
from service.verdict.vocabulary import PLATFORMS

_STOP_CAPS = {"le", "la", "les", "l", "un", "une", "des", "the", "a", "an", "selon", "according", "en", "in", "on",
              "il", "elle", "ils", "elles", "he", "she", "they", "it", "ce", "cette", "this", "that", "de", "du"}
# Two or more capitalised words in a row, the first after a non-word character or at the start (as `\b` says).
# RE2: in `re` this is quadratic on a run such as "A-A-A-…" (every "A" a start, each read to the run's end).
_NAME = linear_regex.compile(r"(?:^|\W)([A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)+)")
_CAPITALISED = re.compile(r"\b[A-ZÀ-Ý][\w'’-]+")
_WORDS = re.compile(r"[\w'’-]+")


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


def about_same_subject(claim: str, passage: str, context: str = "") -> bool:
    """Is the passage about whom the claim is about? It is when it names them;
    it is not when it names only other people ("Katy Perry et ses 107 millions
    d'abonnés" says nothing of Kim Kardashian's); a passage naming nobody ("la
    star aux 189 millions") is read with its context (title, previous sentence)."""
    names = claim_names(claim)
    if not names:
        return True
    if names & {fold(w) for w in _WORDS.findall(passage)}:
        return True
    if subject_words(passage):
        return False
    return not context or bool(names & {fold(w) for w in _WORDS.findall(context)})


def name_overlap(claim: str, passage: str, context: str = "") -> tuple[float, bool, bool]:
    """(share of the claim's names found in the passage or its context, the claim names someone,
    the passage names only other people)."""
    names = claim_names(claim)
    if not names:
        return 0.0, False, False
    here = {fold(w) for w in _WORDS.findall(f"{passage} {context}")}
    share = len(names & here) / len(names)
    others_only = not (names & {fold(w) for w in _WORDS.findall(passage)}) and bool(subject_words(passage))
    return share, True, others_only
