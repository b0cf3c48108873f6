"""Words for BM25: accent-folded, stop words out, stemmed in the passage's language.

PyStemmer (Snowball) stems French and English alike; a passage is stemmed in
its own language so that "abonnés"/"abonné" and "posts"/"post" meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)
_STEMMERS = {"fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian",
             "nl": "dutch", "pt": "portuguese"}


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_offsets(text: str) -> list[int] | None:
    """For each character of fold(text), the offset in `text` of the character it comes from, so that
    what is found in the folded text can be pointed at in the text as written; None in the rare text
    whose characters fold differently one by one than together (a final Greek sigma)."""
    folded, at = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch.lower()):
            if not unicodedata.combining(c):
                folded.append(c)
                at.append(i)
    return at if "".join(folded) == fold(text) else None


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

    return frozenset(fold(w) for w in (*STOPWORDS_EN, *STOPWORDS_FRENCH))


@lru_cache(maxsize=None)
def _stemmer(language: str):
    import Stemmer

    name = _STEMMERS.get(language)
    return Stemmer.Stemmer(name) if name else None


def words(text: str, language: str) -> list[str]:
    stop = _stopwords()
    kept = [w for w in _WORD.findall(fold(text)) if w not in stop and (len(w) > 1 or w.isdigit())]
    stemmer = _stemmer(language)
    return stemmer.stemWords(kept) if stemmer else kept
