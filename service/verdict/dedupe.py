"""Near-identical passages from several articles become one evidence item.

The same quote often runs in several articles with small edits ("assis et
silencieux" / "assise et silencieuse"); a fact-checker wants it once, with
every source that printed it. Compared on accent-folded words with difflib
(standard library): a few hundred comparisons per claim at most.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from service.retrieve.text import fold

SAME_RATIO = 0.85  # difflib ratio over words at or above which two passages are "the same"


def _key(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def same_passage(a: str, b: str) -> bool:
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    shorter, longer = sorted((ka, kb), key=len)
    if len(shorter) >= 8 and " ".join(shorter) in " ".join(longer):
        return True  # one quotes the other in full
    return SequenceMatcher(None, ka, kb, autojunk=False).ratio() >= SAME_RATIO


def group(items, text_of) -> list[list]:
    """Groups of near-identical items, in order of their best (first) member."""
    groups: list[list] = []
    for item in items:
        for g in groups:
            if same_passage(text_of(g[0]), text_of(item)):
                g.append(item)
                break
        else:
            groups.append([item])
    return groups
