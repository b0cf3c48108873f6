"""How a corpus breaks down: articles by language, by source and by month of publication."""

from __future__ import annotations

from collections import Counter

UNDATED = ""


def article_counts(refs) -> dict[str, dict[str, int]]:
    """`refs`: ArticleRef-like records (language, source, published_at). Counts, most frequent first
    (months newest first, undated last)."""
    languages = Counter(r.language for r in refs)
    sources = Counter(r.source for r in refs)
    months = Counter((r.published_at or UNDATED)[:7] for r in refs)
    return {
        "languages": dict(languages.most_common()),
        "sources": dict(sources.most_common()),
        "months": dict(sorted(months.items(), key=lambda kv: (kv[0] == UNDATED, _neg(kv[0])))),
    }


def _neg(month: str) -> str:
    # newest first: sort on the complement of each digit
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in month)
