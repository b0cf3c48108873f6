"""What a claim is once it arrives, whatever the door (API, `recoupe verify`, a claims file).

A claim is read as a person would read it: compatibility forms folded
(NFKC: full-width digits, ligatures), invisible format characters dropped
(zero-width spaces and joiners, bidirectional marks, soft hyphens: they
split words and flip verdicts without changing what is said), control
characters and runs of whitespace made single spaces. A claim left with no
word that can be looked up (punctuation, symbols, stop words only) is
refused: there is nothing to check, and any verdict on it would be noise.
"""

from __future__ import annotations

import unicodedata

from service.retrieve.text import words
from service.translations import N_


def normalise_claim(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        kept.append(" " if category in ("Cc", "Zl", "Zp") else ch)
    return " ".join("".join(kept).split())


def sent_length(text: str) -> int:
    """A claim's length as it was sent, runs of spaces counted as one: what MAX_CLAIM_CHARS bounds
    (NFKC comes after and may lengthen it, see `limits.NFKC_MAX_GROWTH`)."""
    return len(" ".join(text.split()))


def claim_problem(claim: str) -> str | None:
    """Why a normalised claim cannot be checked, or None."""
    if not claim:
        return N_("the claim is empty (once invisible characters and spaces are removed)")
    if not words(claim, "und"):
        return N_("the claim has no word to check: only punctuation, symbols or stop words")
    return None


class Claim(str):
    """A claim as read by `read_claim` (normalised, checked): the doors hand it on and the Verifier does
    not read it again, which it could not do right (its length as sent is gone once normalised)."""


def read_claim(text) -> Claim:
    """The claim as every door reads it (API, CLI, claims files, the Verifier), or InvalidInput with
    the one message for each refusal: over the length limit as sent, or nothing left to check."""
    from service.errors import InvalidInput
    from service.limits import MAX_CLAIM_CHARS

    if isinstance(text, Claim):
        return text  # read already, by the door it came through
    if not isinstance(text, str):
        raise InvalidInput(N_("the claim must be text"))
    if (sent := sent_length(text)) > MAX_CLAIM_CHARS:
        raise InvalidInput(N_("the claim is %(length)s characters long, over the %(limit)s-character limit"),
                           values={"length": sent, "limit": MAX_CLAIM_CHARS})
    claim = normalise_claim(text)
    if problem := claim_problem(claim):
        raise InvalidInput(problem)
    return Claim(claim)
