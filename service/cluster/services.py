"""The Services object of the cluster's ingress: the single-process `Services`
(service/api/services.py) over a read-only view of the store, with a Verifier
handed the sharded retriever; searches are scattered over the shard deployments.

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
    """What Services and the Verifier read from a corpus: its embedder, the store (a read-only view)
    and its counts, which name the shard set being served."""

    def __init__(self, embedder, view, current: dict):
        self.embedder = embedder
        self.index = view
        self.current = current

    def stats(self) -> dict:
        return self.index.stats(self.current)

    def close(self) -> None:
        self.index.close()


class ClusterServices(Services):
    def __init__(self, view, current: dict, embedder, stance, verdict, shards: list, models_dir):
        from service.verify import Verifier, load_matcher

        self.view, self.current, self.shards = view, current, shards
        corpus = ClusterCorpus(embedder, view, current)
        verifier = Verifier(corpus, stance, verdict, load_matcher(view.data_dir, models_dir, embedder, verdict),
                            retriever=ShardedRetriever(embedder, shards))  # the shards, not a local index
        super().__init__(corpus, verifier)

    def add_articles(self, records: list[dict]) -> dict:
        raise self._read_only()

    def delete_article(self, article_id: str) -> dict:
        raise self._read_only()

    def update_article(self, article_id: str, **changes) -> dict:
        raise self._read_only()

    def _read_only(self) -> Unavailable:
        return Unavailable(
            "this cluster server is read-only: the store has a single writer. Ingest where the store lives "
            f"(`recoupe ingest` or `recoupe ingest --ray`), then `recoupe shards build --shards "
            f"{self.current['shards']}` and restart the shard replicas")
