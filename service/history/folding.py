"""How the history's search compares words: without case and without accents, so that "abonnes",
"Abonnés" and "ABONNÉS" find the same checks.

The fold is stored beside each claim (`checks.claim_folded`, written when the check is saved and by the
schema migration through the SQLite function of the same name), so a search is one indexed-free LIKE
over a column, never a fold per row in Python. The standard library's Unicode tables are enough:
NFKD splits a letter from its accents, the accents (combining marks) are dropped, then `casefold`.
"""

from __future__ import annotations

import unicodedata

# Letters NFKD does not split but a French reader types without their ligature.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
