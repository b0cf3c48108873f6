"""The embedder as concurrent requests share it: the queries of every request
waiting are embedded by one thread (models/batching.py), one after the other,
instead of by request threads competing for the cores. Passages (ingest) go
straight to the model: they come in large batches already."""

from __future__ import annotations

from contextlib import contextmanager

from service.models.batching import DEFAULT_MAX_WAIT_S, BatchQueue


class BatchedEmbedder:
    def __init__(self, embedder, *, max_wait_s: float = DEFAULT_MAX_WAIT_S):
        self.embedder = embedder
        # Each query is embedded alone inside the shared call (Embedder.encode_each_query says why).
        self.queue = BatchQueue(embedder.encode_each_query, max_wait_s=max_wait_s, name="embedder")

    def __getattr__(self, attr):
        # dim, name, runtime, encode_passages ...: the embedder's own
        return getattr(self.embedder, attr)

    @contextmanager
    def request(self):
        with self.queue.request():
            yield self

    def encode_queries(self, texts: list[str]):
        return self.queue.submit(list(texts))

    def close(self) -> None:
        self.queue.close()
