"""Embeddings of evaluation corpora, cached on disk.

Embedding SciFact's 46k sentences takes minutes on a CPU; a second
`recoupe eval` run should not pay it again. A cached array is keyed by the
embedder's name, the prefix kind ("query" or "passage") and a hash of every
text in order, so a different model, runtime or corpus (one edited sentence,
a different subset) gets a different file and can never be served stale
vectors. Files are `<data_dir>/cache/embeddings/<embedder>.<kind>.<hash>.npy`,
written to a temporary name and renamed, so an interrupted run leaves no
half-written file behind.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np

KINDS = ("query", "passage")
# Texts per embedder call, at most: the progress bar moves at least every few
# seconds (long abstracts fill a call by characters first), batches still pad little.
CHUNK_TEXTS, CHUNK_CHARS = 512, 40_000


def content_key(embedder_name: str, kind: str, texts: list[str]) -> str:
    digest = hashlib.sha1()
    for part in (embedder_name, kind):
        digest.update(part.encode("utf-8") + b"\x00")
    for t in texts:
        data = t.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little") + data)  # length-prefixed: no two lists collide
    return digest.hexdigest()[:24]


class EmbeddingCache:
    def __init__(self, directory: str | os.PathLike, embedder, progress: bool = True):
        self.directory = Path(directory)
        self.embedder = embedder
        self.progress = progress
        self.hits = self.misses = 0

    def queries(self, texts: list[str], label: str = "queries") -> np.ndarray:
        return self.get(texts, "query", label)

    def passages(self, texts: list[str], label: str = "passages") -> np.ndarray:
        return self.get(texts, "passage", label)

    def path_for(self, texts: list[str], kind: str) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.embedder.name)
        return self.directory / f"{name}.{kind}.{content_key(self.embedder.name, kind, texts)}.npy"

    def get(self, texts: list[str], kind: str, label: str = "") -> np.ndarray:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        texts = list(texts)
        path = self.path_for(texts, kind)
        if path.is_file():
            try:
                vectors = np.load(path, allow_pickle=False)
            except (OSError, ValueError):
                vectors = None  # unreadable: embed again and overwrite
            if vectors is not None and vectors.shape == (len(texts), self.embedder.dim):
                self.hits += 1
                return vectors
        self.misses += 1
        vectors = self._embed(texts, kind, label)
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, vectors, allow_pickle=False)
        os.replace(tmp, path)
        return vectors

    def _embed(self, texts: list[str], kind: str, label: str) -> np.ndarray:
        encode = self.embedder.encode_queries if kind == "query" else self.embedder.encode_passages
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        if not texts:
            return out
        # Sorted by length across the whole corpus, so that each call's batches pad little.
        order = np.argsort([len(t) for t in texts], kind="stable")
        bar = None
        if self.progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit=kind,
                       desc=f"embed {label or kind}", dynamic_ncols=True)
        for idx in _chunks(order, texts):
            out[idx] = encode([texts[j] for j in idx])
            if bar is not None:
                bar.update(len(idx))
        if bar is not None:
            bar.close()
        return out


def _chunks(order: np.ndarray, texts: list[str]):
    start, chars = 0, 0
    for i, j in enumerate(order):
        chars += len(texts[j])
        if i + 1 - start >= CHUNK_TEXTS or chars >= CHUNK_CHARS:
            yield order[start:i + 1]
            start, chars = i + 1, 0
    if start < len(order):
        yield order[start:]
