"""The ingress's read-only view of the store: articles and counts, straight from SQLite.

The cluster's searches go to the shards, so the ingress never loads the store's
FAISS index (at 10M passages that would be gigabytes on one replica); it only
reads rows, as any SQLite reader beside the one writer may (WAL mode).
"""

from __future__ import annotations

import threading
from pathlib import Path

from service.errors import NotFound
from service.index import persist, schema
from service.index.records import ArticleRef
from service.index.store import NO_ARTICLE


class StoreView:
    def __init__(self, data_dir):
        self.data_dir = Path(data_dir)
        self._conn = schema.connect(self.data_dir / persist.DB_NAME)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    @property
    def generation(self) -> int:
        """As PassageIndex.generation: bumped by every write to the store."""
        with self._lock:
            return schema.read_generation(self._conn)[0]

    def list_articles(self, limit=None, offset: int = 0) -> list[ArticleRef]:
        with self._lock:
            rows = self._conn.execute(f"SELECT {schema.REF_COLUMNS} FROM articles a ORDER BY a.id LIMIT ? OFFSET ?",
                                      (-1 if limit is None else int(limit), int(offset))).fetchall()
        return [ArticleRef(*row) for row in rows]

    def get_article(self, article_id: str):
        with self._lock:
            row = self._conn.execute(f"SELECT {schema.ARTICLE_COLUMNS} FROM articles a WHERE a.id = ?",
                                     (article_id,)).fetchone()
        if row is None:
            raise NotFound(NO_ARTICLE, values={"id": repr(article_id)})
        return schema.article_from_row(row)

    def passages_of(self, article_id: str):
        self.get_article(article_id)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {schema.PASSAGE_COLUMNS} FROM passages p WHERE p.article_id = ? ORDER BY p.position",
                (article_id,)).fetchall()
        return [schema.passage_from_row(row) for row in rows]

    def stats(self, current: dict) -> dict:
        """PassageIndex.stats' figures, the index part from the shard set being served."""
        with self._lock:
            conn = self._conn
            stats = {
                "articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0],
                "passages": conn.execute("SELECT count(*) FROM passages").fetchone()[0],
                "languages": dict(conn.execute("SELECT language, count(*) FROM passages GROUP BY 1 ORDER BY 1")),
                "sources": dict(conn.execute("SELECT source, count(*) FROM articles GROUP BY 1 ORDER BY 1")),
                "generation": schema.read_generation(conn)[0],
            }
        stale = stats["generation"] != current["generation"]
        stats.update({
            "dim": current["dim"],
            "index_type": current["params"]["index_type"],
            "index_kind": f"{current['shards']} shards ({current['params']['index_type']})",
            "index_note": (f"the shards hold store generation {current['generation']}; the store is at "
                           f"{stats['generation']}: run `recoupe shards build --shards {current['shards']}`"
                           if stale else None),
            "faiss_vectors": current["passages"],
            "pending_deletions": 0,
            "size_bytes": persist.disk_usage(self.data_dir),
            "data_dir": str(self.data_dir),
            "shards": current["shards"],
            "shards_generation": current["generation"],
        })
        return stats
