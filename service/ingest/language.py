"""Tag text with its language (ISO 639-1), sentence by sentence.

French articles quote English tweets verbatim; a stance model and a reader both
need to know which sentences those are. py3langid (maintained fork of langid.py,
a small n-gram naive Bayes model, ~1 s to load, microseconds per sentence) is
accurate on sentence-length text once restricted to the languages we can meet,
which stops short sentences from landing on exotic languages.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Languages a French-first fact-checking corpus realistically contains.
LANGUAGES = ("fr", "en", "de", "es", "it", "nl", "pt")

# Below this many words a sentence ("Stop Hate for Profit", "Leave a Reply")
# is too short to judge on its own: it inherits the article's language.
MIN_WORDS = 4
# Below this probability the model is guessing: keep the article's language.
MIN_CONFIDENCE = 0.9
# Article-level detection reads this much text: enough to be sure, still fast.
ARTICLE_SAMPLE_CHARS = 5000

# Tokens that are not language: links, handles, hashtags, numbers.
# Bare domain links only from the start of a token, as in pipeline._LINKS (linear, not quadratic).
_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<!\S)\S+\.(?:com|fr|org|net)/\S*|[@#]\w+|\d[\d\s.,:/\u00a0\u202f]*")
_WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=1)
def _identifier():
    # Imported and loaded on first use: nothing heavy at import time.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str, default: str = "und") -> str:
    """Language code of `text`, or `default` when the text is too short or ambiguous."""
    words = _NOISE.sub(" ", text)
    if len(_WORD.findall(words)) < MIN_WORDS:
        return default
    language, confidence = _identifier().classify(words)
    return language if confidence >= MIN_CONFIDENCE else default


def detect_article_language(text: str, default: str = "und") -> str:
    return detect_language(text[:ARTICLE_SAMPLE_CHARS], default)
