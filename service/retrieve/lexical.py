"""BM25 over the stored passages, with bm25s (a maintained, sparse-matrix
BM25: indexing 46k passages takes seconds, a query well under a millisecond).

The BM25 index is derived from the passage store and kept in memory: it is
rebuilt when the store's generation moves (a write in this or another
process), so it can never disagree with what is stored.
"""

from __future__ import annotations

import threading

import numpy as np

from service.retrieve.text import words


class LexicalIndex:
    def __init__(self, index):
        self._index = index
        self._lock = threading.Lock()
        self._generation = None
        self._bm25 = None
        self._ids = np.zeros(0, dtype=np.int64)

    def _current(self):
        generation = self._index.generation
        with self._lock:
            if generation != self._generation:
                import bm25s

                ids, texts, languages = self._index.passage_texts()
                tokens = [words(t, lang) for t, lang in zip(texts, languages)]
                bm25 = None
                # bm25s cannot index a corpus without a single word (every passage
                # stop words or symbols): then there is nothing to match lexically.
                if any(tokens):
                    bm25 = bm25s.BM25()
                    bm25.index(tokens, show_progress=False)
                self._bm25, self._ids, self._generation = bm25, np.asarray(ids, dtype=np.int64), generation
            return self._bm25, self._ids

    def warm(self) -> None:
        """Build the BM25 index now rather than on the first query (a second on 45k passages)."""
        self._current()

    def search(self, text: str, language: str, k: int, **filters):
        """Best-first Hits (score: BM25) for a text, filtered like dense search."""
        bm25, ids = self._current()
        return bm25_search(bm25, ids, self._index, text, language, k, **filters)


def bm25_search(bm25, ids, index, text: str, language: str, k: int, **filters):
    """Best-first Hits of a bm25s index whose document j is passage ids[j] of `index`
    (the whole store, or one shard of it: see service/retrieve/shards.py)."""
    query = words(text, language)
    if bm25 is None or not query or k <= 0 or not len(ids):
        return []
    # Unknown words would make bm25s raise; they cannot match anyway.
    known = [w for w in query if w in bm25.vocab_dict]
    if not known:
        return []
    # Twice k: bm25s cuts ties at the k-th score arbitrarily; the margin lets equal scores be
    # ordered by passage id (below), the order a sharded search can reproduce.
    wide = len(ids) if any(v for v in filters.values()) else min(len(ids), 2 * k)
    docs, scores = bm25.retrieve([known], k=min(wide, len(ids)), show_progress=False, n_threads=1)
    keep = scores[0] > 0
    found, found_scores = ids[docs[0][keep]], scores[0][keep]
    order = np.lexsort((found, -found_scores))  # best first; equal scores, lower passage id first
    return index.hits_for(found[order], found_scores[order], k, **filters)
