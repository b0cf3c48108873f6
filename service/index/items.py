"""Checking what `PassageIndex.add` is given, before anything is written."""

from __future__ import annotations

import json

import numpy as np

from service.errors import InvalidInput
from service.index.vectors import as_unit_rows
from service.ingest.article import Article, Passage


def prepare_items(items, dim: int) -> list[tuple[Article, list[Passage], list[str], np.ndarray]]:
    """(article, passages, passage extras as JSON, unit vectors) per item, or InvalidInput.

    Checking everything first means a bad item fails the whole call with a clear
    message instead of a constraint error half-way through the transaction.
    """
    out, seen = [], set()
    for item in items:
        try:
            article, passages, vectors = item
        except (TypeError, ValueError):
            raise InvalidInput("each item to add must be (Article, list of Passage, vectors)") from None
        if not isinstance(article, Article) or not article.id:
            raise InvalidInput(f"expected an Article with a non-empty id, got {article!r:.80}")
        if article.id in seen:
            raise InvalidInput(f"article {article.id!r} appears twice in one add")
        seen.add(article.id)
        passages = list(passages)
        if passages:
            matrix = as_unit_rows(vectors, dim, f"vectors of article {article.id!r}")
        elif np.size(vectors) == 0:
            matrix = np.empty((0, dim), dtype=np.float32)
        else:
            raise InvalidInput(f"article {article.id!r} has vectors but no passages")
        if len(matrix) != len(passages):
            raise InvalidInput(f"article {article.id!r} has {len(passages)} passages but {len(matrix)} vectors")
        if any(not isinstance(p, Passage) or p.article_id != article.id for p in passages):
            raise InvalidInput(f"a passage given with article {article.id!r} belongs to another article")
        if len({p.position for p in passages}) != len(passages):
            raise InvalidInput(f"article {article.id!r} has two passages at the same position")
        try:
            extras = [json.dumps(p.extra, ensure_ascii=False) for p in passages]
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"passage extra of article {article.id!r} is not JSON-serialisable: {exc}") from None
        out.append((article, passages, extras, matrix))
    return out
