"""Index: the persisted passage index (SQLite metadata + a FAISS vector cache).

`PassageIndex` in `store.py` is the one entry point. SQLite holds every
article, passage and vector and is the source of truth; `passages.faiss` is a
cache derived from it that `PassageIndex.open` rebuilds when it is missing or
stale. The names below resolve lazily so that importing `service.index` does
not load FAISS (a third of a second) for commands that never search.
"""

from __future__ import annotations

_EXPORTS = {
    "PassageIndex": "service.index.store",
    "AddReport": "service.index.records",
    "ArticleRef": "service.index.records",
    "Hit": "service.index.records",
    "DimensionMismatch": "service.index.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'service.index' has no attribute {name!r}")
