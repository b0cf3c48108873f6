"""Embedder throughput on ~30-token sentences, per runtime, with the cosine
of the int8 runtime to the fp32 reference."""

from __future__ import annotations

import time


from lab.bench.data import bench_data_dir, scifact_corpus
from service.models.embedder import Embedder


def sentences_of_about(n_tokens: tuple[int, int], count: int, data_dir) -> list[str]:
    from tokenizers import Tokenizer

    from service.config import load_config

    tok = Tokenizer.from_file(str(load_config().embedder_dir / "tokenizer.json"))
    out = []
    for doc in scifact_corpus(data_dir):
        for s in doc["abstract"]:
            if n_tokens[0] <= len(tok.encode("passage: " + s).ids) <= n_tokens[1]:
                out.append(s)
                if len(out) == count:
                    return out
    return out


def run(config, count: int = 1000, data: str | None = None, log=print) -> dict:
    texts = sentences_of_about((25, 35), count, bench_data_dir(data))
    results, vectors = {}, {}
    for runtime in ("onnx-int8", "torch-fp32"):
        emb = Embedder(config.embedder_dir, runtime=runtime, threads=config.threads, batch_size=config.embed_batch_size)
        emb.encode_passages(texts[:64])  # warm-up
        best = 0.0
        for _ in range(3):  # best of three: the figure is the machine's, not its neighbours'
            t0 = time.perf_counter()
            vectors[runtime] = emb.encode_passages(texts)
            best = max(best, len(texts) / (time.perf_counter() - t0))
        results[runtime] = {"sentences_per_s": round(best, 1)}
        log(f"{runtime:11s} {best:6.1f} sentences/s  ({len(texts)} sentences of 25-35 tokens, batch {emb.batch_size})")
    cos = (vectors["onnx-int8"] * vectors["torch-fp32"]).sum(1)
    results["int8_vs_fp32_cosine"] = {"min": float(cos.min()), "mean": float(cos.mean())}
    log(f"int8 vs fp32 cosine: min {cos.min():.4f}  mean {cos.mean():.4f}")
    return results
