"""The Services object of the cluster's ingress: the same views, the same schemas,
searches scattered over the shard deployments.

Writes are refused with a 503 problem: the store has one writer, and a write
here would not reach the shards until they are rebuilt. Articles are added
with `recoupe ingest` (or `recoupe ingest --ray`) where the store lives, then
`recoupe shards build`, which the replicas load on their next start (docs/cluster.md).
"""

from __future__ import annotations

from service.api.errors import Unavailable
from service.api.services import Services
from service.retrieve.sharded import ShardedRetriever


class ClusterCorpus:
    """What the Verifier reads from a corpus: its embedder (the ingress searches through shards)."""

    def __init__(self, embedder, view):
        self.embedder = embedder
        self.index = view


class ClusterServices(Services):
    def __init__(self, view, current: dict, embedder, stance, verdict, shards: list, models_dir):
        from service.verify import Verifier, load_matcher

        self.view, self.current, self.shards = view, current, shards
        corpus = ClusterCorpus(embedder, view)
        verifier = Verifier(corpus, stance, verdict, load_matcher(view.data_dir, models_dir, embedder, verdict))
        verifier.retriever = ShardedRetriever(embedder, shards)  # the shards, not a local index
        super().__init__(corpus, verifier)

    def close(self) -> None:
        self.view.close()

    def add_articles(self, records: list[dict]) -> dict:
        raise self._read_only()

    def delete_article(self, article_id: str) -> dict:
        raise self._read_only()

    def _read_only(self) -> Unavailable:
        return Unavailable(
            "this cluster server is read-only: the store has a single writer. Ingest where the store lives "
            f"(`recoupe ingest` or `recoupe ingest --ray`), then `recoupe shards build --shards "
            f"{self.current['shards']}` and restart the shard replicas")

    def list_articles(self, limit: int, offset: int) -> dict:
        refs = self.view.list_articles(limit=limit, offset=offset)
        total = self.stats()["articles"]
        following = offset + len(refs)
        return {"articles": refs, "total": total, "limit": limit, "offset": offset,
                "next_offset": following if following < total else None}

    def get_article(self, article_id: str) -> dict:
        article = self.view.get_article(article_id)
        return {**article.to_dict(), "passages": self.view.passages_of(article_id)}

    def stats(self) -> dict:
        return self.view.stats(self.current)

    def health(self) -> dict:
        stats = self.stats()
        return {"status": "ok", "models": {"embedder": True, "stance": True},
                "index": {"articles": stats["articles"], "passages": stats["passages"],
                          "vectors": stats["faiss_vectors"], "shards": self.current["shards"]}}
