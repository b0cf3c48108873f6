"""Embed and index the SciFact corpus through the real ingestion path, and
print sentences/s, passages/s, peak memory and the index size on disk; then
the recall@10 of the approximate indexes against exact search, with SciFact's
dev claims as queries."""

from __future__ import annotations

import resource
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from lab.bench.data import bench_data_dir, scifact_claims, scifact_corpus
from service.corpus import Corpus
from lab.bench.recall import measure_recall
from service.ingest.article import Article


class _KeepVectors:
    """Wraps the embedder to keep what it produced, for the recall figures."""

    def __init__(self, embedder):
        self.inner, self.dim, self.kept, self.seconds = embedder, embedder.dim, [], 0.0

    def encode_passages(self, texts):
        t0 = time.perf_counter()
        out = self.inner.encode_passages(texts)
        self.seconds += time.perf_counter() - t0
        self.kept.append(out)
        return out

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)


def _disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run(config, embedder, limit: int | None = None, data: str | None = None, log=print) -> dict:
    data_dir = bench_data_dir(data)
    docs = scifact_corpus(data_dir)[:limit]
    articles = [Article(id=f"scifact-{d['doc_id']}", title=d["title"], text=" ".join(d["abstract"]),
                        source="SciFact", language="en") for d in docs]
    sentences = sum(len(d["abstract"]) for d in docs)
    target = Path(config.data_dir)
    shutil.rmtree(target, ignore_errors=True)
    keep = _KeepVectors(embedder)
    corpus = Corpus(replace(config, data_dir=target), keep)
    log(f"ingesting {len(articles)} SciFact abstracts ({sentences} sentences as published) into {target} ...")
    t0 = time.perf_counter()
    summary = corpus.ingest_articles(articles, progress=True)
    elapsed = time.perf_counter() - t0
    stats = corpus.stats()
    corpus.close()
    out = {
        "abstracts": len(articles),
        "sentences_published": sentences,
        "passages_indexed": summary.passages_added,
        "seconds": round(elapsed, 1),
        "passages_per_s": round(summary.passages_added / elapsed, 1),
        "embedding_sentences_per_s": round(summary.passages_added / keep.seconds, 1),
        "abstracts_per_s": round(len(articles) / elapsed, 2),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "index_bytes_on_disk": _disk_bytes(target),
        "index_type": stats.get("index_type"),
    }
    log(f"indexed {out['passages_indexed']} passages in {out['seconds']} s: {out['passages_per_s']} passages/s "
        f"(embedding, segmentation and index writes together), {out['abstracts_per_s']} abstracts/s")
    log(f"embedding alone: {out['embedding_sentences_per_s']} sentences/s ({embedder.name})")
    log(f"peak memory {out['peak_memory_mb']} MB; index on disk {out['index_bytes_on_disk'] / 1e6:.1f} MB "
        f"({out['index_bytes_on_disk'] / max(1, out['passages_indexed']):.0f} bytes/passage)")

    vectors = np.concatenate(keep.kept)
    claims = [c["claim"] for c in scifact_claims(data_dir, "dev")]
    queries = embedder.encode_queries(claims)
    out["recall"] = []
    for index_type, params in (("hnsw", {}), ("ivf", {}), ("ivf", {"ivf_nprobe": 32})):
        r = measure_recall(vectors, queries, k=10, index_type=index_type, **params)
        out["recall"].append(r)
        log(f"{index_type:4s} {r['params']}: recall@10 {r['recall']:.3f} vs exact; "
            f"{r['approx_ms_per_query']:.2f} ms/query vs exact {r['exact_ms_per_query']:.2f} ms (build {r['build_s']:.1f} s)")
    return out
