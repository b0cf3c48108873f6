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
    return _same(_key(a), _key(b))


def _same(ka: list[str], kb: list[str]) -> bool:
    if not ka or not kb:
        return False
    shorter, longer = sorted((ka, kb), key=len)
    if len(shorter) >= 8 and " ".join(shorter) in " ".join(longer):
        return True  # one quotes the other in full
    matcher = SequenceMatcher(None, ka, kb, autojunk=False)
    # The quick ratios are upper bounds of ratio(): most pairs are rejected without the full match.
    return (matcher.real_quick_ratio() >= SAME_RATIO and matcher.quick_ratio() >= SAME_RATIO
            and matcher.ratio() >= SAME_RATIO)


def group(items, text_of, limit: int | None = None) -> list[list]:
    """Groups of near-identical items, in order of their best (first) member.
    With `limit`, at most that many groups: later items only join one of them."""
    groups: list[list] = []
    keys: list[list[str]] = []
    for item in items:
        key = _key(text_of(item))
        for g, first in zip(groups, keys):
            if _same(first, key):
                g.append(item)
                break
        else:
            if limit is None or len(groups) < limit:
                groups.append([item])
                keys.append(key)
    return groups
